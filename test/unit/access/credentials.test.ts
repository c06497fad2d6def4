import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PASSWORD_COST, SECRET_COST, costOf, hashSecret, scryptMemory, verifySecret, weakerThan } from '../../../services/access/credentials.ts';
import { HashGate } from '../../../services/access/hash-gate.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('secret hashes', () => {
  it("hashes people's passwords at OWASP's scrypt minimum, N=2^17 r=8 p=1, with exactly the memory it needs", async () => {
    expect(PASSWORD_COST).toEqual({ N: 131072, r: 8, p: 1 });
    // 128 MiB for V plus B and two blocks of slack (OpenSSL's own accounting); Node's 32 MiB default would refuse it
    expect(scryptMemory(PASSWORD_COST)).toBe(128 * 8 * (131072 + 3));
    const hash = await hashSecret('correct horse battery', PASSWORD_COST);
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifySecret('correct horse battery', hash)).toBe(true);
  });

  it('hashes random secrets at the cheaper cost by default and verifies either by the cost written in the hash', async () => {
    const cheap = await hashSecret('s3cret-s3cret', CHEAP);
    const dflt = await hashSecret('s3cret-s3cret');
    expect(costOf(dflt)).toEqual(SECRET_COST);
    expect(costOf(cheap)).toEqual(CHEAP);
    expect(await verifySecret('s3cret-s3cret', cheap)).toBe(true);
    expect(await verifySecret('s3cret-s3cret', dflt)).toBe(true);
  });

  it('tells a hash weaker than a cost from one as strong or stronger', async () => {
    const h = await hashSecret('x', CHEAP);
    expect(weakerThan(h, PASSWORD_COST)).toBe(true);
    expect(weakerThan(h, CHEAP)).toBe(false);
    expect(weakerThan(h, { N: 2 ** 9, r: 8, p: 1 })).toBe(false);
    expect(weakerThan(h, { N: 2 ** 10, r: 8, p: 2 })).toBe(true);
    expect(weakerThan('not a hash', PASSWORD_COST)).toBe(false);
  });

  it('refuses a stored hash whose cost is out of bounds without running scrypt on it', async () => {
    const salt = 'AAAAAAAAAAAAAAAAAAAAAA';
    const key = 'A'.repeat(43);
    for (const params of ['1048577$8$1', `${2 ** 21}$8$1`, '131072$33$1', '131072$8$17', '131072$0$1', '0$8$1', '1$8$1', '131072.5$8$1', '-131072$8$1']) {
      expect(costOf(`scrypt$${params}$${salt}$${key}`)).toBeUndefined();
      expect(await verifySecret('x', `scrypt$${params}$${salt}$${key}`)).toBe(false);
    }
  });

  it('never throws on a malformed stored hash, it only fails to verify', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.constantFrom('', 'scrypt$', 'scrypt$1024$8$1$', 'scrypt$1024$'), async (junk, prefix) => {
        const stored = prefix + junk;
        const c = costOf(stored);
        if (c) expect(c.N).toBeLessThanOrEqual(2 ** 20);
        // a random string never verifies (a 256-bit key cannot match by chance)
        expect(await verifySecret('x', stored)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

/** A task whose end the test decides. */
function held(): { run: () => Promise<string>; release: (v: string) => void; started: () => boolean } {
  let release!: (v: string) => void;
  let began = false;
  const done = new Promise<string>((r) => (release = r));
  return { run: () => ((began = true), done), release, started: () => began };
}

describe('hash gate', () => {
  it('runs at most `concurrency` at once and hands a freed slot to the next in line', async () => {
    const gate = new HashGate(2, 5);
    const tasks = [held(), held(), held(), held()];
    const results = tasks.map((t) => gate.run(t.run));
    await Promise.resolve();
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false]);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);
    tasks[1]!.release('b');
    expect(await results[1]).toBe('b');
    await Promise.resolve();
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false]);
    expect([gate.running, gate.waiting]).toEqual([2, 1]);
    tasks[0]!.release('a');
    tasks[2]!.release('c');
    tasks[3]!.release('d');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it('refuses at once with ERR_AUTH_BUSY past its queue, and takes work again once a slot frees', async () => {
    const gate = new HashGate(1, 1);
    const a = held();
    const b = held();
    const ra = gate.run(a.run);
    const rb = gate.run(b.run);
    await expect(gate.run(async () => 'c')).rejects.toMatchObject({ code: 'ERR_AUTH_BUSY', message: expect.stringContaining('QALA_PASSWORD_HASH_QUEUE') });
    expect(gate.refused).toBe(1);
    a.release('a');
    b.release('b');
    expect([await ra, await rb]).toEqual(['a', 'b']);
    expect(await gate.run(async () => 'd')).toBe('d');
  });

  it('frees the slot of a task that fails', async () => {
    const gate = new HashGate(1, 0);
    await expect(gate.run(async () => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    expect(gate.running).toBe(0);
    expect(await gate.run(async () => 'ok')).toBe('ok');
  });
});
