// SenML (RFC 8428) as Qala reads it. The packs are the RFC's own §5 examples: verbatim
// where the resolver is checked against what the RFC says they mean, and adapted only in
// their metric names where they go through classify() onto one of Qala's device kinds.
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, DeviceRegistry, convertSenmlUnit, CONVERTIBLE_CATALOG_UNITS } from '../../../devices/index.ts';
import { classify, type Classified } from '../../../services/ingest/classify.ts';
import { resolveSenml } from '../../../services/ingest/senml.ts';

const now = Date.UTC(2026, 10, 22, 12);
const ctx = { town: 'temirtau', registry: new DeviceRegistry(), maxPayloadBytes: 64 * 1024, receivedAt: now };
const topic = (kind: string, deviceId: string, subsystem = 'utilities') => `city/temirtau/${subsystem}/old-town/${kind}/${deviceId}/telemetry`;
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));
const run = (t: string, pack: unknown, c = ctx) => classify(t, buf(pack), c);
const OW = '10e2073a01080063'; // the RFC's 1-wire address, used as the device id in the topic

function rejected(r: Classified): { reason: string; detail: string } {
  if (r.type !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
  return { reason: r.reason, detail: r.detail };
}
function readings(r: Classified) {
  if (r.type !== 'readings') throw new Error(`expected readings, got ${JSON.stringify(r)}`);
  return r.readings.map((x) => ({ ts: x.ts, metrics: x.metrics }));
}

describe('RFC 8428 §5 examples, resolved as the RFC says', () => {
  it('§5.1.2: base time plus relative record times, the base unit for records without one, bver 5 accepted', () => {
    const pack = [
      { bn: 'urn:dev:ow:10e2073a0108006:', bt: 1.276020076001e9, bu: 'A', bver: 5, n: 'voltage', u: 'V', v: 120.1 },
      { n: 'current', t: -5, v: 1.2 },
      { n: 'current', t: -4, v: 1.3 },
      { n: 'current', t: -3, v: 1.4 },
      { n: 'current', t: -2, v: 1.5 },
      { n: 'current', t: -1, v: 1.6 },
      { n: 'current', v: 1.7 },
    ];
    const r = resolveSenml(pack, now);
    if (!r.ok) throw new Error(r.detail);
    const bt = 1.276020076001e9;
    expect(r.records).toEqual([
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.2, t: bt - 5 },
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.3, t: bt - 4 },
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.4, t: bt - 3 },
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.5, t: bt - 2 },
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.6, t: bt - 1 },
      { n: 'urn:dev:ow:10e2073a0108006:voltage', u: 'V', v: 120.1, t: bt },
      { n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.7, t: bt },
    ]);
  });

  it('§5.1.3 resolves to exactly the records of §5.1.4', () => {
    const pack = [
      { bn: 'urn:dev:ow:10e2073a01080063', bt: 1.320067464e9, bu: '%RH', v: 20 },
      { u: 'lon', v: 24.30621 },
      { u: 'lat', v: 60.07965 },
      { t: 60, v: 20.3 },
      { u: 'lon', t: 60, v: 24.30622 },
      { u: 'lat', t: 60, v: 60.07965 },
      { t: 120, v: 20.7 },
      { u: 'lon', t: 120, v: 24.30623 },
      { u: 'lat', t: 120, v: 60.07966 },
      { u: '%EL', t: 150, v: 98 },
      { t: 180, v: 21.2 },
      { u: 'lon', t: 180, v: 24.30628 },
      { u: 'lat', t: 180, v: 60.07967 },
    ];
    const n = 'urn:dev:ow:10e2073a01080063';
    const resolved = [
      { n, u: '%RH', t: 1.320067464e9, v: 20 },
      { n, u: 'lon', t: 1.320067464e9, v: 24.30621 },
      { n, u: 'lat', t: 1.320067464e9, v: 60.07965 },
      { n, u: '%RH', t: 1.320067524e9, v: 20.3 },
      { n, u: 'lon', t: 1.320067524e9, v: 24.30622 },
      { n, u: 'lat', t: 1.320067524e9, v: 60.07965 },
      { n, u: '%RH', t: 1.320067584e9, v: 20.7 },
      { n, u: 'lon', t: 1.320067584e9, v: 24.30623 },
      { n, u: 'lat', t: 1.320067584e9, v: 60.07966 },
      { n, u: '%EL', t: 1.320067614e9, v: 98 },
      { n, u: '%RH', t: 1.320067644e9, v: 21.2 },
      { n, u: 'lon', t: 1.320067644e9, v: 24.30628 },
      { n, u: 'lat', t: 1.320067644e9, v: 60.07967 },
    ];
    expect(resolveSenml(pack, now)).toEqual({ ok: true, records: resolved });
  });

  it('§5.1.5: every value type resolves; §5.1.7: a record of base fields alone names the records after it', () => {
    const types = resolveSenml([
      { bn: 'urn:dev:ow:10e2073a01080063:', n: 'temp', u: 'Cel', v: 23.1 },
      { n: 'label', vs: 'Machine Room' },
      { n: 'open', vb: false },
      { n: 'nfv-reader', vd: 'aGkgCg' },
    ], now);
    const t = now / 1000; // no time: "now" (§4.5.3)
    expect(types).toEqual({ ok: true, records: [
      { n: 'urn:dev:ow:10e2073a01080063:temp', u: 'Cel', v: 23.1, t },
      { n: 'urn:dev:ow:10e2073a01080063:label', vs: 'Machine Room', t },
      { n: 'urn:dev:ow:10e2073a01080063:open', vb: false, t },
      { n: 'urn:dev:ow:10e2073a01080063:nfv-reader', vd: 'aGkgCg', t },
    ] });
    const actuator = resolveSenml([{ bn: 'urn:dev:ow:10e2073a01080063:' }, { n: 'temp', u: 'Cel', v: 23.1 }, { n: 'heat', u: '/', v: 1 }, { n: 'fan', u: '/', v: 0 }], now);
    expect(actuator.ok && actuator.records.map((r) => r.n)).toEqual(['urn:dev:ow:10e2073a01080063:temp', 'urn:dev:ow:10e2073a01080063:heat', 'urn:dev:ow:10e2073a01080063:fan']);
    // §5.1.7's timed switch-off: 100 ms after the base time
    const timed = resolveSenml([{ bt: 1.320078429e9, bu: '/', n: '2001:db8::3', v: 0.5 }, { n: '2001:db8::4', v: 0.5 }, { n: '2001:db8::3', t: 0.1, v: 0 }, { n: '2001:db8::4', t: 0.1, v: 0 }], now);
    expect(timed.ok && timed.records.map((r) => [r.n, r.t, r.v])).toEqual([
      ['2001:db8::3', 1.320078429e9, 0.5], ['2001:db8::4', 1.320078429e9, 0.5], ['2001:db8::3', 1.320078429e9 + 0.1, 0], ['2001:db8::4', 1.320078429e9 + 0.1, 0],
    ]);
  });
});

describe('RFC 8428 §5 examples on Qala devices (metric names adapted)', () => {
  it('§5.1.1 single data point, "now": temp → supplyTemp, Cel is the catalog °C', () => {
    const r = run(topic('heat-substation', OW), [{ n: `urn:dev:ow:${OW}:supplyTemp`, u: 'Cel', v: 23.1 }]);
    expect(readings(r)).toEqual([{ ts: now, metrics: { supplyTemp: 23.1 } }]);
  });

  it('§5.1.2 voltage and current: the ampere record is refused, since the feeder has no metric an ampere converts to', () => {
    const r = rejected(run(topic('power-feeder', OW), [{ bn: `urn:dev:ow:${OW}:`, n: 'voltage', u: 'V', v: 120.1 }, { n: 'load', u: 'A', v: 1.2 }]));
    expect(r.reason).toBe('senml-unsupported');
    expect(r.detail).toContain('unit "A" cannot be converted to %');
  });

  it('§5.1.2 with a base time and relative times: one reading per second, the base unit V applied', () => {
    const bt = (now - 60_000) / 1000;
    const pack = [{ bn: `urn:dev:ow:${OW}:`, bt, bu: 'V', bver: 5, n: 'voltage', v: 230.1 }, { n: 'voltage', t: -2, v: 229.5 }, { n: 'voltage', t: -1, v: 229.9 }];
    expect(readings(run(topic('power-feeder', OW), pack))).toEqual([
      { ts: now - 62_000, metrics: { voltage: 229.5 } },
      { ts: now - 61_000, metrics: { voltage: 229.9 } },
      { ts: now - 60_000, metrics: { voltage: 230.1 } },
    ]);
  });

  it('§5.1.5 multiple data types: the string value is refused with its reason, not dropped', () => {
    const r = rejected(run(topic('heat-substation', OW), [
      { bn: `urn:dev:ow:${OW}:`, n: 'outdoorTemp', u: 'Cel', v: 23.1 },
      { n: 'returnTemp', vs: 'Machine Room' },
    ]));
    expect(r).toEqual({ reason: 'senml-unsupported', detail: expect.stringContaining('string value (vs)') });
    const d = rejected(run(topic('heat-substation', OW), [{ bn: `urn:dev:ow:${OW}:`, n: 'returnTemp', vd: 'aGkgCg' }]));
    expect(d).toEqual({ reason: 'senml-unsupported', detail: expect.stringContaining('data value (vd)') });
  });

  it('§5.1.5 boolean (open → online) maps onto the camera\'s 0/1 metric; a boolean for a confidence is refused', () => {
    const cam = topic('emergency-camera', OW, 'safety');
    expect(readings(run(cam, [{ bn: `urn:dev:ow:${OW}:`, n: 'online', vb: false }, { n: 'online', t: 1, vb: true }]))).toEqual([
      { ts: now, metrics: { online: 0 } },
      { ts: now + 1000, metrics: { online: 1 } },
    ]);
    expect(rejected(run(cam, [{ n: 'smoke', vb: true }]))).toEqual({ reason: 'senml-unsupported', detail: expect.stringContaining('smoke is in p') });
  });

  it('§5.1.6 collection of resources from two devices: refused as a conflict, never merged under the topic\'s device', () => {
    const pack = [
      { bn: '2001:db8::2/', bt: (now - 1000) / 1000, n: 'supplyTemp', u: 'Cel', v: 25.2 },
      { n: 'returnTemp', u: 'Cel', v: 30 },
      { bn: '2001:db8::1/', n: 'supplyTemp', u: 'Cel', v: 12.3 },
      { n: 'returnTemp', u: 'Cel', v: 67 },
    ];
    const r = rejected(run(topic('heat-substation', '2001:db8::2'), pack));
    expect(r.reason).toBe('senml-conflict');
    expect(r.detail).toContain('names device "2001:db8::1"');
    // the first device's records alone are its readings
    expect(readings(run(topic('heat-substation', '2001:db8::2'), pack.slice(0, 2)))).toEqual([{ ts: now - 1000, metrics: { supplyTemp: 25.2, returnTemp: 30 } }]);
  });
});

describe('base fields (§4.1, §4.5)', () => {
  it('adds the base value: bv 200 + v 27 is 227 V, not 27 V', () => {
    expect(readings(run(topic('power-feeder', 'pf-1'), [{ n: 'voltage', bv: 200, v: 27 }]))).toEqual([{ ts: now, metrics: { voltage: 227 } }]);
    // the base value carries on to the records after it, in each record's own unit
    expect(readings(run(topic('power-feeder', 'pf-1'), [{ bv: 200, bu: 'V', n: 'voltage', v: 27 }, { n: 'voltage', t: -1, v: 28 }]))).toEqual([
      { ts: now - 1000, metrics: { voltage: 228 } },
      { ts: now, metrics: { voltage: 227 } },
    ]);
  });

  it('adds the base sum to the sum (§4.5.4)', () => {
    const r = resolveSenml([{ bn: 'pf-1:', bs: 100, n: 'energy', v: 1, s: 5 }, { n: 'energy', t: 1, v: 2, s: 7 }, { n: 'energy', t: 2, s: 9 }], now);
    expect(r.ok && r.records.map((x) => x.s)).toEqual([105, 107, 109]);
  });

  it('refuses a record with only a sum: no Qala metric holds an integral', () => {
    expect(rejected(run(topic('power-feeder', 'pf-1'), [{ n: 'voltage', s: 9000 }]))).toEqual({ reason: 'senml-unsupported', detail: expect.stringContaining('only a sum') });
  });

  it('dates relative times from the reception time (§4.5.3), absolute ones from the epoch', () => {
    const t = topic('water-pressure', 'wp-1');
    expect(readings(run(t, [{ n: 'pressure', t: -30, v: 3.9 }]))).toEqual([{ ts: now - 30_000, metrics: { pressure: 3.9 } }]);
    expect(readings(run(t, [{ bt: -20, n: 'pressure', t: -10, v: 3.9 }]))).toEqual([{ ts: now - 30_000, metrics: { pressure: 3.9 } }]);
    expect(readings(run(t, [{ n: 'pressure', t: (now - 5000) / 1000, v: 3.9 }]))).toEqual([{ ts: now - 5000, metrics: { pressure: 3.9 } }]);
    // 2**28 - 1 is still relative: about 8.5 years ahead of now, so out of range
    expect(rejected(run(t, [{ n: 'pressure', t: 2 ** 28 - 1, v: 3.9 }])).reason).toBe('timestamp-out-of-range');
  });
});

describe('units (§4.5.2, §12.1)', () => {
  it('converts Pa to the gas network\'s kPa and the water main\'s bar: 30 Pa is 0.03 kPa, not 30 kPa', () => {
    expect(readings(run(topic('gas-pressure', 'gp-1'), [{ n: 'pressure', u: 'Pa', v: 30 }]))).toEqual([{ ts: now, metrics: { pressure: 0.03 } }]);
    expect(readings(run(topic('gas-pressure', 'gp-1'), [{ n: 'pressure', u: 'hPa', v: 25 }]))).toEqual([{ ts: now, metrics: { pressure: 2.5 } }]);
    expect(readings(run(topic('water-pressure', 'wp-1'), [{ bu: 'Pa', n: 'pressure', v: 390_000 }, { n: 'flow', u: 'm3/s', v: 0.025 }]))).toEqual([{ ts: now, metrics: { pressure: 3.9, flow: 90 } }]);
  });

  it('converts K to °C, km/h and m/s, s to min, 1/min to veh/min, ug/m3 and kg/m3, and the ratio units to percent', () => {
    const cases: [string, string, string, number, number][] = [
      ['heat-substation', 'supplyTemp', 'K', 363.15, 90],
      ['traffic-counter', 'meanSpeed', 'm/s', 10, 36],
      ['traffic-counter', 'vehiclesPerMin', '1/s', 0.5, 30],
      ['traffic-counter', 'vehiclesPerMin', '1/min', 12, 12],
      ['clinic-queue', 'meanWaitMin', 's', 90, 1.5],
      ['clinic-queue', 'meanWaitMin', 'h', 0.5, 30],
      ['clinic-queue', 'waiting', 'count', 7, 7],
      ['air-station', 'pm25', 'ug/m3', 12.5, 12.5],
      ['air-station', 'pm25', 'kg/m3', 1.25e-8, 12.5],
      // RFC 8428 Table 6 Note 2: "%" is the absolute ratio, NOT a percentage
      ['power-feeder', 'load', '%', 0.5, 50],
      ['power-feeder', 'load', '/', 0.75, 75],
      ['power-feeder', 'load', '/100', 64, 64],
      ['emergency-camera', 'smoke', '/', 0.25, 0.25],
      ['emergency-camera', 'online', '/', 1, 1],
    ];
    for (const [kind, metric, u, v, want] of cases) {
      const k = DEVICE_KINDS.find((x) => x.id === kind)!;
      expect(readings(run(topic(kind, 'd-1', k.subsystem), [{ n: metric, u, v }])), `${v} ${u} → ${metric}`).toEqual([{ ts: now, metrics: { [metric]: want } }]);
    }
  });

  it('refuses a unit outside the registry, and a registered one that does not fit, naming the units that would', () => {
    const kpa = rejected(run(topic('gas-pressure', 'gp-1'), [{ n: 'pressure', u: 'kPa', v: 2.5 }]));
    expect(kpa.reason).toBe('senml-unsupported');
    expect(kpa.detail).toContain('unit "kPa" is not in the SenML units registry');
    expect(kpa.detail).toContain('"Pa", "hPa"');
    const cel = rejected(run(topic('gas-pressure', 'gp-1'), [{ bu: 'Cel', n: 'pressure', v: 2.5 }]));
    expect(cel.detail).toContain('unit "Cel" cannot be converted to kPa');
    const th = rejected(run(topic('heat-substation', 'hs-1'), [{ n: 'flow', u: 'kg', v: 2.5 }]));
    expect(th.detail).toContain('takes records without a unit only');
  });

  it('has a conversion for every unit of the catalog but t/h, for which the registries have no unit', () => {
    const units = new Set(DEVICE_KINDS.flatMap((k) => Object.values(k.metrics).map((m) => m.unit)));
    expect([...units].filter((u) => !CONVERTIBLE_CATALOG_UNITS.includes(u))).toEqual(['t/h']);
    expect(convertSenmlUnit(300, 'K', '°C')).toEqual({ ok: true, value: 26.85 });
  });
});

describe('what RFC 8428 says must be an error', () => {
  const t = topic('water-pressure', 'wp-1');
  it.each([
    ['a version above 10 (§4.4)', [{ bver: 11, n: 'pressure', v: 3.9 }], 'bver 11'],
    ['two versions in one pack (§4.4)', [{ n: 'pressure', v: 3.9 }, { bver: 9, n: 'flow', v: 10 }], 'differs from the pack\'s version 10'],
    ['a must-understand label (§4.4)', [{ n: 'pressure', v: 3.9, crc_: 7 }], 'label "crc_"'],
    ['a name that does not start with a letter or digit (§4.5.1)', [{ n: '_pressure', v: 3.9 }], 'name "_pressure"'],
    ['a name with a character outside §4.5.1', [{ bn: 'wp 1:', n: 'pressure', v: 3.9 }], 'name "wp 1:pressure"'],
    ['an empty name', [{ v: 3.9 }], 'name ""'],
    ['two value fields (§4.2)', [{ n: 'pressure', v: 3.9, vs: 'high' }], 'v and vs both given'],
    ['no value and no sum (§4.2)', [{ n: 'pressure', t: -1 }], 'no value'],
    ['a value of the wrong JSON type', [{ n: 'pressure', v: '3.9' }], 'v must be a JSON number'],
    ['a record that is not an object', [{ n: 'pressure', v: 3.9 }, 7], 'must be a JSON object'],
    ['base fields and nothing else', [{ bn: 'wp-1:' }], 'base fields only'],
  ])('refuses %s', (_what, pack, detail) => {
    const r = rejected(run(t, pack));
    expect(r.reason).toBe('senml-invalid');
    expect(r.detail).toContain(detail);
  });

  it('ignores labels it does not know that do not end in "_" (§4.4)', () => {
    expect(readings(run(t, [{ n: 'pressure', v: 3.9, vendorNote: 'x' }]))).toEqual([{ ts: now, metrics: { pressure: 3.9 } }]);
  });

  it('accepts a name ending in "_": §4.5.1 allows "_" anywhere but first (the metric is then unknown)', () => {
    const r = rejected(run(t, [{ n: 'pressure_', v: 3.9 }]));
    expect(r.reason).toBe('schema-mismatch');
    expect(r.detail).toContain('"pressure_" is not a metric of water-pressure');
  });
});

describe('one device, one value per metric and time', () => {
  const t = topic('water-pressure', 'wp-1');
  it('takes names that are the metric, or the topic\'s device id and the metric', () => {
    for (const n of ['pressure', 'wp-1:pressure', 'wp-1/pressure', 'urn:dev:mac:wp-1:pressure', 'city/temirtau/wp-1/pressure']) {
      expect(readings(run(t, [{ n, v: 3.9 }])), n).toEqual([{ ts: now, metrics: { pressure: 3.9 } }]);
    }
  });

  it('refuses a pack naming another device than the topic\'s', () => {
    const r = rejected(run(t, [{ bn: 'wp-2:', n: 'pressure', v: 3.9 }]));
    expect(r).toEqual({ reason: 'senml-conflict', detail: expect.stringContaining('names device "wp-2", but the topic is device "wp-1"') });
    expect(rejected(run(t, [{ n: 'a:wp-1:pressure', v: 3.9 }, { n: 'b:wp-1:flow', v: 3.9 }])).reason).toBe('senml-conflict');
  });

  it('refuses two values for one metric at one time instead of keeping the last', () => {
    const r = rejected(run(t, [{ n: 'pressure', v: 3.9 }, { n: 'pressure', v: 1.2 }]));
    expect(r).toEqual({ reason: 'senml-conflict', detail: expect.stringContaining('two values for pressure at 2026-11-22T12:00:00.000Z (3.9 and 1.2)') });
  });
});
