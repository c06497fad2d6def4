// The MQTT commands (`qala record`, `qala replay`, `qala simulate`) against a Qala
// broker that refuses their login: a user who forgot --key-file or typed a wrong
// password gets one line saying so and what to pass, exit code 1, not a stack trace.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { qala } from '../helpers/qala.ts';

describe('qala MQTT commands refused by the broker', () => {
  let platform: Platform;
  let work: string;
  let broker: string;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    broker = `mqtt://127.0.0.1:${platform.mqttPort}`;
    work = await tempDir();
  });
  afterAll(() => platform?.stop());

  /** One line on stderr naming the refusal and what to pass, exit code 1. */
  function expectRefusal(r: { code: number; stderr: string }, hint: RegExp): void {
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{')); // JSON log lines aside
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^qala: the broker refused the login \(CONNACK 5: not authorized\)/);
    expect(lines[0]).toMatch(hint);
  }

  it('says so in one line when qala record gives a wrong password', async () => {
    const r = await qala(['record', '--broker', broker, '--out', join(work, 'rec.ndjson'), '--duration', '5s', '--username', 'admin', '--password', 'not-the-password'], { QALA_LOG_LEVEL: 'warn' });
    expectRefusal(r, /--username and --password/);
  });

  it('says so in one line when qala replay has no simulator key (no --key-file, none in QALA_DATA_DIR)', async () => {
    const feed = join(work, 'feed.ndjson');
    await writeFile(feed, `${JSON.stringify({ at: 1768449600000, topic: 'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry', payload: JSON.stringify({ ts: 1768449600000, metrics: { pressure: 4 } }), retain: false })}\n`);
    const r = await qala(['replay', '--file', feed, '--broker', broker, '--speed', 'max'], { QALA_LOG_LEVEL: 'warn', QALA_DATA_DIR: await tempDir() });
    expectRefusal(r, /--key-file/);
  });
});
