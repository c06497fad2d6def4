// Retakes the README's screenshots (docs/screenshots/) as a user would see the
// control room: `qala start` with its simulated Temirtau (on free ports, a temporary
// data folder), run until an incident is open (the scenario breaks a water main
// three minutes in) and the map is drawn, then Debian's chromium signs in and takes
// the control room at 1600×1000 in English and the wall at 2560×1440 in Kazakh.
// Everything it started is stopped and the folder removed, also on Ctrl-C.
//
//   node --import tsx bench/screenshots.ts [--out docs/screenshots] [--wait-min 8]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'docs/screenshots' }, 'wait-min': { type: 'string', default: '8' } } });
const CHROMIUM = process.env.QALA_CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'screenshots-admin-password-0123';
const SHOTS = [
  { file: 'control-room-1600x1000.png', width: 1600, height: 1000, lang: 'en' },
  { file: 'wall-2560x1440-kk.png', width: 2560, height: 1440, lang: 'kk' },
] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting ${Math.round(timeoutMs / 1000)} s for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function shoot(browser: Browser, base: string, shot: (typeof SHOTS)[number], out: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: shot.width, height: shot.height }, locale: shot.lang === 'kk' ? 'kk-KZ' : 'en-GB' });
  const page: Page = await context.newPage();
  await page.goto(`${base}/`);
  await page.fill('#login-name', 'admin');
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-form button[type="submit"]');
  await page.locator('#app:not([hidden])').waitFor();
  await page.selectOption('#lang', shot.lang);
  // the tiles' history from the store, the map's devices, an open incident in the list, the indicators
  await page.locator('#tiles[data-history]').waitFor({ timeout: 60_000 });
  await page.locator('#map .device, #map .cluster').first().waitFor({ timeout: 60_000 });
  await page.locator('#incident-list li.incident').first().waitFor({ timeout: 60_000 });
  await page.locator('#kpis .kpi').first().waitFor({ timeout: 60_000 });
  // the map's tiles and labels settle, the charts finish their first draw
  await page.waitForTimeout(3000);
  await page.screenshot({ path: join(out, shot.file) });
  console.log(`${join(out, shot.file)} (${shot.width}x${shot.height}, ${shot.lang})`);
  await context.close();
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: bash infra/install-test-deps.sh, or set QALA_CHROMIUM`);
  const out = args.out!;
  await mkdir(out, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'qala-screenshots-'));
  const [http, mqtt] = [await freePort(), await freePort()];
  const qala = spawn(process.execPath, ['bin/qala.mjs', 'start'], {
    env: { ...process.env, QALA_DATA_DIR: dir, QALA_HTTP_HOST: '127.0.0.1', QALA_HTTP_PORT: String(http), QALA_MQTT_HOST: '127.0.0.1', QALA_MQTT_PORT: String(mqtt), QALA_ADMIN_PASSWORD: PASSWORD, QALA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => qala.once('exit', () => resolve()));
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    if (qala.exitCode === null) qala.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const base = `http://127.0.0.1:${http}`;
    await until('qala start to answer /health', 120_000, async () => ((await fetch(`${base}/health`)).ok ? true : undefined));
    console.log(`qala start is up on ${base}; waiting for an open incident`);
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: PASSWORD }) });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    await until('an open incident', Number(args['wait-min']) * 60_000, async () => {
      const res = await fetch(`${base}/api/incidents?state=unresolved&limit=5`, { headers: { cookie } });
      const body = (await res.json()) as { incidents?: unknown[] };
      return body.incidents?.length ? true : undefined;
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    for (const shot of SHOTS) await shoot(browser, base, shot, out);
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
