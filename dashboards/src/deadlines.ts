// The deadlines an incident carries, as the pinned incident list shows them: a
// heating outage's time to freeze (services/kpis/freeze-watch.ts keeps
// `timeToFreeze` on the incident: when its district's flats reach the habitable
// limit) and a response deadline (`escalation.deadlineAt`: a pressed care alarm's
// QALA_CARE_ALARM_RESPONSE_MIN, or any policy's responseMinutes) as a countdown.
// Both are drawn with the instant they run to (data-until) and ticked each second
// on the server's clock; a passed one turns red (class "passed").
import type { Incident } from '../../services/contracts/index.ts';
import { esc } from './format.ts';
import { num, t, townTime } from './i18n/i18n.ts';

const MINUTE = 60_000;

/** "7 h 40 min" / "7 ч 40 мин" / "7 сағ 40 мин", to the minute (rounded up: never later than it is). */
export function hoursMinutes(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / MINUTE));
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h > 0 ? t('deadline.hm', { h: num(h, 0), m: num(m, 0) }) : t('deadline.m', { m: num(m, 0) });
}

/** "12:05" (minutes and seconds), "1:02:05" past an hour: a countdown's figure. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** The deadline lines of an incident's row (their text is filled by tickDeadlines). */
export function deadlineLines(i: Incident, districtName: (id: string) => string): string {
  const out: string[] = [];
  const f = i.timeToFreeze;
  if (f) {
    const data = `data-district="${esc(districtName(i.district))}" data-outdoor="${f.outdoorC}" data-limit="${f.limitC}"`;
    out.push(
      f.limitAt === null
        ? `<div class="deadline freeze never" data-kind="freeze" ${data}></div>`
        : `<div class="deadline freeze" data-kind="freeze" data-until="${f.limitAt}" ${data}></div>`,
    );
  }
  const e = i.escalation;
  if (e?.deadlineAt !== undefined && i.state === 'open') out.push(`<div class="deadline response" data-kind="response" data-until="${e.deadlineAt}"></div>`);
  else if (e?.deadlineMissedAt !== undefined) out.push(`<div class="deadline response passed" data-kind="missed" data-at="${e.deadlineMissedAt}"></div>`);
  return out.join('');
}

/** The text of one deadline line at `now` (server time), and whether it has passed. */
export function deadlineText(d: DOMStringMap, now: number): { text: string; passed: boolean } {
  const until = d.until === undefined ? undefined : Number(d.until);
  const left = until === undefined ? 0 : until - now;
  const passed = until !== undefined && left <= 0;
  const outdoor = num(Number(d.outdoor), 0);
  const limit = num(Number(d.limit), 0);
  switch (d.kind) {
    case 'freeze':
      if (until === undefined) return { text: t('deadline.noFreeze', { district: d.district ?? '', outdoor, limit }), passed: false };
      return passed
        ? { text: t('deadline.frozen', { district: d.district ?? '', limit, time: townTime(until) }), passed }
        : { text: t('deadline.freezeIn', { district: d.district ?? '', left: hoursMinutes(left), outdoor, limit, time: townTime(until) }), passed };
    case 'response':
      return passed ? { text: t('deadline.overdue', { left: countdown(left) }), passed } : { text: t('deadline.respondIn', { left: countdown(left) }), passed };
    default:
      return { text: t('deadline.missed', { time: townTime(Number(d.at)) }), passed: true };
  }
}

/** Fills (again) every deadline line under `root`: called after a render and each second. */
export function tickDeadlines(root: ParentNode, now: number): void {
  for (const el of root.querySelectorAll<HTMLElement>('.deadline')) {
    const { text, passed } = deadlineText(el.dataset, now);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('passed', passed);
  }
}
