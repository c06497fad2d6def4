// Emergency response time from the incident history: detection to acknowledgement
// and to resolution, median and 90th percentile. Pure.
import type { Incident } from '../contracts/index.ts';
import { isPlanned } from './interruptions.ts';
import { quantile, type Period } from './stats.ts';

export interface ResponseTimes {
  median: number | null;
  p90: number | null;
  count: number;
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
