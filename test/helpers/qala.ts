// Runs the `qala` executable as a user would: to completion (`qala`), or as a
// long-running process the test talks to and stops (`spawnQala`, killed when the
// test or file that started it ends).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnHeld } from './resources.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));

export async function qala(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [QALA, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON summary a command prints on its last line. */
export const summaryOf = (stdout: string): Record<string, number | boolean> =>
  (JSON.parse(stdout.trim().split('\n').pop()!) as { summary: Record<string, number | boolean> }).summary;

export interface QalaProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout, once it appears. */
  waitForOutput(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `qala <args>`; with `via.command`, that command with `args` instead (a shell that sets a ulimit, then execs qala). */
export function spawnQala(args: string[], env: Record<string, string> = {}, via?: { command: string }): QalaProcess {
  const child = spawnHeld(via ? via.command : process.execPath, via ? args : [QALA, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    waitForOutput: (pattern, what, timeoutMs = 30_000) =>
      waitFor(() => {
        if (child.exitCode !== null) throw new Error(`qala exited with ${child.exitCode} before ${what}:\n${err}`);
        return pattern.exec(out) ?? undefined;
      }, what, timeoutMs),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return ended;
    },
  };
}
