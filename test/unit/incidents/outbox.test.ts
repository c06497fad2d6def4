import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import { Outbox, sign } from '../../../services/incidents/outbox.ts';
import { tempDir } from '../../helpers/platform.ts';

const log = pino({ level: 'silent' });
const T0 = 1_800_000_000_000;

/** A webhook receiver in the fetch's place: answers each URL from a script, records what arrived. */
function receiver(script: Record<string, number[]> = {}) {
  const got: { url: string; body: string; at: number; headers: Record<string, string> }[] = [];
  const attempts: string[] = [];
  return {
    got,
    attempts,
    fetchFor: (clock: ManualClock) =>
      (async (url: string | URL | Request, init?: RequestInit) => {
        const u = String(url);
        attempts.push(`${JSON.parse(String(init!.body)).event}@${(clock.now() - T0) / 1000}s`);
        const status = script[u]?.shift() ?? 200;
        if (status === 200) got.push({ url: u, body: String(init!.body), at: clock.now(), headers: init!.headers as Record<string, string> });
        return new Response('', { status });
      }) as typeof fetch,
  };
}

async function outbox(dataDir: string, fetchImpl: (c: ManualClock) => typeof fetch, clock = new ManualClock(T0)) {
  const o = new Outbox({ dataDir, log, clock, secretFor: (r) => (r === 'gone' ? undefined : `secret-${r}`), fetchImpl: fetchImpl(clock), pollMs: 250, baseBackoffMs: 1000 });
  await o.start();
  return { o, clock };
}

const body = (event: string) => JSON.stringify({ event, incident: { id: 'INC-000001' } });

describe('webhook outbox', () => {
  it('sends deliveries to one endpoint in order: a resolved never overtakes a retried opened', async () => {
    const r = receiver({ 'http://water/hook': [503, 503] });
    const { o, clock } = await outbox(await tempDir(), r.fetchFor);
    o.enqueue('http://water/hook', 'water', body('incident.opened'));
    o.enqueue('http://water/hook', 'water', body('incident.resolved'));
    await clock.tick(10_000, 250);
    expect(r.attempts).toEqual(['incident.opened@0.25s', 'incident.opened@1.25s', 'incident.opened@3.25s', 'incident.resolved@3.25s']);
    expect(r.got.map((g) => JSON.parse(g.body).event)).toEqual(['incident.opened', 'incident.resolved']);
    expect(o.stats()).toMatchObject({ pending: 0, delivered: 2, failedAttempts: 2 });
    await o.stop();
  });

  it('keeps other endpoints flowing while one is down', async () => {
    const r = receiver({ 'http://water/hook': Array(20).fill(500) });
    const { o, clock } = await outbox(await tempDir(), r.fetchFor);
    o.enqueue('http://water/hook', 'water', body('incident.opened'));
    o.enqueue('http://heat/hook', 'heat', body('incident.opened'));
    await clock.tick(1000, 250);
    expect(r.got.map((g) => g.url)).toEqual(['http://heat/hook']);
    expect(o.pending().map((d) => d.url)).toEqual(['http://water/hook']);
    await o.stop();
  });

  it('backs off exponentially up to the maximum, and signs every attempt with the route secret', async () => {
    const r = receiver({ 'http://water/hook': [500, 500, 500, 500] });
    const { o, clock } = await outbox(await tempDir(), r.fetchFor);
    o.enqueue('http://water/hook', 'water', body('incident.opened'));
    await clock.tick(20_000, 250);
    expect(r.attempts.map((a) => a.split('@')[1])).toEqual(['0.25s', '1.25s', '3.25s', '7.25s', '15.25s']);
    const [got] = r.got;
    expect(got!.headers['x-qala-signature']).toBe(sign('secret-water', got!.headers['x-qala-timestamp']!, got!.body));
    await o.stop();
  });

  it('never sends a delivery whose route is gone, and keeps it', async () => {
    const r = receiver();
    const { o, clock } = await outbox(await tempDir(), r.fetchFor);
    o.enqueue('http://old/hook', 'gone', body('incident.opened'));
    await clock.tick(5000, 250);
    expect(r.attempts).toEqual([]);
    expect(o.pending()[0]).toMatchObject({ attempts: 3, lastError: expect.stringContaining('no webhook route for "gone"') });
    await o.stop();
  });

  it('keeps pending deliveries, in order, across a restart', async () => {
    const dir = await tempDir();
    const down = receiver({ 'http://water/hook': Array(5).fill(503) });
    const first = await outbox(dir, down.fetchFor);
    first.o.enqueue('http://water/hook', 'water', body('incident.opened'));
    first.o.enqueue('http://water/hook', 'water', body('incident.acknowledged'));
    first.o.enqueue('http://water/hook', 'water', body('incident.resolved'));
    await first.clock.tick(2000, 250);
    await first.o.stop();
    const up = receiver();
    const second = await outbox(dir, up.fetchFor, new ManualClock(T0 + 600_000));
    expect(second.o.pending()).toHaveLength(3);
    await second.clock.tick(1000, 250);
    expect(up.got.map((g) => JSON.parse(g.body).event)).toEqual(['incident.opened', 'incident.acknowledged', 'incident.resolved']);
    await second.o.stop();
  });
});
