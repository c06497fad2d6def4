// The platform as a process: kill -9 it with incidents open and readings stored,
// start it again on the same data directory (and the same store: DuckDB, or a real
// influxd where Debian's influxdb is installed), and nothing acknowledged is gone. A
// rule file edited while it runs is reloaded; a broken edit leaves the old rules live.
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../services/contracts/index.ts';
import { BUILTIN_RULES } from '../../services/rules/loader.ts';
import { login, TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { connectMqtt, gatewayLogin } from '../helpers/mqtt.ts';
import { tempDir } from '../helpers/platform.ts';
import { spawnHeld } from '../helpers/resources.ts';
import { storeCases } from '../helpers/stores.ts';
import { envName } from '../../services/config.ts';
import { waitFor } from '../helpers/wait.ts';

const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));

interface Running { child: ChildProcess; http: number; mqtt: number; output: () => string }

/** A `qala start` process, killed when the test ends if the test has not stopped it. */
async function startProcess(env: Record<string, string>): Promise<Running> {
  const child = spawnHeld(process.execPath, [QALA, 'start'], {
    env: { PATH: process.env.PATH, QALA_HTTP_HOST: '127.0.0.1', QALA_MQTT_HOST: '127.0.0.1', QALA_HTTP_PORT: '0', QALA_MQTT_PORT: '0', QALA_SIMULATE: 'false', QALA_RULES_SWEEP_MS: '100', QALA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const m = await waitFor(() => /dashboard http:\/\/localhost:(\d+) {2}MQTT mqtt:\/\/localhost:(\d+)/.exec(out) ?? undefined, 'the platform to start', 20_000);
  return { child, http: Number(m[1]), mqtt: Number(m[2]), output: () => out };
}

describe('platform process', () => {
  it.each(storeCases())('keeps incidents and every acknowledged reading through kill -9 on $name', async (store) => {
    const dataDir = await tempDir();
    const storeEnv = Object.fromEntries(Object.entries(await store.settings()).map(([k, v]) => [envName(k), String(v)]));
    const first = await startProcess({ QALA_DATA_DIR: dataDir, ...storeEnv });
    const device = await connectMqtt(`mqtt://127.0.0.1:${first.mqtt}`, gatewayLogin(dataDir));
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 20; i++) {
      await device.publishAsync('city/temirtau/utilities/new-town/sewage-level/sw-k9-1/telemetry', JSON.stringify({ ts: t0 + i * 10_000, metrics: { level: 99, flow: 50 } }), { qos: 1 });
    }
    await device.endAsync();
    const sessions = new Map<number, Promise<Record<string, string>>>();
    const api = async (port: number, path: string) => {
      if (!sessions.has(port)) sessions.set(port, login(`http://127.0.0.1:${port}`, 'admin', TEST_ADMIN_PASSWORD).then((l) => l.headers));
      return fetch(`http://127.0.0.1:${port}${path}`, { headers: await sessions.get(port)! }).then((r) => r.json());
    };
    const open = await waitFor(async () => {
      const j = (await api(first.http, '/api/incidents?state=open')) as { incidents: Incident[] };
      return j.incidents.find((i) => i.asset === 'sw-k9-1');
    }, 'the sewage overflow incident');
    // the last reading, acknowledged (QoS 1) just before the kill, must survive it too
    await (async () => {
      const late = await connectMqtt(`mqtt://127.0.0.1:${first.mqtt}`, gatewayLogin(dataDir, 'late'));
      await late.publishAsync('city/temirtau/utilities/new-town/sewage-level/sw-k9-2/telemetry', JSON.stringify({ ts: t0, metrics: { level: 40, flow: 50 } }), { qos: 1 });
      first.child.kill('SIGKILL');
      late.end(true);
    })();
    await new Promise((r) => first.child.once('exit', r));

    const second = await startProcess({ QALA_DATA_DIR: dataDir, ...storeEnv });
    const again = (await api(second.http, `/api/incidents/${open.id}`)) as Incident;
    expect(again).toMatchObject({ id: open.id, ruleId: 'sewage-overflow', state: 'open', asset: 'sw-k9-1' });
    const series = (await api(second.http, `/api/series?deviceId=sw-k9-1&metric=level&from=${t0}&to=${t0 + 300_000}&step=5m`)) as { points: { count: number }[] };
    expect(series.points.reduce((n, p) => n + p.count, 0)).toBe(20);
    const late = await waitFor(async () => {
      const j = (await api(second.http, `/api/series?deviceId=sw-k9-2&metric=level&from=${t0}&to=${t0 + 1000}&step=1s`)) as { points: { count: number }[] };
      return j.points[0];
    }, 'the reading acknowledged just before the kill');
    expect(late.count).toBe(1);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });

  it('reloads an edited rule file without a restart and keeps the old rules when the edit is broken', async () => {
    const dataDir = await tempDir();
    const rulesFile = join(dataDir, 'rules.yaml');
    await writeFile(rulesFile, await readFile(BUILTIN_RULES, 'utf8'));
    const p = await startProcess({ QALA_DATA_DIR: dataDir, QALA_RULES_FILE: rulesFile });
    const admin = await login(`http://127.0.0.1:${p.http}`, 'admin', TEST_ADMIN_PASSWORD);
    const rules = () => fetch(`http://127.0.0.1:${p.http}/api/rules`, { headers: admin.headers }).then((r) => r.json() as Promise<{ status: { lastError: string | null }; rules: { id: string }[] }>);
    const builtin = (await rules()).rules.length;

    await writeFile(rulesFile, 'rules:\n  - id: only-one\n    title: Only one\n    severity: minor\n    match: { kinds: [gas-pressure] }\n    absentFor: 1h\n');
    await waitFor(async () => (await rules()).rules.length === 1, 'the edited rule set');

    await writeFile(rulesFile, 'rules:\n  - id: Bad Id\n    title: Broken\n    severity: apocalyptic\n');
    const status = await waitFor(async () => {
      const r = await rules();
      return r.status.lastError ? r : undefined;
    }, 'the refusal of the broken file');
    expect(status.status.lastError).toContain('rules.0.id');
    expect(status.status.lastError).toContain('rules.0.severity');
    expect(status.rules.map((r) => r.id)).toEqual(['only-one']);
    expect(builtin).toBeGreaterThan(10);
    // every rule change, taken or refused, is in the audit log
    const audit = (await fetch(`http://127.0.0.1:${p.http}/api/audit?action=rules.reload`, { headers: admin.headers }).then((r) => r.json())) as { entries: { outcome: string; detail: { rules?: number; error?: string } }[] };
    const outcomes = audit.entries.map((e) => e.outcome);
    expect(outcomes).toContain('ok');
    expect(outcomes[0]).toBe('refused'); // newest first: the broken edit
    expect(audit.entries[0]!.detail.error).toContain('rules.0.severity');
    p.child.kill('SIGTERM');
    await new Promise((r) => p.child.once('exit', r));
  });
});
