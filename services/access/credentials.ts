// Secrets: random ones shown once, stored only as a slow hash (scrypt, RFC 7914), and
// per-device secrets derived from a group key (HMAC-SHA256 of the device's address),
// the group-enrollment pattern of large IoT platforms: a fleet of 100k devices needs
// one stored key, not 100k stored hashes.
import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** N = 2^15, r = 8, p = 1: about 30-60 ms and 32 MiB a check (OWASP's scrypt minimum is 2^17 with r=8 for passwords of people; device secrets are 256-bit random, so the hash only has to resist a stolen registry file, not a dictionary). */
const PARAMS: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

function scryptAsync(secret: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LEN, params, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A new random secret (256 bits, base64url). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** `scrypt$N$r$p$salt$hash`, all base64url but the numbers. */
export async function hashSecret(secret: string, params: ScryptOptions = PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem };
  const expected = Buffer.from(hash, 'base64url');
  const got = await scryptAsync(secret, Buffer.from(salt, 'base64url'), params);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A device's secret in a group: HMAC-SHA256(group key, identity), base64url. */
export const deriveSecret = (groupKey: string, identity: string): string => createHmac('sha256', groupKey).update(identity).digest('base64url');

/** Constant-time comparison of two secrets given as text. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The logins a device group's key gives: a device by its address, a gateway as `gateway:<name>`. */
export function groupLogins(groupKey: string): { device(address: string): { username: string; password: string }; gateway(name: string): { username: string; password: string } } {
  return {
    device: (address) => ({ username: address, password: deriveSecret(groupKey, address) }),
    gateway: (name) => ({ username: `gateway:${name}`, password: deriveSecret(groupKey, `gateway:${name}`) }),
  };
}
