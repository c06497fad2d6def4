import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { constants } from 'node:buffer';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactionDue, Journal, readLines } from '../../../services/durable/journal.ts';
import { tempDir } from '../../helpers/platform.ts';

type Rec = { n: number; text?: string };

describe('journal line reader', () => {
  it('splits lines across chunk boundaries without cutting a multi-byte character, and yields a torn last line for the caller to judge', async () => {
    const path = join(await tempDir(), 'lines.jsonl');
    const lines = Array.from({ length: 5000 }, (_, n) => JSON.stringify({ n, text: 'Теміртау ✓ '.repeat(n % 7) }));
    writeFileSync(path, `${lines.join('\n')}\n{"n":5000,"te`);
    const got = [...readLines(path, { chunkBytes: 61 })]; // a prime-ish chunk: boundaries fall everywhere
    expect(got.slice(0, -1)).toEqual(lines);
    expect(got.at(-1)).toBe('{"n":5000,"te');
  });

  it('reads a journal larger than the longest string Node can hold, record by record, skipping an oversized line without holding it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'huge.jsonl');
    writeFileSync(path, '{"n":1}\n{"n":2}\n');
    // a hole of zeros past MAX_STRING_LENGTH (sparse: no disk used), as a runaway line would be
    const size = constants.MAX_STRING_LENGTH + (64 << 20);
    truncateSync(path, size);
    const fd = openSync(path, 'r+');
    writeSync(fd, '\n{"n":3}\n{"n":4,"torn', size);
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(constants.MAX_STRING_LENGTH);
    const j = new Journal<Rec>(path);
    const started = performance.now();
    const got = [...j.records()].map((r) => r.n);
    console.log(`streamed a ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB journal in ${(performance.now() - started).toFixed(0)} ms`);
    expect(got).toEqual([1, 2, 3]);
    expect(j.oversizeLines).toBe(1);
    expect(j.tornLines).toBe(1);
  }, 60_000);
});

describe('journal', () => {
  it('replays what was appended, skips a torn last line, and compacts to the live records', async () => {
    const path = join(await tempDir(), 'j.jsonl');
    const j = new Journal<Rec>(path);
    for (let n = 0; n < 10; n++) j.append({ n });
    j.close();
    appendFileSync(path, '{"n":10,');
    const again = new Journal<Rec>(path);
    expect(again.replay().map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(again.tornLines).toBe(1);
    again.compact([{ n: 7 }, { n: 9 }]);
    expect(readFileSync(path, 'utf8')).toBe('{"n":7}\n{"n":9}\n');
    expect(again.bytes).toBe(statSync(path).size);
  });

  it('compacts in the background while appends go on, and loses none of them', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.jsonl');
    const j = new Journal<Rec>(path);
    for (let n = 0; n < 200; n++) j.append({ n, text: 'x'.repeat(500) });
    const live = [{ n: -1 }];
    const done = j.compactInBackground(live);
    expect(j.compacting).toBe(true);
    for (let n = 1000; n < 1010; n++) j.append({ n }); // while the snapshot is written
    await done;
    j.append({ n: 1010 }); // into the compacted file
    expect(j.bytes).toBe(statSync(path).size);
    expect(new Journal<Rec>(path).replay().map((r) => r.n)).toEqual([-1, ...Array.from({ length: 11 }, (_, i) => 1000 + i)]);
    expect(readdirSync(dir)).toEqual(['j.jsonl']);
    j.close();
  });

  it('leaves the old journal whole when closed mid-compaction', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.jsonl');
    const j = new Journal<Rec>(path);
    for (let n = 0; n < 100; n++) j.append({ n });
    const done = j.compactInBackground([{ n: -1 }]);
    j.close();
    await done;
    expect(new Journal<Rec>(path).replay()).toHaveLength(100);
    expect(existsSync(`${path}.compacting`)).toBe(false);
  });

  it('is due for compaction only past the ratio and the floor', () => {
    const p = { ratio: 4, minBytes: 1000 };
    expect(compactionDue(900, 10, p)).toBe(false);
    expect(compactionDue(5000, 2000, p)).toBe(false);
    expect(compactionDue(5000, 1000, p)).toBe(true);
  });
});
