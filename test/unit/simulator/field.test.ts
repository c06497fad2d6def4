import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../devices/index.ts';
import { HARD_CASE_CLASSES, type HardCase } from '../../../simulator/field.ts';
import { Feed, type FeedOptions, type SimMessage } from '../../../simulator/feed.ts';
import { loadScenario } from '../../../simulator/scenario.ts';

const temirtau = loadScenario('temirtau');
const START = Date.parse('2026-01-15T00:00:00+05:00');
// A tenth of Temirtau for two hours (about 39k messages; four hours at half scale gave
// 397k and took 25-40 s to make on a loaded CI machine, twice over for the seed check).
// Hard cases 25 times as frequent, so every class shows and, with this seed, one
// gateway's back-fill ends within the run on devices whose clocks are true (at 100
// times every clock is skewed); faults 3000 times as frequent, so that three would
// strike a device whose gateway is out if the feed allowed it (none did at the old size).
const base: FeedOptions = { scenario: temirtau, town: 'temirtau', seed: 6, start: START, intervalMs: 10_000, durationMs: 2 * 3_600_000, scale: 0.1, faultRate: 3000, hardCases: 25 };
const sha = (ms: SimMessage[]) => createHash('sha256').update(ms.map((m) => `${m.at} ${m.topic} ${m.payload}`).join('\n')).digest('hex');

describe('field hard cases', () => {
  const feed = new Feed(base);
  const ms = [...feed.messages()];
  const telemetry = ms.filter((m) => m.type === 'telemetry');
  const published = ms.filter((m) => m.type === 'fault').map((m) => JSON.parse(m.payload) as { event: string } & HardCase).filter((m) => m.event === 'hard-case');

  it('gives byte-identical feeds for the same seed, and a different one for another seed', () => {
    expect(sha([...new Feed(base).messages()])).toBe(sha(ms));
    expect(sha([...new Feed({ ...base, seed: 3, durationMs: 3_600_000 }).messages()])).not.toBe(sha(ms.filter((m) => m.at < START + 3_600_000)));
  });

  it('leaves the clean feed untouched when hard cases are off', () => {
    const clean = [...new Feed({ ...base, durationMs: 3_600_000, hardCases: 0 }).messages()];
    expect(clean.some((m) => m.payload.includes('hard-case'))).toBe(false);
    expect(sha(clean)).toBe(sha([...new Feed({ ...base, durationMs: 3_600_000, hardCases: undefined }).messages()]));
  });

  it('arrives in time order, every payload passing its kind\'s schema', () => {
    const registry = new DeviceRegistry();
    for (let i = 1; i < ms.length; i++) expect(ms[i]!.at).toBeGreaterThanOrEqual(ms[i - 1]!.at);
    for (const m of telemetry) {
      const r = registry.get(m.topic.split('/')[4]!)!.schema.safeParse(JSON.parse(m.payload));
      if (!r.success) throw new Error(`${m.topic}: ${r.error.message} in ${m.payload}`);
    }
  });

  it('publishes ground truth for every hard-case class, the same as the feed keeps', () => {
    expect(new Set(published.map((c) => c.class))).toEqual(new Set(HARD_CASE_CLASSES));
    expect(published.map((c) => c.id).sort()).toEqual(feed.hardCases.map((c) => c.id).sort());
  });

  it('back-fills a gateway\'s readings after its live ones, with their own old timestamps', () => {
    const c = feed.hardCases.find((h) => h.class === 'gateway-backfill' && h.end < START + base.durationMs!)!;
    expect(c).toBeDefined();
    const skewed = new Set(feed.hardCases.filter((h) => h.class === 'clock-skew').flatMap((h) => h.devices));
    const device = c.devices.find((id) => !skewed.has(id))!;
    const mine = telemetry.filter((m) => m.deviceId === device).map((m) => ({ at: m.at, ts: (JSON.parse(m.payload) as { ts: number }).ts }));
    expect(mine.some((m) => m.ts >= c.start && m.ts < c.end && m.at < c.end)).toBe(false); // nothing live during the outage
    const late = mine.filter((m) => m.ts >= c.start && m.ts < c.end);
    expect(late.length).toBeGreaterThan(0);
    const firstLive = mine.find((m) => m.ts >= c.end)!;
    expect(late.every((m) => m.at > firstLive.at)).toBe(true);
  });

  it('duplicates and reorders messages, and skews some device clocks by minutes', () => {
    const seen = new Set<string>();
    let dups = 0;
    let outOfOrder = 0;
    const lastTs = new Map<string, number>();
    for (const m of telemetry) {
      if (seen.has(m.payload + m.topic)) dups++;
      seen.add(m.payload + m.topic);
      const ts = (JSON.parse(m.payload) as { ts: number }).ts;
      if (ts < (lastTs.get(m.topic) ?? -Infinity)) outOfOrder++;
      lastTs.set(m.topic, Math.max(ts, lastTs.get(m.topic) ?? -Infinity));
    }
    expect(dups).toBeGreaterThan(0);
    expect(outOfOrder).toBeGreaterThan(0);
    const skewed = feed.hardCases.find((h) => h.class === 'clock-skew')!;
    const one = telemetry.find((m) => m.deviceId === skewed.devices[0])!;
    expect(Math.abs((JSON.parse(one.payload) as { ts: number }).ts - one.at)).toBeGreaterThanOrEqual(60_000);
  });

  it('injects no fault on a device whose gateway is out of reach', () => {
    for (const f of feed.faults) expect(feed.hardCases.some((h) => h.class === 'gateway-backfill' && h.devices.includes(f.target) && h.start < f.end && h.end > f.start)).toBe(false);
  });
});
