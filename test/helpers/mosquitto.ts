// Debian's Mosquitto for a test suite, stopped (and its folder deleted) when the test
// or file that started it ends. On CI it must be there (.ci/run installs it);
// elsewhere the suite is skipped with a clear message.
import { existsSync } from 'node:fs';
import { startMosquitto as start } from '../../infra/mosquitto.ts';
import { hold, killAndWait } from './resources.ts';

export function mosquittoAvailable(): boolean {
  if (existsSync('/usr/sbin/mosquitto')) return true;
  if (process.env.CI) throw new Error("/usr/sbin/mosquitto is missing: .ci/run must install Debian's mosquitto");
  console.warn('external-broker tests skipped: no /usr/sbin/mosquitto (bash infra/install-test-deps.sh)');
  return false;
}

export interface TestMosquitto {
  url: string;
  port: number;
  pid: number;
  /** Stops the broker now and waits until its process is gone; safe to call twice. */
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<TestMosquitto> {
  const m = await start();
  // infra's stop() only signals the daemon before deleting its folder: wait until the
  // process is gone first (SIGKILL if it lingers), so nothing writes there any more.
  const held = hold(
    `mosquitto on port ${m.port} (pid ${m.pid})`,
    async () => {
      await killAndWait(m.pid);
      m.stop();
    },
    () => {
      try {
        process.kill(m.pid, 'SIGKILL');
      } finally {
        m.stop();
      }
    },
  );
  return { url: m.url, port: m.port, pid: m.pid, stop: () => held.release() };
}
