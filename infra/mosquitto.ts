// Debian's Mosquitto for tests and benchmarks, through infra/mosquitto.sh: on a free
// loopback port, with a temporary dir; the caller stops it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./mosquitto.sh', import.meta.url));

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  pid: number;
  stop(): void;
}

export async function startMosquitto(): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'qala-mosquitto-'));
  const port = await freePort();
  const pid = Number(execFileSync('bash', [SCRIPT, 'start', String(port), dir], { encoding: 'utf8' }).trim());
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid,
    stop() {
      execFileSync('bash', [SCRIPT, 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
