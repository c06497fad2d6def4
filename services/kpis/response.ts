// Emergency response time from the incident history: detection to acknowledgement
// and to resolution, median and 90th percentile; and the response deadlines (a
// pressed care alarm's) held and missed. Pure.
import type { Incident } from '../contracts/index.ts';
import { isPlanned } from './interruptions.ts';
import { quantile, type Period } from './stats.ts';

export interface ResponseTimes {
  median: number | null;
  p90: number | null;
  count: number;
}

export interface ResponseDeadlines {
  /** unplanned incidents opened in the period that had a response deadline (a pressed care alarm) */
  withDeadline: number;
  /** of those, not acknowledged by it (a 'deadline-missed' entry in their history) */
  missed: number;
}

/** Response deadlines held and missed, over the unplanned incidents opened in the period. */
export function responseDeadlines(incidents: readonly Incident[], p: Period): ResponseDeadlines {
  let withDeadline = 0;
  let missed = 0;
  for (const i of incidents) {
    if (isPlanned(i) || i.openedAt < p.from || i.openedAt >= p.to || i.escalation?.deadlineAt === undefined) continue;
    withDeadline++;
    if (i.escalation.deadlineMissedAt !== undefined || i.history.some((c) => c.action === 'deadline-missed')) missed++;
  }
  return { withDeadline, missed };
}

/**
 * Minutes from detection (the incident's opening, device time) to `to`, for the
 * unplanned incidents opened in the period that have reached that step; planned
 * works wait for their window, not for a crew, and are left out. A negative span
 * (a device clock ahead of the platform's) counts as 0.
 */
export function responseTimes(incidents: readonly Incident[], step: 'acknowledged' | 'resolved', p: Period): ResponseTimes {
  const minutes: number[] = [];
  for (const i of incidents) {
    if (isPlanned(i) || i.openedAt < p.from || i.openedAt >= p.to) continue;
    const at = step === 'acknowledged' ? i.acknowledgedAt : i.resolvedAt;
    if (at === undefined || at === null) continue;
    minutes.push(Math.max(0, at - i.openedAt) / 60_000);
  }
  return { median: quantile(minutes, 0.5) ?? null, p90: quantile(minutes, 0.9) ?? null, count: minutes.length };
}
