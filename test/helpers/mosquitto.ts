// Debian's Mosquitto for a test suite, stopped after it. On CI it must be there
// (.ci/run installs it); elsewhere the suite is skipped with a clear message.
import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { startMosquitto as start } from '../../infra/mosquitto.ts';

export function mosquittoAvailable(): boolean {
  if (existsSync('/usr/sbin/mosquitto')) return true;
  if (process.env.CI) throw new Error("/usr/sbin/mosquitto is missing: .ci/run must install Debian's mosquitto");
  console.warn('external-broker tests skipped: no /usr/sbin/mosquitto (bash infra/install-test-deps.sh)');
  return false;
}

export async function startMosquitto(): Promise<{ url: string; port: number }> {
  const m = await start();
  afterAll(() => m.stop());
  return m;
}
