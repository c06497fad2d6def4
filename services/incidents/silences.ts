// Silences and maintenance windows: while one is active, incidents it matches are
// still recorded (marked planned when they open under it) but not notified: no
// MQTT message, no webhook, no escalation (Alertmanager's silences mute at
// notification time the same way, and keep the alert). A silence matches on
// utility, district, device and rule; it runs from `startsAt` to `endsAt`, or, when
// recurring (planned works every Tuesday 09:00–13:00), opens a window of
// `durationMs` on each matching day between the two, after RFC 5545 RRULE
// FREQ=DAILY / FREQ=WEEKLY;BYDAY with UNTIL = `endsAt`.
//
// Silences are journalled (fsync before the answer) as one `put` line per silence
// and one `expire` line per early end, compacted at start and when the journal
// grows past the live set; at most `maxSilences` are kept, ended ones given up
// first, and past that a new one is refused (ERR_LIMIT_REACHED).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { QalaError } from '../contracts/errors.ts';
import type { Clock, Incident, Silence, SilenceMatch, SilenceRecurrence, SilenceView } from '../contracts/index.ts';
import { compactionDue, Journal } from '../durable/journal.ts';

export const DAY_MS = 86_400_000;

type SilenceLine = { put: Silence } | { expire: string; at: number; by: string };

export interface SilenceStoreDeps {
  dataDir: string;
  clock: Pick<Clock, 'now'>;
  maxSilences: number;
  log?: Pick<Logger, 'warn'>;
}

/** The weekday (0 = Sunday) of a time, in the recurrence's fixed UTC offset. */
const weekday = (t: number, r: SilenceRecurrence): number => new Date(t + (r.utcOffsetMinutes ?? 0) * 60_000).getUTCDay();

/**
 * The window of a silence that holds `at`, or else the next one to open after it;
 * undefined when none is left. Occurrence k opens at startsAt + k days (Kazakhstan
 * keeps no daylight saving, so a day is always 24 h and the time of day stays put).
 */
export function windowAt(s: Pick<Silence, 'startsAt' | 'endsAt' | 'recurrence' | 'expiredAt'>, at: number): [number, number] | undefined {
  const end = Math.min(s.endsAt, s.expiredAt ?? Infinity);
  if (at >= end) return undefined;
  const r = s.recurrence;
  if (!r) return [s.startsAt, end];
  const opens = (k: number) => s.startsAt + k * DAY_MS;
  const onDay = (k: number) => r.freq === 'daily' || (r.byDay && r.byDay.length > 0 ? r.byDay.includes(weekday(opens(k), r)) : k % 7 === 0);
  // windows last at most a week, so one that holds `at` opened within the 8 days before it
  const k0 = Math.max(0, Math.floor((at - s.startsAt) / DAY_MS));
  for (let k = Math.max(0, k0 - 8); k <= k0; k++) {
    if (!onDay(k)) continue;
    const w: [number, number] = [opens(k), Math.min(opens(k) + r.durationMs, end)];
    if (w[0] <= at && at < w[1]) return w;
  }
  for (let k = k0 + (at < s.startsAt ? 0 : 1); k <= k0 + 8; k++) {
    if (opens(k) >= end) return undefined;
    if (onDay(k)) return [opens(k), Math.min(opens(k) + r.durationMs, end)];
  }
  return undefined;
}

export function activeAt(s: Silence, at: number): boolean {
  const w = windowAt(s, at);
  return w !== undefined && w[0] <= at && at < w[1];
}

export function silenceMatches(m: SilenceMatch, i: Pick<Incident, 'utility' | 'district' | 'devices' | 'asset' | 'ruleId'>): boolean {
  return (
    (m.utility === undefined || m.utility === i.utility) &&
    (m.district === undefined || m.district === i.district) &&
    (m.ruleId === undefined || m.ruleId === i.ruleId) &&
    (m.device === undefined || m.device === i.asset || i.devices.includes(m.device))
  );
}

export function viewOf(s: Silence, now: number): SilenceView {
  const w = windowAt(s, now);
  const state = w === undefined ? 'expired' : w[0] <= now ? 'active' : 'pending';
  return { ...s, state, ...(w ? { window: w } : {}) };
}

export type SilenceInput = Pick<Silence, 'match' | 'startsAt' | 'endsAt' | 'comment'> & { recurrence?: SilenceRecurrence };

export class SilenceStore {
  readonly #deps: SilenceStoreDeps;
  readonly #journal: Journal<SilenceLine>;
  readonly #byId = new Map<string, Silence>();
  #liveBytes = 0;
  readonly #stats = { added: 0, expired: 0, refused: 0 };

  constructor(deps: SilenceStoreDeps) {
    this.#deps = deps;
    this.#journal = new Journal<SilenceLine>(join(deps.dataDir, 'silences.jsonl'));
  }

  async start(): Promise<void> {
    for (const line of this.#journal.records()) {
      if ('put' in line) this.#byId.set(line.put.id, line.put);
      else {
        const s = this.#byId.get(line.expire);
        if (s) Object.assign(s, { expiredAt: line.at, expiredBy: line.by });
      }
    }
    if (this.#journal.tornLines > 0) this.#deps.log?.warn({ file: this.#journal.path, torn: this.#journal.tornLines }, 'silences journal: skipped torn lines');
    this.#compact();
  }

  async stop(): Promise<void> {
    this.#journal.close();
  }

  stats() {
    const now = this.#deps.clock.now();
    let active = 0;
    for (const s of this.#byId.values()) if (activeAt(s, now)) active++;
    return { silences: this.#byId.size, active, ...this.#stats, journalBytes: this.#journal.bytes };
  }

  get(id: string): Silence {
    const s = this.#byId.get(id);
    if (!s) throw new QalaError('ERR_SILENCE_NOT_FOUND', `no silence "${id}"`);
    return s;
  }

  /** Every silence kept, newest first, with its state now. */
  list(): SilenceView[] {
    const now = this.#deps.clock.now();
    return [...this.#byId.values()].sort((a, b) => b.createdAt - a.createdAt).map((s) => viewOf(s, now));
  }

  /** The first active silence that matches the incident at `at`. */
  matching(incident: Incident, at: number): Silence | undefined {
    for (const s of this.#byId.values()) if (silenceMatches(s.match, incident) && activeAt(s, at)) return s;
    return undefined;
  }

  add(input: SilenceInput, by: string): Silence {
    const now = this.#deps.clock.now();
    if (this.#byId.size >= this.#deps.maxSilences) this.#dropEnded(now);
    if (this.#byId.size >= this.#deps.maxSilences) {
      this.#stats.refused++;
      throw new QalaError('ERR_LIMIT_REACHED', `${this.#byId.size} silences are in force or to come, the most kept (QALA_MAX_SILENCES); end one first`);
    }
    const silence: Silence = { id: `SIL-${randomUUID().slice(0, 8)}`, ...input, createdBy: by, createdAt: now };
    this.#append({ put: silence });
    this.#byId.set(silence.id, silence);
    this.#stats.added++;
    return silence;
  }

  /** Ends a silence now (it stays listed, expired, until room is needed). */
  expire(id: string, by: string): Silence {
    const s = this.get(id);
    const now = this.#deps.clock.now();
    if (s.expiredAt !== undefined || s.endsAt <= now) throw new QalaError('ERR_SILENCE_STATE', `silence ${id} has already ended`);
    this.#append({ expire: id, at: now, by });
    Object.assign(s, { expiredAt: now, expiredBy: by });
    this.#stats.expired++;
    return s;
  }

  /** Forgets ended silences, the longest ended first, until there is room for one more. */
  #dropEnded(now: number): void {
    const ended = [...this.#byId.values()].filter((s) => windowAt(s, now) === undefined).sort((a, b) => Math.min(a.endsAt, a.expiredAt ?? Infinity) - Math.min(b.endsAt, b.expiredAt ?? Infinity));
    for (const s of ended) {
      if (this.#byId.size < this.#deps.maxSilences) break;
      this.#byId.delete(s.id);
    }
    this.#compact();
  }

  #append(line: SilenceLine): void {
    this.#journal.append(line);
    if ('put' in line) this.#liveBytes += JSON.stringify(line).length + 1;
    if (compactionDue(this.#journal.bytes, this.#liveBytes, { ratio: 4, minBytes: 1 << 20 })) this.#compact();
  }

  #compact(): void {
    const lines = [...this.#byId.values()].map((put) => ({ put }));
    this.#journal.compact(lines);
    this.#liveBytes = this.#journal.bytes;
  }
}
