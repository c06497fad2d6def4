// A full disk under the ingest spool: the spool directory is a tiny tmpfs the test
// mounts (the machine's own full disk, not a simulated one), filled with a ballast
// file. While it is full nothing is acknowledged, /health says degraded and /metrics
// counts the failed commits; the platform does not exit. Once space comes back it
// resumes by itself: every message is acknowledged and stored exactly once.
import { rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../services/clock.ts';
import { Spool } from '../../services/intake/spool.ts';
import type { DuckDbStore } from '../../services/store/duckdb-store.ts';
import { tokenFor } from '../helpers/auth.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { canMount, fill, tinyDisk } from '../helpers/disk.ts';
import { waitFor } from '../helpers/wait.ts';

/** Rows in the platform's DuckDB store (one metric a reading here). */
const rows = (platform: { store: unknown }) => (platform.store as DuckDbStore).rowCount();

describe.skipIf(!canMount())('a full disk under the spool', () => {
  it('holds every acknowledgement while the disk is full, never exits, and acknowledges and stores everything once space is back', async () => {
    const dataDir = await tempDir();
    const spoolDir = join(dataDir, 'spool');
    tinyDisk(spoolDir, 256 * 1024);
    const platform = await startPlatform(testConfig(dataDir));
    const { token } = await tokenFor(platform);
    const health = async () => (await fetch(`http://127.0.0.1:${platform.httpPort}/health`)).json() as Promise<{ status: string; problems: string[] }>;
    expect((await health()).status).toBe('ok');

    expect(fill(join(spoolDir, 'ballast'))).toBeGreaterThan(0);
    const device = await connectDevice(platform);
    const N = 200;
    const t0 = Date.now() - 60_000;
    let acked = 0;
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const payload = JSON.stringify({ ts: t0 + i * 100, metrics: { pressure: 3 + i / 1000 }, seq: i });
      acks.push(device.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-df-1/telemetry', payload, { qos: 1 }).then(() => acked++));
    }

    // the disk stays full: the commits fail and are retried, and not one message is acknowledged
    const degraded = await waitFor(async () => {
      const h = await health();
      return h.status === 'degraded' && h.problems.includes('spool-write-failing') ? h : undefined;
    }, '/health to say the spool cannot write');
    expect(degraded.problems).toEqual(['spool-write-failing']);
    await waitFor(() => (platform.intake.stats().spool.commitErrors >= 5 ? true : undefined), 'several retried commits');
    expect(acked).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${platform.httpPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/^qala_spool_failing 1$/m);
    expect(Number(/^qala_spool_commit_errors_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);

    // space comes back: everything is acknowledged and stored, once
    rmSync(join(spoolDir, 'ballast'));
    await Promise.all(acks);
    expect(acked).toBe(N);
    await waitFor(async () => ((await rows(platform)) >= N ? true : undefined), 'every reading stored');
    expect(await rows(platform)).toBe(N);
    expect((await health()).status).toBe('ok');
    await device.endAsync();
  });

  it('cuts a commit that filled the disk half-way back to its last whole line, so a restart reads back every message', async () => {
    const dir = join(await tempDir(), 'spool');
    tinyDisk(dir, 64 * 1024);
    const ballast = join(dir, 'ballast');
    expect(fill(ballast)).toBeGreaterThan(0);
    truncateSync(ballast, statSync(ballast).size - 4096); // one page free: the next commit is written only in part
    const clock = new ManualClock();
    const errors: string[] = [];
    const spool = new Spool({ dir, commitMs: 5, clock, onCommitError: (err) => errors.push((err as NodeJS.ErrnoException).code ?? err.message) });
    expect(spool.recover()).toEqual([]);
    const payload = (i: number) => Buffer.from(JSON.stringify({ ts: i, metrics: { pressure: i }, pad: 'x'.repeat(400) }));
    const seqs = Array.from({ length: 20 }, (_, i) => spool.append('city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry', payload(i), i));
    let durable = 0;
    for (const s of seqs) void spool.durable(s).then(() => durable++);
    spool.commit();
    await Promise.resolve();
    expect(errors).toEqual(['ENOSPC']);
    expect(spool.failing).toBe(true);
    expect(durable).toBe(0);

    rmSync(ballast);
    clock.advance(200); // the retry
    await new Promise((r) => setImmediate(r));
    expect(spool.failing).toBe(false);
    expect(durable).toBe(20);
    spool.close();

    // as after a crash: the next run reads every message back, none torn
    const again = new Spool({ dir, commitMs: 5, clock });
    const back = again.recover();
    expect(again.stats().tornLines).toBe(0);
    expect(back.map((m) => JSON.parse(m.payload.toString()).ts)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    again.close();
  });
});
