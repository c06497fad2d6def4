import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import { Spool } from '../../../services/intake/spool.ts';
import { tempDir } from '../../helpers/platform.ts';

const spoolIn = (dir: string, clock = new ManualClock(1_800_000_000_000)) => ({ clock, spool: new Spool({ dir, commitMs: 5, clock }) });
const msg = (i: number) => Buffer.from(JSON.stringify({ ts: 1_800_000_000_000 + i, metrics: { pressure: i } }));

describe('intake spool', () => {
  it('resolves durable() only after the group commit, and a crashed run\u2019s messages come back', async () => {
    const dir = await tempDir();
    const { spool: a, clock } = spoolIn(dir);
    const seqs = Array.from({ length: 50 }, (_, i) => a.append(`t/${i}`, msg(i), 1000 + i));
    let durable = false;
    const p = a.durable(seqs.at(-1)!).then(() => (durable = true));
    await clock.tick(4);
    expect(durable).toBe(false);
    expect(readdirSync(dir)).toHaveLength(0); // nothing on disk before the commit
    await clock.tick(1);
    await p;
    expect(a.stats().commits).toBe(1);
    // ...the process dies here: no release, no close
    const { spool: b } = spoolIn(dir);
    const back = b.recover();
    expect(back.map((m) => m.topic)).toEqual(Array.from({ length: 50 }, (_, i) => `t/${i}`));
    expect(back[7]!.payload.equals(msg(7))).toBe(true);
    expect(back[7]!.receivedAt).toBe(1007);
    expect(back.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // recovered segments stay on disk until their messages are released
    expect(readdirSync(dir)).toHaveLength(1);
    b.release(51);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('deletes a segment only once every message in it is released', async () => {
    const dir = await tempDir();
    const { spool: s } = spoolIn(dir);
    const seqs = [msg(1), msg(2), msg(3)].map((p, i) => s.append('t', p, i));
    s.commit();
    await s.durable(seqs[2]!);
    // the reading of message 2 is not stored yet
    s.release(seqs[1]!);
    expect(readdirSync(dir)).toHaveLength(1);
    s.release(s.nextSeq);
    expect(readdirSync(dir)).toHaveLength(0);
    expect(s.stats().segmentsDeleted).toBe(1);
  });

  it('does not replay a message whose readings were stored before its group commit reached the disk', async () => {
    const dir = await tempDir();
    const { spool: s } = spoolIn(dir);
    for (let i = 0; i < 3; i++) s.append('t', msg(i), i);
    s.release(2, true); // message 1's reading is stored, the segment is not even written yet
    s.commit();
    // ...kill -9
    const { spool: again } = spoolIn(dir);
    expect(again.recover().map((m) => m.receivedAt)).toEqual([1, 2]);
  });

  it('skips a torn last line (never acknowledged) and recovers the rest', async () => {
    const dir = await tempDir();
    const { spool: s } = spoolIn(dir);
    for (let i = 0; i < 3; i++) s.append('t', msg(i), i);
    s.commit();
    const [seg] = readdirSync(dir);
    appendFileSync(join(dir, seg!), '{"topic":"t","payl');
    const { spool: again } = spoolIn(dir);
    expect(again.recover()).toHaveLength(3);
    expect(again.stats().tornLines).toBe(1);
  });

  it('holds acknowledgements while the disk refuses a commit, and releases them once it succeeds', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1_800_000_000_000);
    const errors: string[] = [];
    const s = new Spool({ dir: join(dir, 'not-yet'), commitMs: 5, clock, onCommitError: (e) => errors.push(e.message) });
    // the spool directory is a file: every open fails, as on a full or broken disk
    appendFileSync(join(dir, 'not-yet'), '');
    const seq = s.append('t', msg(1), 1);
    let durable = false;
    void s.durable(seq).then(() => (durable = true));
    await clock.tick(500, 50);
    expect(errors.length).toBeGreaterThan(0);
    expect(durable).toBe(false);
    expect(s.stats().commitErrors).toBe(errors.length);
    rmSync(join(dir, 'not-yet'));
    await clock.tick(500, 50);
    expect(durable).toBe(true);
    s.close();
    expect(readdirSync(join(dir, 'not-yet')).filter((f) => f.startsWith('seg-'))).toHaveLength(1);
  });
});
