// Value types the commands share. Where a setting is also a QALA_* variable, the
// option reuses the config schema's check, so the two never accept different things.
import { z } from 'zod';
import { SEGMENT, parseDuration } from '../../devices/index.ts';
import { configSchema } from '../config.ts';

/** A duration as people write it: "90s", "30m", "2h", "1d", or ms; at least `minMs`. */
export const duration = (minMs = 1) =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined || ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `a duration such as 90s, 30m, 2h or 1d${minMs > 1 ? ` (at least ${minMs} ms)` : ''}` });
      return z.NEVER;
    }
    return ms;
  });

export const isoTime = z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time with Z or an offset, such as 2026-01-15T00:00:00+05:00' });

export const brokerUrl = z.url({ protocol: /^(mqtts?|wss?|tcp|ssl)$/, error: 'an MQTT broker URL such as mqtt://127.0.0.1:1883 (mqtt, mqtts, ws, wss)' });

export const townId = z.string().regex(SEGMENT, 'a lowercase slug such as temirtau');

export const filePath = z.string().min(1, 'a file path');

/**
 * The check a QALA_* setting gets, without its default: an option left out falls
 * back to the variable, then to the config default. The config's description says
 * what the value is.
 */
export function fromConfig<K extends keyof typeof configSchema.shape>(key: K) {
  const s = configSchema.shape[key] as unknown as { unwrap?: () => z.ZodType; description?: string };
  const inner = (typeof s.unwrap === 'function' ? s.unwrap() : s) as z.ZodType;
  return inner.optional();
}
