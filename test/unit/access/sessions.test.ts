import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore, sessionKey } from '../../../services/access/sessions.ts';
import { ManualClock } from '../../../services/clock.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';

const T0 = Date.UTC(2026, 0, 15, 6);
const HOUR = 3_600_000;

async function sessions(dataDir: string, clock = new ManualClock(T0), limits: { maxSessions?: number; maxPerUser?: number } = {}) {
  const s = new SessionStore({ dataDir, clock, log: createLogger('silent', 'json'), ttlMs: 12 * HOUR, ...limits });
  await s.start();
  return { s, clock };
}

describe('sessions', () => {
  it('finds a session by its id until it expires, twelve hours after login however busy', async () => {
    const { s, clock } = await sessions(await tempDir());
    const { id, session } = s.create('aigerim');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toEqual({ key: sessionKey(id), user: 'aigerim', createdAt: T0, expiresAt: T0 + 12 * HOUR });
    clock.advance(12 * HOUR - 1);
    expect(s.get(id)?.user).toBe('aigerim');
    clock.advance(1);
    expect(s.get(id)).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('knows nothing of a made-up, malformed or closed id', async () => {
    const { s } = await sessions(await tempDir());
    const { id, session } = s.create('aigerim');
    for (const bad of ['', 'x', `${id}x`, id.toLowerCase() === id ? id.toUpperCase() : id.toLowerCase(), '../../etc/passwd', '%00'.repeat(20)]) expect(s.get(bad), bad).toBeUndefined();
    expect(s.close(session.key)).toBe(true);
    expect(s.get(id)).toBeUndefined();
  });

  it('keeps sessions across a restart, storing only a hash of the id', async () => {
    const dir = await tempDir();
    const first = await sessions(dir);
    const kept = first.s.create('aigerim');
    const closed = first.s.create('daniyar');
    first.s.close(closed.session.key);
    await first.s.stop();
    const file = readFileSync(join(dir, 'access', 'sessions.jsonl'), 'utf8');
    expect(file).not.toContain(kept.id);
    const again = await sessions(dir, first.clock);
    expect(again.s.get(kept.id)?.user).toBe('aigerim');
    expect(again.s.get(closed.id)).toBeUndefined();
  });

  it('forgets expired sessions on the minute sweep and at the next start', async () => {
    const dir = await tempDir();
    const { s, clock } = await sessions(dir);
    s.create('aigerim');
    clock.advance(12 * HOUR + 60_000);
    expect(s.size).toBe(0);
    await s.stop();
    expect(readFileSync(join(dir, 'access', 'sessions.jsonl'), 'utf8')).toBe('');
  });

  it('ends every session of a user but the one kept', async () => {
    const { s } = await sessions(await tempDir());
    const a = s.create('aigerim');
    const b = s.create('aigerim');
    const other = s.create('daniyar');
    expect(s.closeUser('aigerim', a.session.key).map((x) => x.key)).toEqual([b.session.key]);
    expect([a, b, other].map((x) => s.get(x.id)?.user)).toEqual(['aigerim', undefined, 'daniyar']);
  });

  it('is bounded per user and in total, the oldest session going first', async () => {
    const { s, clock } = await sessions(await tempDir(), new ManualClock(T0), { maxSessions: 4, maxPerUser: 2 });
    const a1 = s.create('a');
    clock.advance(1);
    const a2 = s.create('a');
    const a3 = s.create('a');
    expect([a1, a2, a3].map((x) => Boolean(s.get(x.id)))).toEqual([false, true, true]);
    const others = ['b', 'c', 'd'].map((u) => s.create(u));
    expect(s.size).toBe(4);
    expect(s.get(a2.id)).toBeUndefined();
    expect(others.every((x) => s.get(x.id))).toBe(true);
  });
});
