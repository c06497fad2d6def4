// Incident history as operators search it: by time, utility, district, rule and
// state, newest opened first, one bounded page at a time with a cursor (the page's
// last incident), so a long history is read without any answer growing with it;
// and the shift handover: what opened, what changed and what is still open since
// a time. Pure functions over the incidents the manager holds.
import { QalaError } from '../contracts/errors.ts';
import type { Handover, Incident, IncidentPage, IncidentSearch } from '../contracts/index.ts';

/** A page position: the last incident's opening time and id, opaque to the client. */
export const encodeCursor = (i: Pick<Incident, 'openedAt' | 'id'>): string => Buffer.from(`${i.openedAt}|${i.id}`).toString('base64url');

export function decodeCursor(cursor: string): { openedAt: number; id: string } | undefined {
  const m = /^(-?\d{1,16})\|(INC-\d{1,12})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { openedAt: Number(m[1]), id: m[2]! } : undefined;
}

/** Newest opened first; the id breaks ties (ids grow with opening order). */
const seq = (id: string): number => Number(id.slice(4));
const newestFirst = (a: Pick<Incident, 'openedAt' | 'id'>, b: Pick<Incident, 'openedAt' | 'id'>): number => b.openedAt - a.openedAt || seq(b.id) - seq(a.id);

export function matchesSearch(i: Incident, q: Omit<IncidentSearch, 'limit' | 'cursor'>): boolean {
  return (
    (q.to === undefined || i.openedAt < q.to) &&
    (q.from === undefined || i.resolvedAt === undefined || i.resolvedAt >= q.from) &&
    (!q.state || (q.state === 'unresolved' ? i.state !== 'resolved' : i.state === q.state)) &&
    (!q.utility || i.utility === q.utility) &&
    (!q.district || i.district === q.district) &&
    (!q.subsystem || i.subsystem === q.subsystem) &&
    (!q.severity || i.severity === q.severity) &&
    (!q.ruleId || i.ruleId === q.ruleId) &&
    (q.planned === undefined || Boolean(i.planned) === q.planned) &&
    (!q.assignee || i.assignee === q.assignee)
  );
}

/** One page of matching incidents after the cursor; `next` while more remain. A cursor it did not write is ERR_QUERY_INVALID. */
export function search(all: Iterable<Incident>, q: IncidentSearch): IncidentPage {
  const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
  if (q.cursor !== undefined && !after) throw new QalaError('ERR_QUERY_INVALID', `cursor=${JSON.stringify(q.cursor.slice(0, 100))}: the \`next\` of a previous page, unchanged`);
  const hits: Incident[] = [];
  for (const i of all) {
    if (!matchesSearch(i, q)) continue;
    if (after && newestFirst(i, after) <= 0) continue;
    hits.push(i);
  }
  hits.sort(newestFirst);
  const page = hits.slice(0, q.limit);
  const last = page[page.length - 1];
  return { count: page.length, incidents: page, ...(hits.length > q.limit && last ? { next: encodeCursor(last) } : {}) };
}

/**
 * The shift handover since `since`: incidents opened since (by their `opened`
 * entry), incidents opened before that changed since (any later entry), and every
 * incident still unresolved. Each list newest first and cut at `limit`; `totals`
 * says how many there were.
 */
export function handover(all: Iterable<Incident>, since: number, at: number, f: { utility?: string; limit: number }): Handover {
  const opened: Incident[] = [];
  const changed: Incident[] = [];
  const stillOpen: Incident[] = [];
  for (const i of all) {
    if (f.utility && i.utility !== f.utility) continue;
    const openedEntry = i.history.find((h) => h.action === 'opened');
    if ((openedEntry?.at ?? i.openedAt) >= since) opened.push(i);
    else if (i.history.some((h) => h.action !== 'opened' && h.at >= since)) changed.push(i);
    if (i.state !== 'resolved') stillOpen.push(i);
  }
  const byUpdate = (a: Incident, b: Incident) => b.updatedAt - a.updatedAt || newestFirst(a, b);
  opened.sort(newestFirst);
  changed.sort(byUpdate);
  stillOpen.sort(newestFirst);
  return {
    since,
    at,
    opened: opened.slice(0, f.limit),
    changed: changed.slice(0, f.limit),
    stillOpen: stillOpen.slice(0, f.limit),
    totals: { opened: opened.length, changed: changed.length, stillOpen: stillOpen.length },
  };
}
