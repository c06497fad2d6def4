import { pino, type Logger } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

/** JSON lines for machines; readable lines on a terminal (someone ran `npm start`). */
export function createLogger(level: string, format: LogFormat = 'auto', name = 'qala'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name', singleLine: true } } } : {}),
  });
}
export type { Logger };
