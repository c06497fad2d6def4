// Real processes for the benchmarks: the platform (`qala start`) and the simulator
// (`qala simulate`), on loopback, each stopped afterwards (Mosquitto comes from
// infra/mosquitto.ts); plus CPU and memory sampling from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupCredentials } from '../../services/cli/credentials.ts';
import type { FleetCredentials } from '../../simulator/fleet.ts';
import { progressed } from './progress.ts';

const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));

/** How long a platform may take to say it is up. */
const START_TIMEOUT_MS = 120_000;
/** How long a platform may take to exit after SIGTERM before the bench kills it and fails. */
const STOP_TIMEOUT_MS = 120_000;

/**
 * Every child the bench started and has not stopped, with its data dir: killed, and the
 * dir deleted, by `killStarted` when the bench gives up.
 */
const running = new Map<ChildProcess, string | undefined>();

function track(child: ChildProcess, dataDir?: string): void {
  running.set(child, dataDir);
}

/** SIGKILLs every platform and simulator the bench started that still runs and deletes their data (a failed bench's last act). */
export function killStarted(): void {
  for (const [child, dataDir] of running) {
    child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  running.clear();
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves true once `child` has exited (at once if it already has), false after `ms`. */
function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

export interface MqttLogin {
  username: string;
  password: string;
}

export interface PlatformProc extends Proc {
  http: number;
  mqttUrl: string;
  health(): Promise<Record<string, any>>;
  /**
   * How the load logs in, as `qala simulate` does: with the platform's simulator group
   * key (devices by address, other connections as gateways, which may publish for any
   * device of the town). Undefined when the platform wrote no key.
   */
  simulator: FleetCredentials | undefined;
  /** the group key file, for `qala simulate --key-file` */
  keyFile: string | undefined;
  /** the first admin, who may subscribe to anything and open /live */
  admin: MqttLogin;
  /** headers of a logged-in admin session (for /live) */
  session(): Promise<Record<string, string>>;
}

/** `qala start` in its own process, embedded broker or against `brokerUrl`. */
export async function startPlatform(opts: { brokerUrl?: string; env?: Record<string, string> } = {}): Promise<PlatformProc> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qala-bench-'));
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
  const child = spawn(process.execPath, [QALA, 'start'], {
    env: {
      PATH: process.env.PATH,
      QALA_DATA_DIR: dataDir,
      QALA_HTTP_HOST: '127.0.0.1',
      QALA_MQTT_HOST: '127.0.0.1',
      QALA_HTTP_PORT: '0',
      QALA_MQTT_PORT: '0',
      QALA_SIMULATE: 'false',
      QALA_LOG_LEVEL: 'info',
      QALA_ADMIN_PASSWORD: admin.password,
      ...(opts.brokerUrl ? { QALA_BROKER_URL: opts.brokerUrl } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, dataDir);
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  let m: RegExpExecArray;
  try {
    // generous: a start on a loaded CI machine has taken over 30 s
    m = await until(() => /dashboard http:\/\/localhost:(\d+) {2}MQTT (mqtt:\/\/[^"\s]+)/.exec(out) ?? undefined, `the platform to start:\n${out}`, START_TIMEOUT_MS);
  } catch (err) {
    child.kill('SIGKILL');
    await exitWithin(child, 10_000);
    running.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const http = Number(m[1]);
  const keyFile = join(dataDir, 'access', 'simulator.key');
  let session: Promise<Record<string, string>> | undefined;
  const login = async () => {
    const body = JSON.stringify({ name: admin.username, password: admin.password });
    const res = await fetch(`http://127.0.0.1:${http}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const cookie = res.headers.getSetCookie().find((c) => /^(__Host-)?qala_session=/.test(c));
    if (res.status !== 200 || !cookie) throw new Error(`bench: admin login refused: ${res.status} ${await res.text()}`);
    return { cookie: cookie.split(';')[0]! };
  };
  return {
    child,
    pid: child.pid!,
    http,
    mqttUrl: m[2]!,
    health: async () => {
      const h = (await (await fetch(`http://127.0.0.1:${http}/health`)).json()) as Record<string, any>;
      progressed();
      return h;
    },
    simulator: groupCredentials(undefined, dataDir),
    keyFile: existsSync(keyFile) ? keyFile : undefined,
    admin,
    session: () => (session ??= login()),
    // A platform that does not exit is a finding, not something to wait for: the bench
    // kills it and fails with its last output. (One that exited already is not waited
    // for either: its 'exit' has been emitted and would never come again.)
    stop: async () => {
      const early = exited(child);
      child.kill('SIGTERM');
      const ok = await exitWithin(child, STOP_TIMEOUT_MS);
      if (!ok) {
        child.kill('SIGKILL');
        await exitWithin(child, 10_000);
      }
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
      if (!ok) throw new Error(`the platform (pid ${child.pid}) did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed; its last output:\n${out.slice(-4000)}`);
      if (early) throw new Error(`the platform (pid ${child.pid}) had exited before the bench stopped it (code ${child.exitCode}, signal ${child.signalCode}); its last output:\n${out.slice(-4000)}`);
    },
  };
}

/** `qala simulate` in its own process; resolves with its summary line. */
export function runSimulator(args: string[]): { pid: number; done: Promise<Record<string, number>> } {
  const child = spawn(process.execPath, [QALA, 'simulate', ...args], { env: { PATH: process.env.PATH, QALA_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', () => undefined);
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`qala simulate exited ${code}: ${out.slice(-2000)}`));
      resolve((JSON.parse(line) as { summary: Record<string, number> }).summary);
    });
  });
  return { pid: child.pid!, done };
}

const TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, all threads (proc(5))
}

/** CPU time (user + system, every thread) the processes have used so far, in µs; 10 ms resolution. */
export function cpuMicros(pids: number[]): number {
  return (pids.reduce((n, p) => n + cpuTicks(p), 0) / TICKS) * 1e6;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Samples CPU (% of one core) and RSS of some processes once a second until stopped. */
export function sampleResources(pids: number[]): { stop(): { cpuPct: number; rssMedianMiB: number; rssMaxMiB: number } } {
  const t0 = Date.now();
  const c0 = pids.reduce((n, p) => n + cpuTicks(p), 0);
  const rss: number[] = [];
  let ticks = c0;
  const timer = setInterval(() => {
    try {
      rss.push(pids.reduce((n, p) => n + rssMiB(p), 0));
      // the processes under test working is the watchdog's progress here (the load runs in another process)
      const now = pids.reduce((n, p) => n + cpuTicks(p), 0);
      if (now > ticks) progressed();
      ticks = now;
    } catch {
      clearInterval(timer); // a process ended: the sample set is complete
    }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      const cpu = ((pids.reduce((n, p) => n + cpuTicks(p), 0) - c0) / TICKS / ((Date.now() - t0) / 1000)) * 100;
      rss.push(pids.reduce((n, p) => n + rssMiB(p), 0));
      const sorted = [...rss].sort((a, b) => a - b);
      return { cpuPct: Math.round(cpu), rssMedianMiB: Math.round(sorted[Math.floor(sorted.length / 2)]!), rssMaxMiB: Math.round(sorted[sorted.length - 1]!) };
    },
  };
}
