// The start-up mistakes people make, turned into one line that names the fix. Node's
// listen error carries the port; the config says which variable set it.
import type { Config } from '../config.ts';
import { QalaError } from '../contracts/errors.ts';

const PORTS = [
  ['QALA_MQTT_PORT', 'mqttPort'],
  ['QALA_HTTP_PORT', 'httpPort'],
] as const;

/** A QalaError for a port already in use, or the error as it was. */
export function explainStartupError(err: unknown, config: Pick<Config, 'mqttPort' | 'httpPort'>): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== 'EADDRINUSE') return err;
  if (config.mqttPort !== 0 && config.mqttPort === config.httpPort) {
    return new QalaError('ERR_PORT_IN_USE', `QALA_MQTT_PORT and QALA_HTTP_PORT are both ${config.mqttPort}; give them different ports`, { cause: err });
  }
  const name = PORTS.find(([, key]) => e.port !== undefined && config[key] === e.port)?.[0];
  if (!name) return new QalaError('ERR_PORT_IN_USE', `port ${e.port ?? '?'} is in use by another program; stop it, or change QALA_MQTT_PORT or QALA_HTTP_PORT`, { cause: err });
  return new QalaError('ERR_PORT_IN_USE', `port ${e.port} (${name}) is in use by another program; stop that program, or set ${name} to a free port`, { cause: err });
}
