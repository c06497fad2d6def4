// `qala start` as a user runs it: the simulated town started next to the platform
// and stopped first, and the common start-up mistakes (a port in use, a data
// directory another Qala holds) ending in one line that names the fix.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';
import { qala, spawnQala } from '../helpers/qala.ts';
import { waitFor } from '../helpers/wait.ts';

const UP = /Qala is up: dashboard http:\/\/localhost:(\d+) {2}MQTT mqtt:\/\/localhost:(\d+)/;

const startEnv = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  QALA_DATA_DIR: dataDir,
  QALA_HTTP_HOST: '127.0.0.1',
  QALA_HTTP_PORT: '0',
  QALA_MQTT_HOST: '127.0.0.1',
  QALA_MQTT_PORT: '0',
  QALA_SIMULATE: 'false',
  QALA_LOG_LEVEL: 'info',
  QALA_LOG_FORMAT: 'json',
  ...extra,
});

/** A port held by a plain TCP server, as another program would hold it. */
async function heldPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hold('a TCP server holding a port', () => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/** One line on stderr, no stack trace (beside the first start's line with the admin's one-time password). */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('First start: user "admin" created'));
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('qala start', () => {
  it('names QALA_HTTP_PORT and the port when the HTTP port is in use, in one line, exit code 1', async () => {
    const port = await heldPort();
    const r = await qala(['start'], startEnv(await tempDir(), { QALA_HTTP_PORT: String(port) }));
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`qala: ERR_PORT_IN_USE: port ${port} (QALA_HTTP_PORT) is in use by another program; stop that program, or set QALA_HTTP_PORT to a free port`);
  });

  it('names QALA_MQTT_PORT and the port when the MQTT port is in use, in one line, exit code 1', async () => {
    const port = await heldPort();
    const r = await qala(['start'], startEnv(await tempDir(), { QALA_MQTT_PORT: String(port) }));
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`qala: ERR_PORT_IN_USE: port ${port} (QALA_MQTT_PORT) is in use by another program; stop that program, or set QALA_MQTT_PORT to a free port`);
  });

  it('refuses a data directory another running Qala holds, naming QALA_DATA_DIR and its pid; the first keeps running', async () => {
    const dataDir = await tempDir();
    const first = spawnQala(['start'], startEnv(dataDir));
    const [, httpPort] = await first.waitForOutput(UP, 'the first Qala up');
    const second = await qala(['start'], startEnv(dataDir));
    expect(second.code).toBe(1);
    expect(oneLine(second.stderr)).toBe(
      `qala: ERR_DATA_DIR_LOCKED: QALA_DATA_DIR=${dataDir} is in use by another Qala (pid ${first.pid}); stop that one, or set QALA_DATA_DIR to another directory`,
    );
    expect((await fetch(`http://127.0.0.1:${httpPort}/health`)).status).toBe(200);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('starts the simulated town next to the platform, reports it in /health, and stops both on SIGINT', async () => {
    const q = spawnQala(['start'], startEnv(await tempDir(), { QALA_SIMULATE: 'true', QALA_SIM_SCALE: '0.05', QALA_SIM_SPEED: '60', QALA_SIM_SEED: '7' }));
    const [, httpPort] = await q.waitForOutput(UP, 'Qala up');
    const health = await waitFor(async () => {
      const h = (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as { simulator?: { devices: number; published: number }; ingest: { accepted: number } };
      return h.simulator && h.simulator.published > 0 && h.ingest.accepted > 0 ? h : undefined;
    }, 'simulated readings accepted by the platform');
    expect(health.simulator!.devices).toBeGreaterThan(0);
    // stopped the other way round, the fleet would wait for acknowledgements from a
    // platform already gone, and the process would not end with 0
    expect(await q.stop('SIGINT')).toEqual({ code: 0, signal: null });
    const logs = q.stdout().trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; component?: string });
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs.map((l) => l.msg)).toContain('shutting down');
  });
});
