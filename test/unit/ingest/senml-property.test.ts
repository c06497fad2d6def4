// Properties of SenML resolution (RFC 8428 §4.6): a pack built from resolved records by
// factoring out arbitrary base fields resolves back to exactly those records; a valid
// pack mutated into one the RFC calls an error is refused with a reason, never a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../devices/index.ts';
import { classify } from '../../../services/ingest/classify.ts';
import { resolveSenml, type ResolvedRecord } from '../../../services/ingest/senml.ts';

const now = Date.UTC(2026, 10, 22, 12);
const ctx = { town: 'temirtau', registry: new DeviceRegistry(), maxPayloadBytes: 64 * 1024, receivedAt: now };
const TOPIC = 'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry';

const FIRST = 'abcXYZ019'.split('');
const REST = 'abcXYZ019-:./_'.split('');
/** §4.5.1 names */
const name = fc.tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...REST), { maxLength: 12 })).map(([a, b]) => a + b.join(''));
const integer = fc.integer({ min: -1e9, max: 1e9 });
const absolute = fc.integer({ min: 2 ** 28, max: 4e9 });

/** Hand-resolved records: all with a unit or none, all with a sum or none (a base unit or base sum cannot be unset). */
const resolvedPack = fc
  .record({ units: fc.boolean(), sums: fc.boolean(), n: fc.integer({ min: 1, max: 8 }) })
  .chain(({ units, sums, n }) =>
    fc.array(
      fc.record({
        n: name,
        u: units ? fc.constantFrom('Pa', 'Cel', '/', 'V', 'm3/s') : fc.constant(undefined),
        value: fc.oneof(fc.record({ v: integer }), fc.record({ vb: fc.boolean() }), fc.record({ vs: fc.string({ maxLength: 8 }) })),
        s: sums ? integer : fc.constant(undefined),
        t: absolute,
      }),
      { minLength: n, maxLength: n },
    ),
  )
  .map((recs) =>
    recs.map(({ n, u, value, s, t }): ResolvedRecord => ({ n, ...(u === undefined ? {} : { u }), ...value, ...(s === undefined ? {} : { s }), t })),
  );

/** Per record, which base fields the encoder sets (and with what). */
const encoding = fc.array(
  fc.record({ bn: fc.option(fc.nat(), { nil: undefined }), bt: fc.option(integer, { nil: undefined }), bv: fc.option(integer, { nil: undefined }), bs: fc.option(integer, { nil: undefined }), bu: fc.boolean(), extra: fc.boolean() }),
  { minLength: 8, maxLength: 8 },
);

/** Writes resolved records as a pack that uses base fields as the choices say. */
function encode(records: ResolvedRecord[], choices: { bn?: number; bt?: number; bv?: number; bs?: number; bu: boolean; extra: boolean }[], bver: boolean): Record<string, unknown>[] {
  let bn = '';
  let bt = 0;
  let bv = 0;
  let bs = 0;
  let bu: string | undefined;
  return records.map((r, i) => {
    const c = choices[i]!;
    const out: Record<string, unknown> = {};
    if (i === 0 && bver) out.bver = 10;
    // a new base name whenever asked, or when the current one is not a prefix of this name
    if (c.bn !== undefined || !r.n.startsWith(bn)) {
      bn = r.n.slice(0, (c.bn ?? 0) % (r.n.length + 1));
      out.bn = bn;
    }
    if (c.bt !== undefined) out.bt = bt = c.bt;
    if (c.bv !== undefined) out.bv = bv = c.bv;
    if (r.s !== undefined && c.bs !== undefined) out.bs = bs = c.bs;
    if (r.u !== undefined && c.bu) out.bu = bu = r.u;
    if (r.n !== bn) out.n = r.n.slice(bn.length);
    if (r.u !== undefined && r.u !== bu) out.u = r.u;
    if (r.t !== bt) out.t = r.t - bt;
    if (r.v !== undefined) out.v = r.v - bv;
    if (r.vb !== undefined) out.vb = r.vb;
    if (r.vs !== undefined) out.vs = r.vs;
    if (r.s !== undefined) out.s = r.s - bs;
    if (c.extra) out.vendorNote = 'ignored (§4.4)';
    return out;
  });
}

const chronological = (records: ResolvedRecord[]) => records.map((r, i) => [r, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([r]) => r);

describe('SenML resolution', () => {
  it('resolves any valid pack to its hand-resolved records, in chronological order (§4.6)', () => {
    fc.assert(
      fc.property(resolvedPack, encoding, fc.boolean(), (records, choices, bver) => {
        const pack = JSON.parse(JSON.stringify(encode(records, choices, bver)));
        expect(resolveSenml(pack, now)).toEqual({ ok: true, records: chronological(records) });
      }),
      { numRuns: 400 },
    );
  });

  const mutations: [string, (pack: Record<string, unknown>[], i: number) => void][] = [
    ['a version above 10', (p, i) => { p[i]!.bver = 11 + i; }],
    ['a must-understand label', (p, i) => { p[i]![`x${i}_`] = 1; }],
    ['a name off §4.5.1', (p, i) => { p[i]!.bn = ' '; }],
    ['a name starting with "-"', (p, i) => { p[i]!.bn = '-'; }],
    ['a second value field', (p, i) => { if (p[i]!.v === undefined) p[i]!.v = 1; else p[i]!.vs = 'x'; }],
    ['a value of the wrong type', (p, i) => { p[i]!.v = String(p[i]!.v ?? 1); delete p[i]!.vb; delete p[i]!.vs; }],
    ['a time that is not a number', (p, i) => { p[i]!.t = 'now'; }],
    ['a record that is not an object', (p, i) => { (p as unknown[])[i] = [i]; }],
    ['no value field and no sum', (p, i) => { for (const k of ['v', 'vb', 'vs', 's', 'bs']) delete p[i]![k]; for (const q of p) { delete q.bs; delete q.s; } p[i]!.t = 0; }],
  ];

  it('refuses any pack mutated into an invalid one with a reason, and classify never throws on it', () => {
    fc.assert(
      fc.property(resolvedPack, encoding, fc.constantFrom(...mutations), fc.nat(), (records, choices, [, mutate], at) => {
        const pack = JSON.parse(JSON.stringify(encode(records, choices, false))) as Record<string, unknown>[];
        mutate(pack, at % pack.length);
        const r = resolveSenml(pack, now);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.reason).toBe('senml-invalid');
          expect(r.detail.length).toBeGreaterThan(10);
        }
        const c = classify(TOPIC, Buffer.from(JSON.stringify(pack)), ctx);
        expect(c).toMatchObject({ type: 'rejected', reason: 'senml-invalid' });
      }),
      { numRuns: 400 },
    );
  });

  it('refuses two versions in one pack', () => {
    fc.assert(
      fc.property(resolvedPack.filter((r) => r.length > 1), encoding, fc.integer({ min: 1, max: 9 }), (records, choices, other) => {
        const pack = encode(records, choices, true);
        pack[pack.length - 1]!.bver = other;
        expect(resolveSenml(pack, now)).toMatchObject({ ok: false, reason: 'senml-invalid' });
      }),
      { numRuns: 100 },
    );
  });
});

/** Readings of a water-pressure point: distinct times, each with pressure and/or flow, in its own units. */
const pointReadings = fc.uniqueArray(fc.integer({ min: -3600, max: 0 }), { minLength: 1, maxLength: 6 }).chain((offsets) =>
  fc.tuple(
    ...offsets.map((dt) =>
      fc.record({ dt: fc.constant(dt), pressure: fc.option(fc.integer({ min: 0, max: 2500 }), { nil: undefined }), flow: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }) })
        .filter((r) => r.pressure !== undefined || r.flow !== undefined),
    ),
  ),
);

/** As SenML for device wp-1: a base name and time, pressure in Pa or hPa (1 bar = 1e5 Pa = 1e3 hPa), flow without a unit (so m3/h). */
function asPack(rs: { dt: number; pressure?: number; flow?: number }[], hpa: boolean): Record<string, unknown>[] {
  const pack: Record<string, unknown>[] = [{ bn: 'urn:dev:mac:wp-1:', bt: now / 1000 }];
  for (const r of rs) {
    // pressure / 100 bar, written as an integer number of Pa or hPa, so the conversion is exact
    if (r.pressure !== undefined) pack.push({ n: 'pressure', t: r.dt, ...(hpa ? { u: 'hPa', v: r.pressure * 10 } : { u: 'Pa', v: r.pressure * 1000 }) });
    if (r.flow !== undefined) pack.push({ n: 'flow', t: r.dt, v: r.flow });
  }
  return pack;
}

describe('SenML onto a device', () => {
  it('gives one reading per time, in the kind\'s units, for any pack of one device\'s values', () => {
    fc.assert(
      fc.property(pointReadings, fc.boolean(), (rs, hpa) => {
        const r = classify(TOPIC, Buffer.from(JSON.stringify(asPack(rs, hpa))), ctx);
        const want = [...rs].sort((a, b) => a.dt - b.dt).map((x) => ({
          ts: now + x.dt * 1000,
          metrics: { ...(x.pressure !== undefined ? { pressure: x.pressure / 100 } : {}), ...(x.flow !== undefined ? { flow: x.flow } : {}) },
        }));
        expect(r.type === 'readings' && r.readings.map((x) => ({ ts: x.ts, metrics: x.metrics }))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses with senml-conflict any such pack given a second value for a metric and time, or another device\'s record', () => {
    fc.assert(
      fc.property(pointReadings, fc.nat(), fc.boolean(), fc.constantFrom('wp-2', 'urn:dev:mac:wp-10', 'xwp-1'), (rs, at, twice, other) => {
        const pack = asPack(rs, false);
        const i = 1 + (at % (pack.length - 1));
        const rec = pack[i]!;
        if (twice) pack.push({ ...rec, v: (rec.v as number) + 1 }); // same name, same time (bt still applies)
        else pack.push({ bn: `${other}:`, n: 'flow', t: -1, v: 5 });
        expect(classify(TOPIC, Buffer.from(JSON.stringify(pack)), ctx)).toMatchObject({ type: 'rejected', reason: 'senml-conflict' });
      }),
      { numRuns: 300 },
    );
  });
});
