// The `qala` executable as a user runs it: a bad config stops start-up naming the
// variable; `qala simulate` drives a town into a running platform over real MQTT.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { qala } from '../helpers/qala.ts';

describe('qala CLI', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
  });
  afterAll(() => platform?.stop());

  it('stops start-up on a bad config value, naming the variable and what it expects', async () => {
    const r = await qala(['start'], { QALA_HTTP_PORT: 'eighty', QALA_SIM_SPEED: '0', QALA_SIM_CONNECTIONS: 'some' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('QALA_HTTP_PORT="eighty"');
    expect(r.stderr).toContain('QALA_SIM_SPEED="0"');
    expect(r.stderr).toContain('QALA_SIM_CONNECTIONS="some"');
  });

  it('refuses an unknown command with usage and exit code 2', async () => {
    const r = await qala(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('simulates the Temirtau scenario against a running broker', async () => {
    const before = platform.ingest.stats().accepted;
    const r = await qala(
      ['simulate', '--broker', `mqtt://127.0.0.1:${platform.mqttPort}`, '--town', 'temirtau', '--scale', '0.1', '--interval', '10s', '--speed', '60', '--duration', '2m', '--seed', '3'],
      { QALA_LOG_LEVEL: 'warn' },
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { summary: { devices: number; readings: number; published: number; publishErrors: number; finished: boolean } };
    expect(summary.summary).toMatchObject({ publishErrors: 0, finished: true });
    expect(summary.summary.devices).toBeGreaterThan(20);
    // two simulated minutes at one reading per 10 s: twelve readings a device
    expect(summary.summary.readings).toBe(summary.summary.devices * 12);
    expect(summary.summary.published).toBeGreaterThan(summary.summary.readings);
    // every reading the simulator sent was accepted by ingest: none is rejected
    expect(platform.ingest.stats().accepted - before).toBe(summary.summary.readings);
    expect(Object.values(platform.ingest.stats().rejected).every((n) => n === 0)).toBe(true);
  });

  it('scores the built-in rules against a simulated town\'s injected faults', async () => {
    const r = await qala(['rules', 'test', '--duration', '6h', '--scale', '0.5', '--fault-rate', '400', '--seed', '5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { scores: { ruleId: string; faults: number; detected: number; incidents: number; precision: number | null; recall: number | null }[]; faults: number; readings: number; rejected: number };
    expect(out.rejected).toBe(0);
    expect(out.faults).toBeGreaterThan(10);
    const byRule = Object.fromEntries(out.scores.map((s) => [s.ruleId, s]));
    expect(Object.keys(byRule)).toContain('water-main-break');
    // rules with ground truth in this run find what was injected, and raise nothing else
    const judged = out.scores.filter((s) => s.faults > 0);
    expect(judged.length).toBeGreaterThanOrEqual(5);
    for (const s of judged) expect(s.recall, s.ruleId).toBeGreaterThanOrEqual(0.5);
    expect(byRule['power-outage']!.precision ?? 1).toBe(1);
  });

  it('refuses a rules test with a broken rule file, naming the path', async () => {
    const file = join(await tempDir(), 'bad.yaml');
    await writeFile(file, 'rules:\n  - id: x\n    title: X\n    severity: minor\n    match: { kinds: [teapot] }\n    absentFor: 1m\n');
    const r = await qala(['rules', 'test', '--rules', file, '--duration', '1h']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_RULES_INVALID');
    expect(r.stderr).toContain('rules.0.match.kinds.0');
  });
});
