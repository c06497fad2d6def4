// Starts a whole platform in-process on free ports with a temporary data dir, and
// registers its teardown (fastify/demo test/helper.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';

export async function tempDir(prefix = 'qala-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

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
    ...overrides,
  });
}

export async function startPlatform(config: Config): Promise<Platform> {
  const platform = createPlatform({ config, log: createLogger(config.logLevel, 'json') });
  await platform.start();
  return platform;
}
