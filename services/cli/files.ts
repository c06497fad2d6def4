// Files named on the command line, checked before any work starts, so a typo ends
// in one line naming the option and the path, not in a stack trace halfway through.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { QalaError } from '../contracts/errors.ts';

/** Throws ERR_FILE_NOT_FOUND unless `path` is a file; `hint` says where such a file comes from. */
export function requireFile(option: string, path: string, hint: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false; // absent or unreadable: reported below
  }
  if (!isFile) throw new QalaError('ERR_FILE_NOT_FOUND', `${option} ${path}: no such file (looked for ${resolve(path)}); ${hint}`);
}

/** Throws ERR_FILE_NOT_FOUND unless the directory a new file goes into exists. */
export function requireDirectoryOf(option: string, path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new QalaError('ERR_FILE_NOT_FOUND', `${option} ${path}: the directory ${dir} does not exist; create it first`);
}
