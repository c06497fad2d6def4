// The README tells the truth: its tables are generated from the code, and every JSON
// example of an MQTT message is what the code publishes for the same input.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, kindsTable, readingSchemaFor, statusPayload, DEVICE_KINDS } from '../../devices/index.ts';
import { PlatformMetrics, qalaVersion } from '../../services/api/metrics.ts';
import type { Bus, PublishOptions } from '../../services/bus/bus.ts';
import { configTable } from '../../services/config.ts';
import { REJECT_CODES, type Incident, type RuleSignal } from '../../services/contracts/index.ts';
import { EventBus } from '../../services/events.ts';
import { IncidentManager } from '../../services/incidents/incidents.ts';
import { Notifier } from '../../services/incidents/notifier.ts';
import { defaultRoutes } from '../../services/incidents/routing.ts';
import { classify } from '../../services/ingest/classify.ts';
import { Ingest } from '../../services/ingest/ingest.ts';
import { createLogger } from '../../services/log.ts';
import { Feed, type SimMessage } from '../../simulator/feed.ts';
import { LAST_WILL } from '../../simulator/fleet.ts';
import { loadScenario } from '../../simulator/scenario.ts';
import { ASSUMED_DENSITY, ASSUMED_PLANT_SHARE, HOUSEHOLD_SIZE_2021, townsTable } from '../../simulator/town-scenario.ts';
import { TOWNS } from '../../simulator/towns.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const log = createLogger('silent', 'json');

/** The markdown between a heading and the next heading of the same or a higher level. */
function section(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no "${heading}" heading`);
  const level = /^#+/.exec(heading)![0];
  const rest = readme.slice(at + heading.length + 2);
  const next = rest.search(new RegExp(`^#{1,${level.length}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

const messages = () => section('### MQTT messages');
/** The section's prose on one line, so a sentence matches however it is wrapped. */
const prose = () => messages().replace(/\s+/g, ' ');

/** The JSON code block that follows a bold label such as **Incident** (the n-th after it). */
function example(label: string, n = 0): Record<string, unknown> {
  const text = messages();
  const at = text.indexOf(`**${label}**`);
  if (at < 0) throw new Error(`README's MQTT messages section has no **${label}**`);
  const blocks = [...text.slice(at).matchAll(/```json\n([\s\S]*?)```/g)];
  const block = blocks[n]?.[1];
  if (block === undefined) throw new Error(`no JSON example #${n + 1} after **${label}**`);
  return JSON.parse(block) as Record<string, unknown>;
}

/** Keys and JSON types, so two messages compare by shape: {ts: 'number', metrics: 'object'}. */
const shape = (o: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]));

/** A bus that records what is published; nothing in these tests subscribes. */
function recordingBus() {
  const published: (PublishOptions & { topic: string; payload: string })[] = [];
  const bus: Bus = {
    subscribe: async () => async () => undefined,
    async publish(topic, payload, options = {}) {
      published.push({ topic, payload: payload.toString(), ...options });
    },
  };
  return { bus, published };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A simulated Temirtau hour with a power outage in the Old Town at +10 min, so devices go silent and return. */
function simulatedHour(): SimMessage[] {
  const temirtau = loadScenario('temirtau');
  const scenario = { ...temirtau, faults: [{ at: '+10m', kind: 'power-feeder-outage', target: 'old-town', duration: 1_800_000 }] };
  const start = Date.parse('2026-01-15T09:00:00+05:00');
  return [...new Feed({ scenario, town: 'temirtau', seed: 42, start, intervalMs: 60_000, durationMs: 3_600_000, scale: 1, faultRate: 0 }).messages()];
}

describe('README', () => {
  it('carries the configuration table the code has', () => {
    expect(readme).toContain(configTable());
  });

  it('lists the 27 built-in towns as the data table has them', () => {
    expect(readme).toContain(townsTable(TOWNS));
    // the assumptions behind the † figures, as the generator computes them
    const prose = readme.replace(/\s+/g, ' ');
    expect(prose).toContain(`about ${Math.round(ASSUMED_DENSITY)} residents per km²`);
    expect(prose).toContain(`(about ${Math.round(ASSUMED_PLANT_SHARE * 100)} %)`);
    expect(prose).toContain(`household size** ${HOUSEHOLD_SIZE_2021},`);
  });

  it('carries the device kinds table generated from the catalog', () => {
    const table = kindsTable();
    // every kind and every metric is in the generated table, the heating substation's outdoorTemp included
    for (const k of DEVICE_KINDS) for (const m of Object.keys(k.metrics)) expect(table).toMatch(new RegExp(`\`${k.id}\`.*\`${m}\``));
    expect(readme.includes(table), `README's "Device kinds" table differs from devices/catalog.ts; replace it with:\n\n${table}\n`).toBe(true);
  });

  /** One scrape of a /metrics registry over these /health figures. */
  async function scrape(health: Record<string, unknown>): Promise<string> {
    const metrics = new PlatformMetrics({ health: () => health, version: qalaVersion() });
    metrics.start();
    try {
      return await metrics.scrape();
    } finally {
      metrics.stop();
    }
  }

  it('lists exactly the qala_ series /metrics exposes, with their types, and names the runtime ones', async () => {
    // HELP and TYPE lines come out even without figures, so an empty health names every series
    const text = await scrape({});
    const help = [...text.matchAll(/^# HELP (qala_\S+) (.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const type = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(help.length).toBeGreaterThan(10);
    const table = ['| series | type | what |', '|---|---|---|', ...help.map(([name, h]) => `| \`${name}\` | ${type.get(name)} | ${h} |`)].join('\n');
    expect(readme.includes(table), `README's /metrics table differs from services/api/metrics.ts; replace it with:\n\n${table}\n`).toBe(true);
    // a qala_ series without a figure keeps its HELP and TYPE lines and has no sample (build info aside)
    expect(text.split('\n').filter((l) => l.startsWith('qala_') && !l.startsWith('qala_build_info'))).toEqual([]);
    // the runtime series the README names are ones prom-client writes
    const named = [...section('### /metrics').matchAll(/`((?:process|nodejs)_[a-z_]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(2);
    for (const n of named) expect(text, n).toMatch(new RegExp(`^# TYPE ${n} `, 'm'));
  });

  it('shows /metrics samples as the code writes them', async () => {
    const text = await scrape({ ingest: { accepted: 1, rejectedReadings: { 'bad-json': 3 }, messages: { readings: 1, rejected: 3 } }, incidents: { open: 2 } });
    const samples = [...section('### /metrics').matchAll(/^(qala_\S+\{[^}]*\} \d+)$/gm)].map((m) => m[1]!);
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) expect(text.split('\n')).toContain(s);
  });
});

describe('README MQTT messages', () => {
  let hour: SimMessage[] | undefined; // simulated once, by the first test that needs it
  const simulated = () => (hour ??= simulatedHour());
  const payloads = (type: SimMessage['type']) => simulated().filter((m) => m.type === type).map((m) => JSON.parse(m.payload) as Record<string, unknown>);

  it('documents a telemetry payload that the kind accepts, shaped as the simulator sends it', () => {
    const doc = example('Telemetry');
    const waterPressure = DEVICE_KINDS.find((k) => k.id === 'water-pressure')!;
    expect(readingSchemaFor(waterPressure).safeParse(doc).success).toBe(true);
    const sent = payloads('telemetry');
    expect(sent.length).toBeGreaterThan(1000);
    for (const p of sent) expect(shape(p)).toEqual(shape(doc));
  });

  it('documents a SenML pack whose readings are the ones the prose names', () => {
    const pack = example('SenML') as unknown as unknown[];
    expect(Array.isArray(pack)).toBe(true);
    const r = classify('city/temirtau/utilities/old-town/power-feeder/pf-001/telemetry', Buffer.from(JSON.stringify(pack)), {
      town: 'temirtau', registry: new DeviceRegistry(), maxPayloadBytes: 64 * 1024, receivedAt: 1768449600000 + 120_000,
    });
    expect(r.type === 'readings' && r.readings.map((x) => ({ ts: x.ts, metrics: x.metrics }))).toEqual([
      { ts: 1768449600000, metrics: { voltage: 227 } },
      { ts: 1768449660000, metrics: { voltage: 229, load: 64 } },
    ]);
    expect(prose()).toContain('227 V at 1768449600000, and 229 V with a load of 64 % a minute later');
    for (const reason of ['senml-invalid', 'senml-unsupported', 'senml-conflict']) expect(prose()).toContain(`(\`${reason}\``);
  });

  it('documents every status shape a device sends, and only those', () => {
    const docs = [example('Status', 0), example('Status', 1), example('Status', 2), example('Status', 3)];
    for (const d of docs) expect(statusPayload.safeParse(d).success, JSON.stringify(d)).toBe(true);
    const docShapes = docs.map((d) => JSON.stringify(Object.keys(d)));
    const sentShapes = new Set(payloads('status').map((p) => JSON.stringify(Object.keys(p))));
    // birth with location, back online or silenced with a time; the last will comes from the fleet
    // and a lift's birth with its registry attributes
    expect([...sentShapes].sort()).toEqual([docShapes[0], docShapes[1], docShapes[3]].sort());
    expect(docs[2]).toEqual(JSON.parse(LAST_WILL));
    expect(payloads('status').some((p) => p.state === 'offline')).toBe(true);
  });

  it('documents the sim/faults ground truth as the simulator publishes it', () => {
    const doc = example('Simulator ground truth');
    const sent = payloads('fault');
    expect(sent.map((p) => p.event)).toEqual(['started', 'ended']);
    for (const p of sent) expect(shape(p)).toEqual(shape(doc));
    expect(simulated().filter((m) => m.type === 'fault').every((m) => m.topic === 'city/temirtau/sim/faults' && !m.retain)).toBe(true);
  });

  it('documents the dead letter ingest publishes for the same rejected message', async () => {
    const doc = example('Dead letter') as { topic: string; payload: string; receivedAt: number };
    const { bus, published } = recordingBus();
    const ingest = new Ingest({ town: 'temirtau', bus, events: new EventBus(log), registry: new DeviceRegistry(), maxPayloadBytes: 65_536, now: () => doc.receivedAt, log });
    const message = { topic: doc.topic, payload: Buffer.from(doc.payload), retain: false, qos: 1 as const };
    ingest.handle(message, doc.receivedAt);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ topic: 'city/temirtau/deadletter', qos: 1 });
    expect(published[0]!.retain).toBeFalsy();
    expect(JSON.parse(published[0]!.payload)).toEqual(doc);
    // the reasons listed in the text are the ones ingest has
    const listed = /`reason` \(([^)]*)\)/.exec(prose())?.[1]?.match(/`[^`]+`/g)?.map((r) => r.slice(1, -1));
    expect(listed?.sort()).toEqual(Object.keys(REJECT_CODES).sort());
  });

  it('documents the incident message the notifier publishes for the same incident', async () => {
    const doc = example('Incident') as { event: string; incident: Incident };
    const inc = doc.incident;
    const { bus, published } = recordingBus();
    const dataDir = mkdtempSync(join(tmpdir(), 'qala-readme-'));
    dirs.push(dataDir);
    let now = inc.openedAt;
    const events = new EventBus(log);
    const incidents = new IncidentManager({ dataDir, clock: { now: () => (now += 60_000) }, events });
    const notifier = new Notifier({ town: 'temirtau', bus, routes: defaultRoutes(), outbox: { enqueue: () => { throw new Error('the default routes have no webhook'); } }, events, unresolved: () => [], log });
    await incidents.start();
    await notifier.start();
    const signal = (type: RuleSignal['type'], asset: string, autoResolve: boolean): RuleSignal => ({
      type, ruleId: inc.ruleId, title: inc.title, severity: inc.severity, autoResolve, asset, district: inc.district, subsystem: inc.subsystem,
      utility: inc.utility, kind: inc.kind, devices: inc.devices, evidence: inc.evidence, at: inc.openedAt, flaps: inc.flaps,
    });
    events.emit('ruleSignalled', signal('raised', inc.asset, false));
    await Promise.resolve();
    const topic = `city/temirtau/incidents/${inc.utility}/${inc.id}`;
    expect(published[0]).toMatchObject({ topic, qos: 1, retain: true });
    expect(JSON.parse(published[0]!.payload)).toEqual(doc);

    // every event the text lists is one the notifier sends, and the other way round
    events.emit('ruleSignalled', signal('repeated', inc.asset, false));
    events.emit('ruleSignalled', signal('cleared', inc.asset, false));
    incidents.acknowledge(inc.id, 'Aigerim', 'crew dispatched');
    incidents.resolve(inc.id, 'Aigerim', 'valve replaced');
    events.emit('ruleSignalled', signal('raised', 'another-asset', true));
    events.emit('ruleSignalled', signal('cleared', 'another-asset', true));
    await new Promise((r) => setImmediate(r));
    await notifier.stop();
    await incidents.stop();
    const sent = new Set(published.filter((p) => p.payload).map((p) => (JSON.parse(p.payload) as { event: string }).event));
    const listed = /`event` is `incident\.` followed by the change's action: ([^.]*)\./.exec(prose())?.[1]?.match(/`[^`]+`/g)?.map((e) => `incident.${e.slice(1, -1)}`);
    expect(listed?.sort()).toEqual([...sent].sort());
    // resolved: the last word once more, not retained, then the retained copy cleared
    const onTopic = published.filter((p) => p.topic === topic);
    expect(onTopic.slice(-2).map((p) => [JSON.parse(p.payload || 'null')?.event ?? '', Boolean(p.retain)])).toEqual([
      ['incident.resolved', false],
      ['', true],
    ]);
  });
});
