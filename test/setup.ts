// Runs before every test file (vitest.config.ts `setupFiles`), so its hooks sit at
// file level, where vitest runs them, and run after the file's own teardown (hooks
// run as a stack). Everything the helpers acquired is released here: what a test
// or its beforeEach acquired once that test ends, the rest once the file ends,
// whether the tests passed or not.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { lifecycle } from './helpers/resources.ts';

lifecycle.arm();
beforeEach(() => lifecycle.testStarted());
afterEach(() => lifecycle.testFinished());
afterAll(() => lifecycle.fileFinished());
