#!/usr/bin/env node
// The `qala` executable: registers the TypeScript loader, then runs the CLI, so
// a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../services/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
