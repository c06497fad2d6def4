// Holds every thread of this process's libuv pool, so that work queued on it (scrypt,
// file system calls) starts only once the test lets go: a test can then see what a
// component does while such work is in flight by counting, not by racing a clock.
// Each thread is held by an open() of a FIFO for reading, which blocks until a writer
// opens it (fifo(7)); the writer's open, synchronous on the main thread, returns at
// once since readers are there, and lets every held open() complete.
import { execFileSync } from 'node:child_process';
import { closeSync, open, openSync } from 'node:fs';
import { join } from 'node:path';
import { hold } from './resources.ts';

/** libuv's pool size: UV_THREADPOOL_SIZE, 4 unless set (Node.js docs, "UV_THREADPOOL_SIZE"). */
export const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;

export interface HeldPool {
  /** lets every held thread go and waits until they are free again; safe to call twice */
  release(): Promise<void>;
}

/** Holds the pool's threads until `release()` (or the end of the test that held them). `dir`: a temporary folder for the FIFO. */
export function holdThreadPool(dir: string): HeldPool {
  const fifo = join(dir, 'thread-pool.fifo');
  execFileSync('mkfifo', [fifo]);
  const opened = Array.from({ length: THREAD_POOL_SIZE }, () =>
    new Promise<number>((resolve, reject) => open(fifo, 'r', (err, fd) => (err ? reject(err) : resolve(fd)))),
  );
  let released: Promise<void> | undefined;
  const release = () =>
    (released ??= (async () => {
      // the writer stays open until every reader is in: a reader that reached open()
      // only after the writer closed would block again, for good
      const writer = openSync(fifo, 'w');
      try {
        for (const fd of await Promise.all(opened)) closeSync(fd);
      } finally {
        closeSync(writer);
      }
    })());
  hold('the libuv thread pool', release);
  return { release };
}
