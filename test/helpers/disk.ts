// A real small disk for fault tests: a tmpfs mounted on a test's folder (unmounted when
// the test or file ends), and a ballast file that fills it. Mounting needs root (CI
// runs as root); elsewhere a suite asks canMount() and says why it is skipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hold } from './resources.ts';

export function canMount(): boolean {
  try {
    return process.getuid?.() === 0 && execFileSync('sh', ['-c', 'command -v mount && command -v umount'], { stdio: 'pipe' }).length > 0;
  } catch {
    return false;
  }
}

/** A tmpfs of `bytes` at `dir`. */
export function tinyDisk(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  hold(`tmpfs at ${dir}`, () => execFileSync('umount', ['-l', dir]), () => execFileSync('umount', ['-l', dir]));
}

/** Appends to a ballast file until the disk refuses (ENOSPC): the disk is then full. Returns the bytes written. */
export function fill(path: string): number {
  const chunk = Buffer.alloc(4096, 1);
  let written = 0;
  try {
    for (;;) {
      writeFileSync(path, chunk, { flag: 'a' });
      written += chunk.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  return written;
}
