// /metrics as Prometheus reads it: promtool lints every scrape, label values come back
// exactly as given (the text exposition format's escaping), the runtime and build-info
// series are there, and ingest counts accepted and rejected in readings.
import fc from 'fast-check';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../devices/index.ts';
import { PlatformMetrics, SERIES, qalaVersion } from '../../../services/api/metrics.ts';
import type { Bus } from '../../../services/bus/bus.ts';
import { EventBus } from '../../../services/events.ts';
import { Ingest } from '../../../services/ingest/ingest.ts';
import { createLogger } from '../../../services/log.ts';
import { PROMTOOL_MISSING, checkMetrics, promtool } from '../../helpers/promtool.ts';

const log = createLogger('silent', 'json');
const started: PlatformMetrics[] = [];
afterEach(() => {
  for (const m of started.splice(0)) m.stop();
});

function metricsOf(health: () => Record<string, unknown>): PlatformMetrics {
  const m = new PlatformMetrics({ health, version: qalaVersion() });
  m.start();
  started.push(m);
  return m;
}

/**
 * A sample line read as the text exposition format defines it: `name{label="value",...} number`,
 * where a label value escapes backslash, double quote and line feed as \\, \" and \n
 * (Prometheus "Exposition formats", text format details).
 */
function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/s.exec(line);
  if (!m) throw new Error(`not a sample line: ${line}`);
  const labels: Record<string, string> = {};
  const body = m[2] ?? '';
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('="', i);
    const name = body.slice(i, eq);
    let value = '';
    let j = eq + 2;
    for (; body[j] !== '"'; j++) {
      if (j >= body.length) throw new Error(`unterminated label value in ${line}`);
      if (body[j] === '\\') {
        const next = body[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape \\${next} in ${line}`);
      } else value += body[j];
    }
    labels[name] = value;
    i = j + 1 + (body[j + 1] === ',' ? 1 : 0);
  }
  return { name: m[1]!, labels, value: Number(m[3]) };
}

const samples = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map(parseSample);

const full = {
  ingest: { accepted: 7, messages: { readings: 3, status: 1, ignored: 0, rejected: 2 }, rejectedReadings: { 'bad-json': 1, 'schema-mismatch': 4 } },
  store: { written: 7, pending: 0, failures: 0 },
  spool: { segments: 1 },
  broker: { clients: 3, refusedReserved: 0 },
  rules: { rules: 12, evaluations: 40 },
  incidents: { open: 2, acknowledged: 1, resolved: 5 },
  outbox: { pending: 0, delivered: 4 },
  live: { clients: 1, skippedSlow: 0 },
  devices: 90,
};

describe('/metrics', () => {
  it.skipIf(!promtool())(`passes promtool check metrics with every series filled (skipped when ${PROMTOOL_MISSING})`, async () => {
    const text = await metricsOf(() => full).scrape();
    const r = checkMetrics(text);
    expect(r.parsed, r.output).toBe(true);
    expect(r.problems).toEqual([]);
    for (const s of SERIES) expect(text).toContain(`# TYPE ${s.name} ${s.type}`);
  });

  it.skipIf(!promtool())(`escapes label values so that promtool reads any string (skipped when ${PROMTOOL_MISSING})`, async () => {
    const states = ['a"b', 'back\\slash', 'line\nfeed', '\\n', '"\\\n"', 'тревога', '{x="y"}', ' '];
    const text = await metricsOf(() => ({ incidents: Object.fromEntries(states.map((s, i) => [s, i])) })).scrape();
    const r = checkMetrics(text);
    expect(r.parsed, r.output).toBe(true);
    expect(r.problems).toEqual([]);
    expect(text).toContain('qala_incidents{state="a\\"b"} 0');
    expect(text).toContain('qala_incidents{state="back\\\\slash"} 1');
    expect(text).toContain('qala_incidents{state="line\\nfeed"} 2');
  });

  it('gives back every label value exactly, whatever it holds', async () => {
    let current: Record<string, number> = {};
    const metrics = metricsOf(() => ({ incidents: current }));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 8 }), async (states) => {
        current = Object.fromEntries(states.map((s, i) => [s, i]));
        const got = samples(await metrics.scrape()).filter((s) => s.name === 'qala_incidents');
        expect(Object.fromEntries(got.map((s) => [s.labels.state!, s.value]))).toEqual(current);
      }),
      { numRuns: 100 },
    );
  });

  it('adds the process and Node.js runtime series and qala_build_info', async () => {
    const text = await metricsOf(() => ({})).scrape();
    const names = new Set(samples(text).map((s) => s.name));
    for (const n of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
      expect(names, n).toContain(n);
    }
    const info = samples(text).filter((s) => s.name === 'qala_build_info');
    expect(info).toEqual([{ name: 'qala_build_info', labels: { version: qalaVersion(), node: process.versions.node }, value: 1 }]);
    expect(qalaVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('writes no sample for a figure this setup lacks, and a 0 that is reported', async () => {
    const text = await metricsOf(() => ({ broker: { external: 'mqtt://x', refusedReserved: 0 } })).scrape();
    const qala = samples(text).filter((s) => s.name.startsWith('qala_') && s.name !== 'qala_build_info');
    expect(qala).toEqual([{ name: 'qala_broker_refused_reserved_total', labels: {}, value: 0 }]);
    expect(text).toContain('# TYPE qala_broker_clients gauge');
  });

  it('keeps each platform in its own registry, never the global one', async () => {
    const a = metricsOf(() => ({ devices: 1 }));
    const b = metricsOf(() => ({ devices: 2 }));
    expect(samples(await a.scrape()).find((s) => s.name === 'qala_devices')?.value).toBe(1);
    expect(samples(await b.scrape()).find((s) => s.name === 'qala_devices')?.value).toBe(2);
    expect(globalRegistry.getSingleMetric('qala_devices')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('counts accepted and rejected in readings, and messages apart', async () => {
    const bus: Bus = { subscribe: async () => async () => undefined, publish: async () => undefined };
    const now = Date.parse('2026-01-15T09:00:00Z');
    const ingest = new Ingest({ town: 'temirtau', bus, events: new EventBus(log), registry: new DeviceRegistry(), maxPayloadBytes: 65_536, now: () => now, log });
    const topic = 'city/temirtau/utilities/old-town/water-pressure/wp-1/telemetry';
    const s = now / 1000;
    // SenML packs (RFC 8428): three readings at three times, then three more with one pressure not a number
    ingest.handle({ topic, payload: Buffer.from(JSON.stringify([{ bn: 'wp-1:', bt: s, n: 'pressure', v: 3.1 }, { n: 'pressure', t: 60, v: 3.2 }, { n: 'pressure', t: 120, v: 3.3 }])) });
    ingest.handle({ topic, payload: Buffer.from(JSON.stringify([{ bn: 'wp-1:', bt: s, n: 'pressure', v: 3.1 }, { n: 'pressure', t: 60, v: 3.2 }, { n: 'pressure', t: 120, v: -1e9 }])) });
    ingest.handle({ topic, payload: Buffer.from('{"ts": 1, "metrics": {') });
    const text = await metricsOf(() => ({ ingest: ingest.stats() })).scrape();
    const value = (name: string, labels: Record<string, string> = {}) => samples(text).find((x) => x.name === name && JSON.stringify(x.labels) === JSON.stringify(labels))?.value;
    expect(value('qala_ingest_accepted_total')).toBe(3);
    expect(value('qala_ingest_rejected_total', { reason: 'schema-mismatch' })).toBe(3);
    expect(value('qala_ingest_rejected_total', { reason: 'bad-json' })).toBe(1);
    expect(value('qala_ingest_messages_total', { outcome: 'readings' })).toBe(1);
    expect(value('qala_ingest_messages_total', { outcome: 'rejected' })).toBe(2);
  });
});
