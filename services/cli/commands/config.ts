// `qala config`: the QALA_* variables with defaults and meanings, as the README shows them.
import { z } from 'zod';
import { configTable } from '../../config.ts';
import type { Command } from '../options.ts';

export const configCommand: Command = {
  name: 'config',
  summary: 'print the configuration variables (QALA_*) with their defaults and meanings',
  options: z.object({}).strict(),
  async run() {
    console.log(configTable());
    return 0;
  },
};
