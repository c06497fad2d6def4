import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../devices/index.ts';
import { classify } from '../../../services/ingest/classify.ts';

const ctx = { town: 'temirtau', registry: new DeviceRegistry(), maxPayloadBytes: 64 * 1024, receivedAt: Date.UTC(2026, 10, 22, 12) };
const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry';
const ts = Date.UTC(2026, 10, 22, 11, 59);
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('ingest classification', () => {
  it('accepts a valid reading with its address from the topic', () => {
    const r = classify(TOPIC, buf({ ts, metrics: { pressure: 3.9, flow: 120 } }), ctx);
    expect(r).toEqual({
      type: 'readings',
      readings: [{ town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'water-pressure', deviceId: 'wp-1', ts, receivedAt: ctx.receivedAt, metrics: { pressure: 3.9, flow: 120 } }],
    });
  });

  it.each([
    ['bad-json', TOPIC, '{"ts": 1, "metrics": {', 'not JSON'],
    ['schema-mismatch', TOPIC, { ts, metrics: { pressure: 'high' } }, 'pressure must be a number'],
    ['unknown-kind', 'city/temirtau/utilities/old-town/teapot/t-1/telemetry', { ts, metrics: { t: 1 } }, '"teapot"'],
    ['topic-off-scheme', 'city/temirtau/utilities/telemetry', { ts, metrics: { pressure: 3 } }, 'expected 7 levels'],
    ['topic-off-scheme', 'city/temirtau/mobility/old-town/water-pressure/wp-1/telemetry', { ts, metrics: { pressure: 3 } }, 'belongs to subsystem "utilities"'],
    ['payload-too-large', TOPIC, { ts, metrics: { pressure: 3 }, pad: 'x'.repeat(70_000) }, 'limit is 65536'],
  ])('rejects as %s: %s', (reason, topic, payload, detail) => {
    const r = classify(topic, buf(payload), ctx);
    expect(r.type).toBe('rejected');
    if (r.type === 'rejected') {
      expect(r.reason).toBe(reason);
      expect(r.detail).toContain(detail);
    }
  });

  it('reads status births and deaths, and ignores a cleared retained status', () => {
    const statusTopic = TOPIC.replace(/telemetry$/, 'status');
    expect(classify(statusTopic, buf({ state: 'offline' }), ctx)).toMatchObject({ type: 'status', status: { deviceId: 'wp-1', state: 'offline', at: ctx.receivedAt } });
    expect(classify(statusTopic, Buffer.alloc(0), ctx)).toEqual({ type: 'ignored' });
    expect(classify(statusTopic, buf({ state: 'sleepy' }), ctx)).toMatchObject({ type: 'rejected', reason: 'schema-mismatch' });
  });

  it('leaves platform channels alone', () => {
    expect.hasAssertions();
    for (const t of ['city/temirtau/deadletter', 'city/temirtau/incidents/water/i-1', 'city/temirtau/sim/faults']) {
      expect(classify(t, buf('anything'), ctx)).toEqual({ type: 'ignored' });
    }
  });

  it('accepts SenML (RFC 8428) with base name, time and unit, one reading per time', () => {
    const bt = ts / 1000;
    const pack = [
      { bn: 'urn:dev:wp-1:', bt, bu: 'Pa', n: 'pressure', v: 370_000 },
      { n: 'flow', u: 'm3/s', v: 0.025 },
      { n: 'pressure', t: 10, v: 360_000 },
    ];
    const r = classify(TOPIC, buf(pack), ctx);
    expect(r).toMatchObject({
      type: 'readings',
      readings: [
        { ts, metrics: { pressure: 3.7, flow: 90 } },
        { ts: ts + 10_000, metrics: { pressure: 3.6 } },
      ],
    });
  });

  it('rejects SenML whose names are not the kind\'s metrics', () => {
    const r = classify(TOPIC, buf([{ bn: 'wp-1:', bt: ts / 1000, n: 'colour', v: 1 }]), ctx);
    expect(r).toMatchObject({ type: 'rejected', reason: 'schema-mismatch' });
  });

  // Fuzz: untrusted bytes on an untrusted topic always yield a verdict, never an exception.
  it('classifies arbitrary bytes and topics without throwing', () => {
    expect.hasAssertions();
    const topic = fc.oneof(
      fc.constant(TOPIC),
      fc.array(fc.oneof(fc.constantFrom('city', 'temirtau', 'utilities', 'water-pressure', 'telemetry', 'status', '', '+'), fc.string()), { maxLength: 9 }).map((p) => p.join('/')),
    );
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.json().map((j) => Buffer.from(j)),
      fc.record({ ts: fc.oneof(fc.integer(), fc.double(), fc.string()), metrics: fc.dictionary(fc.string(), fc.oneof(fc.double(), fc.string())) }).map((o) => buf(o)),
      fc.array(fc.record({ bn: fc.string(), n: fc.string(), v: fc.double(), t: fc.double() }, { requiredKeys: [] })).map((o) => buf(o)),
    );
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        const r = classify(t, p, ctx);
        expect(['readings', 'status', 'ignored', 'rejected']).toContain(r.type);
        if (r.type === 'rejected') expect(r.detail.length).toBeGreaterThan(0);
        if (r.type === 'readings') for (const reading of r.readings) for (const v of Object.values(reading.metrics)) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('accepted device clock skew', () => {
  const at = (ms: number) => buf({ ts: ms, metrics: { pressure: 3.9 } });
  const reasonOf = (r: ReturnType<typeof classify>) => (r.type === 'rejected' ? r.reason : r.type);

  it('dead-letters a reading dated 2099 as timestamp-out-of-range, naming how far ahead it is', () => {
    const r = classify(TOPIC, at(Date.UTC(2099, 0, 1)), ctx);
    expect(r).toMatchObject({ type: 'rejected', reason: 'timestamp-out-of-range' });
    if (r.type === 'rejected') expect(r.detail).toMatch(/2099-01-01T00:00:00.000Z is \d+ d ahead .* at most 5 min is accepted/);
  });

  it('accepts a week of back-fill and five minutes of drift by default, and nothing beyond', () => {
    const now = ctx.receivedAt;
    expect(reasonOf(classify(TOPIC, at(now - 7 * 86_400_000), ctx))).toBe('readings');
    expect(reasonOf(classify(TOPIC, at(now - 7 * 86_400_000 - 1), ctx))).toBe('timestamp-out-of-range');
    expect(reasonOf(classify(TOPIC, at(now + 5 * 60_000), ctx))).toBe('readings');
    expect(reasonOf(classify(TOPIC, at(now + 5 * 60_000 + 1), ctx))).toBe('timestamp-out-of-range');
  });

  it('dead-letters a status dated too far ahead, and SenML whose base time is', () => {
    const statusTopic = TOPIC.replace(/telemetry$/, 'status');
    expect(reasonOf(classify(statusTopic, buf({ state: 'online', ts: Date.UTC(2099, 0, 1) }), ctx))).toBe('timestamp-out-of-range');
    expect(reasonOf(classify(TOPIC, buf([{ bn: 'wp-1:', bt: Date.UTC(2099, 0, 1) / 1000, n: 'pressure', v: 3.9 }]), ctx))).toBe('timestamp-out-of-range');
  });

  it('accepts exactly the readings within the configured window, for any timestamp and window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 * 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: -60 * 86_400_000, max: 60 * 86_400_000 }),
        (maxPastMs, maxFutureMs, offset) => {
          const r = classify(TOPIC, at(ctx.receivedAt + offset), { ...ctx, maxPastMs, maxFutureMs });
          const inside = offset <= maxFutureMs && -offset <= maxPastMs;
          expect(reasonOf(r)).toBe(inside ? 'readings' : 'timestamp-out-of-range');
        },
      ),
    );
  });
});
