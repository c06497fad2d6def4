// Runs the `qala` executable as a user would, and returns its exit code and output.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const QALA = fileURLToPath(new URL('../../bin/qala.mjs', import.meta.url));

export async function qala(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [QALA, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON summary a command prints on its last line. */
export const summaryOf = (stdout: string): Record<string, number | boolean> =>
  (JSON.parse(stdout.trim().split('\n').pop()!) as { summary: Record<string, number | boolean> }).summary;
