import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../../services/store/spool.ts';
import { tempDir } from '../../helpers/platform.ts';

const spoolIn = (dir: string) => new Spool({ dir, commitMs: 1, now: Date.now });
const msg = (i: number) => Buffer.from(JSON.stringify({ ts: 1_800_000_000_000 + i, metrics: { pressure: i } }));

describe('ingest spool', () => {
  it('resolves durable() only after the group commit, and a crashed run\u2019s messages come back', async () => {
    const dir = await tempDir();
    const a = spoolIn(dir);
    const seqs = Array.from({ length: 50 }, (_, i) => a.append(`t/${i}`, msg(i), 1000 + i));
    let durable = false;
    const p = a.durable(seqs.at(-1)!).then(() => (durable = true));
    expect(durable).toBe(false);
    await p;
    expect(a.stats().commits).toBeGreaterThanOrEqual(1);
    // ...the process dies here: no release, no close
    const b = spoolIn(dir);
    const back = b.recover();
    expect(back.map((m) => m.topic)).toEqual(Array.from({ length: 50 }, (_, i) => `t/${i}`));
    expect(Buffer.from(back[7]!.payload, 'base64').equals(msg(7))).toBe(true);
    expect(back[7]!.receivedAt).toBe(1007);
  });

  it('deletes a segment only once its messages are ingested and stored', async () => {
    const dir = await tempDir();
    const s = spoolIn(dir);
    const payloads = [msg(1), msg(2), msg(3)];
    const seqs = payloads.map((p, i) => s.append('t', p, i));
    await s.durable(seqs[2]!);
    s.commit();
    // nothing ingested yet: the segment stays even if the writer reports all stored
    s.release(s.nextSeq);
    expect(readdirSync(dir)).toHaveLength(1);
    for (const p of payloads) expect(s.take(p)).toBeDefined();
    // ingested, but the reading of message 2 is not stored yet
    s.release(seqs[1]!);
    expect(readdirSync(dir)).toHaveLength(1);
    s.release(s.nextSeq);
    expect(readdirSync(dir)).toHaveLength(0);
    expect(s.stats().segmentsDeleted).toBe(1);
  });

  it('skips a torn last line (never acknowledged) and recovers the rest', async () => {
    const dir = await tempDir();
    const s = spoolIn(dir);
    for (let i = 0; i < 3; i++) s.append('t', msg(i), i);
    s.commit();
    const [seg] = readdirSync(dir);
    appendFileSync(join(dir, seg!), '{"topic":"t","payl');
    const again = spoolIn(dir);
    expect(again.recover()).toHaveLength(3);
    expect(again.stats().tornLines).toBe(1);
  });
});
