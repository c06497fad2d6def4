// Starts Debian's Mosquitto from infra/mosquitto.sh on a free port with a temporary
// dir, and stops it after the suite. On CI it must be there (.ci/run installs it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { tempDir } from './platform.ts';

const SCRIPT = fileURLToPath(new URL('../../infra/mosquitto.sh', import.meta.url));

export function mosquittoAvailable(): boolean {
  if (existsSync('/usr/sbin/mosquitto')) return true;
  if (process.env.CI) throw new Error('/usr/sbin/mosquitto is missing: .ci/run must install Debian\'s mosquitto');
  console.warn('external-broker tests skipped: no /usr/sbin/mosquitto (bash infra/install-test-deps.sh)');
  return false;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startMosquitto(): Promise<{ url: string; port: number }> {
  const dir = await tempDir('qala-mosquitto-');
  const port = await freePort();
  execFileSync('bash', [SCRIPT, 'start', String(port), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  afterAll(() => {
    execFileSync('bash', [SCRIPT, 'stop', dir]);
  });
  return { url: `mqtt://127.0.0.1:${port}`, port };
}
