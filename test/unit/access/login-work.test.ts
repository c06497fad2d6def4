// An MQTT login by name and secret does the same key-derivation work whether the name
// is a registered device, a user or nothing at all, so its time tells no names apart.
// Counted at the KDF's port (credentials.ts SecretHasher), never timed.
import { describe, expect, it } from 'vitest';
import { Access } from '../../../services/access/access.ts';
import { SCRYPT, SECRET_COST, costOf, type ScryptCost, type SecretHasher } from '../../../services/access/credentials.ts';
import { HashGate } from '../../../services/access/hash-gate.ts';
import { UserStore } from '../../../services/access/users.ts';
import { ManualClock } from '../../../services/clock.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';

const PEOPLE = { N: 2 ** 11, r: 8, p: 1 };
const name = (c: ScryptCost | undefined) => (c === undefined ? 'unreadable' : c.N === SECRET_COST.N ? 'secret-cost' : c.N === PEOPLE.N ? 'people-cost' : `N=${c.N}`);

describe('MQTT login work', () => {
  it('costs one KDF at the secrets\' cost and one at the people\'s for an unknown name, a device with a wrong secret and a user with a wrong password alike', async () => {
    const calls: string[] = [];
    const hasher: SecretHasher = {
      hash: (secret, cost) => (calls.push(`hash@${name(cost)}`), SCRYPT.hash(secret, cost)),
      verify: (secret, stored) => (calls.push(`verify@${name(costOf(stored))}`), SCRYPT.verify(secret, stored)),
    };
    const dataDir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 0, 15));
    const log = createLogger('silent', 'json');
    const audit = { record: () => {} };
    const users = new UserStore({ dataDir, clock, log, audit, announce: () => {}, adminPassword: 'first-admin-password-1', passwordCost: PEOPLE, hasher });
    const access = new Access({ town: 'temirtau', dataDir, clock, log, audit, maxRegisteredDevices: 10, users, hasher });
    await users.start();
    await access.start();
    const { secret } = await access.add({ deviceId: 'wp-reg-1', kind: 'water-pressure', district: 'old-town' }, 'user:admin');
    await access.add({ deviceId: 'wp-gone', kind: 'water-pressure', district: 'old-town' }, 'user:admin');
    access.revoke('wp-gone', 'user:admin');
    const work = async (username: string, password: string) => {
      calls.length = 0;
      const p = await access.authenticate(username, Buffer.from(password));
      return { in: p !== undefined, calls: [...calls] };
    };
    const refused = { in: false, calls: ['verify@secret-cost', 'verify@people-cost'] };
    expect(await work('nobody', 'some-password-12')).toEqual(refused);
    expect(await work('wp-reg-1', 'not-its-secret-12')).toEqual(refused);
    expect(await work('wp-gone', secret)).toEqual(refused);
    expect(await work('admin', 'wrong-password-12')).toEqual(refused);
    expect(await work('admin', 'first-admin-password-1')).toEqual({ in: true, calls: refused.calls });
    expect(await work('wp-reg-1', secret)).toEqual({ in: true, calls: ['verify@secret-cost'] });
    await access.stop();
    await users.stop();
  });

  it('bounds the dummy check of an unknown name by the people\'s gate, while a registered device is never refused for load', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 0, 15));
    const log = createLogger('silent', 'json');
    const audit: { detail?: Record<string, unknown> }[] = [];
    const sink = { record: (e: { detail?: Record<string, unknown> }) => void audit.push(e) };
    const hashGate = new HashGate(1, 0);
    let kdfs = 0;
    const hasher: SecretHasher = { hash: (x, c) => (kdfs++, SCRYPT.hash(x, c)), verify: (x, h) => (kdfs++, SCRYPT.verify(x, h)) };
    const users = new UserStore({ dataDir, clock, log, audit: sink, announce: () => {}, adminPassword: 'first-admin-password-1', passwordCost: PEOPLE, hashGate, hasher });
    const access = new Access({ town: 'temirtau', dataDir, clock, log, audit: sink, maxRegisteredDevices: 10, users, hashGate, hasher });
    await users.start();
    await access.start();
    const { secret } = await access.add({ deviceId: 'wp-reg-1', kind: 'water-pressure', district: 'old-town' }, 'user:admin');
    // the gate's one slot held, none to wait in
    let free!: () => void;
    const held = hashGate.run(() => new Promise<void>((r) => (free = r)));
    kdfs = 0;
    expect(await access.authenticate('nobody', Buffer.from('some-password-12'))).toBeUndefined();
    expect(kdfs).toBe(0); // refused before any KDF ran
    expect(audit.at(-1)?.detail).toEqual({ reason: 'too many password checks at once (QALA_PASSWORD_HASH_QUEUE)' });
    expect(hashGate.refused).toBe(1);
    expect(await access.authenticate('wp-reg-1', Buffer.from(secret))).toMatchObject({ principal: { deviceId: 'wp-reg-1' } });
    free();
    await held;
    await access.stop();
    await users.stop();
  });
});
