// Feed files: one message a line, as JSON {at, topic, payload, retain}, written by
// `qala simulate --out` and `qala record`, read by `qala replay` and
// `qala rules test --feed`. `payload` is the message text; a payload that is not
// UTF-8 is kept as `payloadBase64` instead.
import { closeSync, openSync, readSync } from 'node:fs';
import { QalaError } from '../services/contracts/errors.ts';
import type { SimMessage } from './feed.ts';

export interface FeedLine {
  at: number;
  topic: string;
  payload?: string;
  payloadBase64?: string;
  retain: boolean;
}

export function formatFeedLine(at: number, topic: string, payload: string | Buffer, retain: boolean): string {
  let line: FeedLine;
  if (typeof payload === 'string') line = { at, topic, payload, retain };
  else {
    const text = payload.toString('utf8');
    line = Buffer.from(text, 'utf8').equals(payload) ? { at, topic, payload: text, retain } : { at, topic, payloadBase64: payload.toString('base64'), retain };
  }
  return `${JSON.stringify(line)}\n`;
}

export function linePayload(l: FeedLine): Buffer {
  return l.payloadBase64 !== undefined ? Buffer.from(l.payloadBase64, 'base64') : Buffer.from(l.payload ?? '', 'utf8');
}

/** The device id of a device topic, if it is one (level 6 of city/<town>/<s>/<d>/<k>/<id>/<ch>). */
const deviceOf = (topic: string): string | undefined => {
  const parts = topic.split('/');
  return parts.length === 7 ? parts[5] : undefined;
};

/**
 * Reads a feed file lazily and synchronously (1 MiB at a time), so a day of a town
 * replays without holding it in memory. A malformed line stops the read with its
 * line number.
 */
export function* readFeedFile(path: string): Generator<SimMessage & { raw: Buffer }> {
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let rest = '';
  let lineNo = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      const text = rest + chunk.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      rest = n === 0 ? '' : lines.pop()!;
      for (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        let l: FeedLine;
        try {
          l = JSON.parse(line) as FeedLine;
          if (typeof l.at !== 'number' || typeof l.topic !== 'string') throw new Error('needs "at" (ms) and "topic"');
        } catch (err) {
          throw new QalaError('ERR_FEED_INVALID', `${path}:${lineNo}: not a feed line (${(err as Error).message})`, { cause: err });
        }
        const raw = linePayload(l);
        const deviceId = deviceOf(l.topic);
        const type = l.topic.endsWith('/telemetry') ? 'telemetry' : l.topic.endsWith('/status') ? 'status' : 'fault';
        yield { at: l.at, topic: l.topic, payload: raw.toString('utf8'), raw, retain: Boolean(l.retain), type, ...(deviceId ? { deviceId } : {}) };
      }
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}
