// Secrets: random ones shown once, stored only as a slow hash (scrypt, RFC 7914), and
// per-device secrets derived from a group key (HMAC-SHA256 of the device's address),
// the group-enrollment pattern of large IoT platforms: a fleet of 100k devices needs
// one stored key, not 100k stored hashes.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: N (CPU/memory), r (block size), p (parallelisation), RFC 7914 §2. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * People's passwords: N = 2^17, r = 8, p = 1, the minimum of OWASP's Password Storage
 * Cheat Sheet for scrypt ("a minimum CPU/memory cost parameter of (2^17), a minimum
 * block size of 8 (1024 bytes), and a parallelization parameter of 1",
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html).
 * 128 MiB and about 0.25 s of one core a hash on a quiet machine (2.2 s measured with
 * the CI machine's two cores busy); callers bound how many run at once (HashGate).
 */
export const PASSWORD_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/**
 * Random secrets (device secrets, API tokens): N = 2^15, 32 MiB. They are 256 bits
 * from the CSPRNG, so no dictionary or guessing attack applies and the hash only has
 * to make a stolen registry file useless, which 2^256 candidates do at any cost; the
 * slower people's cost would only make a reconnect storm of 100k devices 4x dearer.
 */
export const SECRET_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** Hashes stored with more than this are refused unread: a tampered file cannot make us allocate gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const KEY_LEN = 32;

/** Bytes scrypt allocates (OpenSSL's check: B is 128·r·p, V is 128·r·(N+2)), so maxmem is exactly what the cost needs. */
export const scryptMemory = (c: ScryptCost): number => 128 * c.r * (c.N + c.p + 2);

function scryptAsync(secret: string, salt: Buffer, c: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LEN, { N: c.N, r: c.r, p: c.p, maxmem: scryptMemory(c) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A new random secret (256 bits, base64url). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** `scrypt$N$r$p$salt$hash`, all base64url but the numbers. */
export async function hashSecret(secret: string, cost: ScryptCost = SECRET_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * A stored hash in the same form that no secret is known to match: random bytes in
 * place of the derived key. Checking a secret against it costs exactly one KDF at
 * `cost`, like checking against a real hash, and making it costs none: for an unknown
 * name, so that refusing it does the work refusing a known one does.
 */
export const dummyHash = (cost: ScryptCost): string =>
  `scrypt$${cost.N}$${cost.r}$${cost.p}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LEN).toString('base64url')}`;

/** What a store needs of the KDF: a port, so a test can count the work a login does (every call still runs scrypt). */
export interface SecretHasher {
  hash(secret: string, cost: ScryptCost): Promise<string>;
  verify(secret: string, stored: string): Promise<boolean>;
}

/** The cost a stored hash was made with, or undefined for one that is malformed or out of bounds. */
export function costOf(stored: string): ScryptCost | undefined {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  const c = { N: Number(n), r: Number(r), p: Number(p) };
  if (alg !== 'scrypt' || !salt || !hash) return undefined;
  const powerOfTwo = Number.isInteger(c.N) && c.N > 1 && (c.N & (c.N - 1)) === 0;
  if (!powerOfTwo || c.N > MAX_N || !Number.isInteger(c.r) || c.r < 1 || c.r > MAX_R || !Number.isInteger(c.p) || c.p < 1 || c.p > MAX_P) return undefined;
  return c;
}

/** Whether a stored hash needs less memory (N·r) or less work (N·r·p) than `cost`, so it should be made again. */
export function weakerThan(stored: string, cost: ScryptCost): boolean {
  const c = costOf(stored);
  return c !== undefined && (c.N * c.r < cost.N * cost.r || c.N * c.r * c.p < cost.N * cost.r * cost.p);
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const cost = costOf(stored);
  if (!cost) return false;
  const [, , , , salt, hash] = stored.split('$');
  const expected = Buffer.from(hash!, 'base64url');
  const got = await scryptAsync(secret, Buffer.from(salt!, 'base64url'), cost);
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

/** scrypt itself, the hasher of every store unless a test wraps it. */
export const SCRYPT: SecretHasher = { hash: hashSecret, verify: verifySecret };
