import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'qala'): Logger {
  return pino({ name, level });
}
export type { Logger };
