// Debian's chromium driven by playwright-core, closed when the test or file that
// launched it ends. On CI the browser must be there (.ci/run installs it); elsewhere
// the e2e suite is skipped with a clear message.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hold } from './resources.ts';

export const CHROMIUM = process.env.QALA_CHROMIUM ?? '/usr/bin/chromium';

export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
  console.warn(`e2e skipped: no browser at ${CHROMIUM} (apt-get install chromium, or set QALA_CHROMIUM)`);
  return false;
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  // closing twice is harmless in playwright; a browser closed by its test is let go
  const held = hold('chromium', () => browser.close());
  browser.once('disconnected', () => held.forget());
  return browser;
}
