// How the CLI's MQTT clients log in to a Qala broker: the simulator's fleet and a
// replay with the platform's simulator group key (devices by their address, the rest
// as gateways); a recorder as a user (an engineer) with a password or API token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { groupLogins } from '../access/credentials.ts';
import { QalaError } from '../contracts/errors.ts';
import type { FleetCredentials } from '../../simulator/fleet.ts';
import { filePath } from './option-types.ts';
import { option } from './options.ts';

export const keyFileOption = option(
  filePath.optional(),
  '<file>',
  "the platform's simulator group key, to log in as its simulator (default: <QALA_DATA_DIR>/access/simulator.key when it exists; none for a broker without authentication)",
);

export const userOptions = {
  username: option(z.string().min(1, 'a user name').optional(), '<name>', 'log in as this user (an engineer or an admin of the platform)'),
  password: option(z.string().min(1, 'a password or API token').optional(), '<secret>', "that user's password or API token"),
};

/** Fleet credentials from a group key file: the one given, or the data dir's if there is one. */
export function groupCredentials(keyFile: string | undefined, dataDir: string): FleetCredentials | undefined {
  const file = keyFile ?? join(dataDir, 'access', 'simulator.key');
  if (!existsSync(file)) {
    if (keyFile) throw new QalaError('ERR_FILE_NOT_FOUND', `--key-file ${keyFile}: no such file (the platform writes it to <QALA_DATA_DIR>/access/simulator.key at first start)`);
    return undefined;
  }
  return groupLogins(readFileSync(file, 'utf8').trim());
}
