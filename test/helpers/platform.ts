// Starts a whole platform in-process on free ports with a temporary data dir; both
// are released when the test (or, outside a test, the file) ends (fastify/demo
// test/helper.ts), wherever the helper is called from.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { TEST_ADMIN_PASSWORD } from './auth.ts';
import { hold, removeDir, removeDirNow, type Held } from './resources.ts';

export async function tempDir(prefix = 'qala-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  hold(`temporary folder ${dir}`, () => removeDir(dir), () => removeDirNow(dir));
  return dir;
}

/**
 * People's passwords hashed at scrypt N = 2^10 in tests instead of OWASP's 2^17
 * (a test-only platform option, not a config key): suites add users over HTTP by the
 * dozen, and 2^17 takes 2 s on CI's shared cores. test/unit/access/users.test.ts
 * checks the production cost.
 */
export const TEST_PASSWORD_COST = { N: 2 ** 10, r: 8, p: 1 } as const;

export function testConfig(dataDir: string, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({}, {
    dataDir,
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    simulate: false,
    storeFlushMs: 50,
    liveIntervalMs: 100,
    logLevel: process.env.QALA_TEST_LOG ?? 'silent',
    // the first admin's password is known, so a test can log in (HTTP, or MQTT as a watcher)
    adminPassword: TEST_ADMIN_PASSWORD,
    ...overrides,
  });
}

/**
 * A started platform, stopped when the test or file that started it ends. A test may
 * still stop it itself (to restart on the same data dir, say): stopping twice is safe,
 * and a platform started again is held again.
 */
export async function startPlatform(config: Config): Promise<Platform> {
  const platform = createPlatform({ config, log: createLogger(config.logLevel, 'json'), passwordCost: TEST_PASSWORD_COST });
  const start = platform.start.bind(platform);
  const stop = platform.stop.bind(platform);
  let held: Held | undefined;
  let stopping: Promise<void> | undefined;
  const stopOnce = (): Promise<void> => {
    held?.forget();
    held = undefined;
    return (stopping ??= stop());
  };
  const startHeld = async (): Promise<void> => {
    await stopping;
    stopping = undefined;
    held ??= hold(`platform on ${config.dataDir}`, stopOnce);
    await start();
  };
  try {
    // Own properties shadow the platform's methods (its getters stay as they are);
    // a `start` failing half-way that calls `this.stop()` calls this one too.
    Object.assign(platform, { start: startHeld, stop: stopOnce });
  } catch {
    // a frozen platform: hold it as it is, its own stop is then called once more at the end
    hold(`platform on ${config.dataDir}`, () => stop());
    await start();
    return platform;
  }
  await platform.start();
  return platform;
}
