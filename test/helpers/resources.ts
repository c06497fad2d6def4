// What a test acquires (temporary folders, brokers, platforms, browsers, child
// processes) is held here and released by test/setup.ts: after the test if a test
// (or its beforeEach) acquired it, after the file otherwise. So a helper may be
// called from a describe body, a beforeAll or inside an `it`, and still never
// registers a hook itself (vitest ignores afterAll registered from inside a hook
// or a test, which is how the suite used to leave Mosquitto and temp dirs behind).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';

/** One held resource: release it early (idempotent) or forget it once its owner let it go. */
export interface Held {
  release(): Promise<void>;
  forget(): void;
}

interface Entry {
  what: string;
  release: () => unknown;
  /** Synchronous last resort at process exit, when no hook ran: kill, delete. */
  atExit?: () => void;
  done?: Promise<void>;
}

// One release may hang (a stuck platform.stop); the others still run, within the hook timeout.
const RELEASE_TIMEOUT_MS = 20_000;

class Registry {
  armed = false;
  readonly file: Entry[] = [];
  test: Entry[] | undefined;

  hold(what: string, release: () => unknown, atExit?: () => void): Held {
    if (!this.armed) throw new Error(`${what} acquired outside vitest's setup: test/setup.ts must be in setupFiles (vitest.config.ts)`);
    const entry: Entry = { what, release, atExit };
    const scope = this.test ?? this.file;
    scope.push(entry);
    const forget = () => {
      for (const s of [this.file, this.test ?? []]) {
        const i = s.indexOf(entry);
        if (i >= 0) s.splice(i, 1);
      }
    };
    return {
      forget,
      release: async () => {
        forget();
        await releaseOne(entry);
      },
    };
  }

  /** Releases a scope last-acquired first (a platform stops before its data dir is deleted). */
  async releaseAll(entries: Entry[]): Promise<void> {
    const failures: string[] = [];
    for (const entry of entries.splice(0).reverse()) {
      try {
        await releaseOne(entry);
      } catch (err) {
        failures.push(`${entry.what}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`could not release what the tests acquired:\n  ${failures.join('\n  ')}`);
  }

  releaseAtExit(): void {
    for (const entry of [...this.file, ...(this.test ?? [])].reverse()) {
      try {
        entry.atExit?.();
      } catch {
        // best effort while the process exits: nothing is left to report to
      }
    }
  }
}

function releaseOne(entry: Entry): Promise<void> {
  entry.done ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not released within ${RELEASE_TIMEOUT_MS} ms`)), RELEASE_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.resolve().then(entry.release), timeout]);
    } finally {
      clearTimeout(timer);
    }
  })();
  return entry.done;
}

// One registry per worker process, whatever module instance the helpers load.
const KEY = Symbol.for('qala.test.resources');
const globals = globalThis as typeof globalThis & { [KEY]?: Registry };
const registry = (globals[KEY] ??= (() => {
  const r = new Registry();
  // Last resort, for what no hook released (a file that failed while collecting its
  // tests runs none): vitest ends a forked worker with SIGTERM, which skips 'exit'
  // handlers, so release on it, then die of it as before.
  process.once('exit', () => r.releaseAtExit());
  if (isMainThread) {
    process.once('SIGTERM', () => {
      r.releaseAtExit();
      process.kill(process.pid, 'SIGTERM');
    });
  }
  return r;
})());

/** Holds a resource until the end of the current test, or of the file outside a test. */
export function hold(what: string, release: () => unknown, atExit?: () => void): Held {
  return registry.hold(what, release, atExit);
}

// For test/setup.ts only.
export const lifecycle = {
  arm(): void {
    registry.armed = true;
  },
  testStarted(): void {
    registry.test = [];
  },
  async testFinished(): Promise<void> {
    const entries = registry.test ?? [];
    registry.test = undefined;
    await registry.releaseAll(entries);
  },
  async fileFinished(): Promise<void> {
    await registry.releaseAll(registry.file);
  },
};

/** Removes a folder, retrying while a process that was just stopped lets go of it. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

export function removeDirNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** True while `pid` is a live process (a zombie waiting for its parent counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Signals `pid` and waits until it is gone, escalating to SIGKILL if it lingers. */
export async function killAndWait(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  const signalled = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  const gone = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
      if (!alive(pid)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return !alive(pid);
  };
  if (!alive(pid)) return;
  signalled(signal);
  if (await gone(graceMs)) return;
  signalled('SIGKILL');
  if (!(await gone(graceMs))) throw new Error(`process ${pid} still running after SIGKILL`);
}

/**
 * Spawns a child process that is killed (SIGTERM, then SIGKILL) when the test or file
 * that started it ends, whether it passed or not. Returns as `spawn` does.
 */
export function spawnHeld(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, options);
  const { pid } = child;
  if (pid === undefined) return child; // failed to spawn: its 'error' event says why
  const held = hold(
    `child process ${[command, ...args].join(' ')} (pid ${pid})`,
    () => (child.exitCode === null && child.signalCode === null ? killAndWait(pid) : undefined),
    () => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    },
  );
  // an exited child is let go at once, so its pid, once reused, is never signalled
  child.once('exit', () => held.forget());
  return child;
}
