// The deterministic feed: every message a simulated town sends, in order, as a pure
// function of (scenario, seed, start, interval, duration, scale, fault rate). The
// fleet paces it onto MQTT; `qala rules test` and the tests consume it directly.
// Births, readings, faults' effects, silenced devices and the ground truth of every
// fault are all in the sequence, so the same inputs give the same bytes.
import { parseDuration, simFaultsTopic, statusTopic, telemetryTopic, type DeviceAddress } from '../devices/index.ts';
import { KARAGANDA, conditionsAt } from './environment.ts';
import { FieldEffects, type HardCase } from './field.ts';
import { FAULT_KINDS, wearFactor, type FaultEnv, type FaultKind, type FaultRole } from './fault-kinds.ts';
import { birthAttributes, roomSession } from './models-city.ts';
import { step, type ModelState } from './models.ts';
import { deviceRandom, hashString, mulberry32, type Random } from './rng.ts';
import { distanceKm, inventory, type Scenario, type SimDevice } from './scenario.ts';

export interface FeedOptions {
  scenario: Scenario;
  town: string;
  seed: number;
  /** simulated start, ms since epoch */
  start: number;
  /** simulated ms between two readings of a device */
  intervalMs: number;
  /** simulated duration; endless when absent */
  durationMs?: number;
  scale: number;
  /** multiplies every random fault rate (0 turns random faults off) */
  faultRate: number;
  /** multiplies the field's hard cases (spikes, gaps, duplicates, back-fill, skew...; simulator/field.ts); 0 or absent: a clean feed */
  hardCases?: number;
  /** faults (random, and scheduled "+offset" ones) begin here rather than at `start`: a warm-up that gives rules their history */
  faultsFrom?: number;
  /** random faults begin before this, not after (a cool-down at the end, so every fault has time to be seen); the run's end when absent */
  faultsUntil?: number;
}

export interface SimMessage {
  at: number;
  topic: string;
  payload: string;
  retain: boolean;
  /** the device whose connection should carry it; absent for platform-side messages */
  deviceId?: string;
  type: 'status' | 'telemetry' | 'fault';
}

/** Ground truth of one injected fault, as published on city/<town>/sim/faults. */
export interface FaultRecord {
  id: string;
  kind: string;
  utility: string;
  district: string;
  target: string;
  /** devices whose signals carry the fault */
  devices: string[];
  /** devices that went silent */
  silenced: string[];
  /** of `devices`, the buildings the target feeds (schools on a failed substation); absent when none */
  dependents?: string[];
  start: number;
  end: number;
  severity: number;
  scheduled: boolean;
}

interface Running {
  device: SimDevice;
  address: DeviceAddress;
  topic: string;
  rng: Random;
  state: ModelState;
  phase: number;
  seq: number;
}

interface FaultEvent {
  at: number;
  type: 'start' | 'end';
  fault: FaultRecord;
}

export interface FeedStats {
  messages: number;
  readings: number;
  faults: number;
  simTime: number;
}

export class Feed {
  readonly devices: SimDevice[];
  readonly #o: FeedOptions;
  readonly #running: Running[];
  readonly #byKind = new Map<string, Running[]>();
  readonly #byId = new Map<string, Running>();
  readonly #events: FaultEvent[] = [];
  readonly #nextRandom = new Map<string, number>();
  readonly #faultRng: Random;
  /** streams of the fault kinds that draw on their own (`ownStream`) */
  readonly #ownRng = new Map<string, Random>();
  /** deviceId → active faults with the device's role in each */
  readonly #active = new Map<string, { fault: FaultRecord; role: FaultRole; spec: FaultKind }[]>();
  readonly #silenced = new Map<string, number>();
  readonly #injected: FaultRecord[] = [];
  readonly #stats: FeedStats = { messages: 0, readings: 0, faults: 0, simTime: 0 };
  #faultSeq = 0;
  readonly #field: FieldEffects | undefined;
  #plannedCase = 0;

  constructor(options: FeedOptions) {
    this.#o = options;
    this.devices = inventory(options.scenario, { scale: options.scale, seed: options.seed });
    this.#running = this.devices
      .map((device) => {
        const address: DeviceAddress = { town: options.town, subsystem: device.subsystem, district: device.district, kind: device.kind.id, deviceId: device.deviceId };
        const rng = deviceRandom(options.seed, device.deviceId);
        return { device, address, topic: telemetryTopic(address), rng, state: {}, phase: Math.floor(rng.next() * options.intervalMs), seq: 0 };
      })
      .sort((a, b) => a.phase - b.phase || (a.device.deviceId < b.device.deviceId ? -1 : 1));
    for (const r of this.#running) {
      this.#byId.set(r.device.deviceId, r);
      const list = this.#byKind.get(r.device.kind.id) ?? [];
      list.push(r);
      this.#byKind.set(r.device.kind.id, list);
    }
    if ((options.hardCases ?? 0) > 0) {
      const end = options.durationMs === undefined ? options.start + 7 * 86_400_000 : options.start + options.durationMs;
      this.#field = new FieldEffects({ seed: options.seed, start: options.start, end, intervalMs: options.intervalMs, devices: this.devices, rate: options.hardCases! });
    }
    this.#faultRng = mulberry32((options.seed ^ hashString('faults')) >>> 0);
    for (const f of options.scenario.faults) this.#scheduleFromScenario(f);
    for (const kind of Object.keys(FAULT_KINDS)) this.#planNextRandom(kind, options.faultsFrom ?? options.start);
  }

  get stats(): FeedStats {
    return { ...this.#stats };
  }

  /** Every fault injected so far, in start order. */
  get faults(): readonly FaultRecord[] {
    return this.#injected;
  }

  /** Ground truth of the hard cases so far (nothing in them is a fault). */
  get hardCases(): readonly HardCase[] {
    return this.#field?.cases ?? [];
  }

  get end(): number {
    return this.#o.durationMs === undefined ? Infinity : this.#o.start + this.#o.durationMs;
  }

  /**
   * How many random faults of `kind` a finite run should draw on average (NaN for an
   * endless feed): the kind's rate over its targets, times the fault rate, over the
   * time random faults may begin in, counting only the time the kind can strike (the
   * heating season, school hours; sampled every 5 minutes). About: a draw that finds
   * every target busy or unpowered strikes nothing. `qala rules test` prints it beside
   * what was drawn, so a kind too rare for the run's size shows as such rather than as
   * a blank row: a quarter of Temirtau holds 13 substations, about 1.4 heating
   * failures a winter day at fault rate 50.
   */
  expectedFaults(kind: string): number {
    const spec = FAULT_KINDS[kind];
    if (!spec) return 0;
    const from = this.#o.faultsFrom ?? this.#o.start;
    const until = Math.min(this.end, this.#o.faultsUntil ?? Infinity);
    if (!Number.isFinite(until)) return Number.NaN;
    const { scenario } = this.#o;
    const STEP = 5 * 60_000;
    let open = 0;
    for (let t = from; t < until; t += STEP) {
      const span = Math.min(STEP, until - t);
      const c = conditionsAt(t + span / 2, scenario.utcOffsetMinutes, scenario.climate ?? KARAGANDA);
      if (spec.season === 'heating' && !c.heatingSeason) continue;
      if (spec.during === 'school-hours' && roomSession(spec.targetKind, c) === 'closed') continue;
      open += span;
    }
    return (this.#perHour(spec) * open) / 3_600_000;
  }

  /** random faults of a kind per simulated hour over the whole town */
  #perHour(spec: FaultKind): number {
    const targets = this.#byKind.get(spec.targetKind)?.length ?? 0;
    const wear = spec.network ? this.#o.scenario.networkWear[spec.network] : 0.3;
    return (targets * spec.ratePerYear * wearFactor(wear) * this.#o.faultRate) / 8760;
  }

  *messages(): Generator<SimMessage> {
    const { start, intervalMs, scenario } = this.#o;
    const end = this.end;
    for (const r of this.#running) {
      const location = r.device.position.map((x) => Math.round(x * 1e5) / 1e5);
      const attributes = birthAttributes(r.device.kind.id, mulberry32((this.#o.seed ^ hashString(`attributes:${r.device.deviceId}`)) >>> 0));
      yield this.#count({ at: start, topic: statusTopic(r.address), payload: JSON.stringify({ state: 'online', ts: start, location, ...(attributes ? { attributes } : {}) }), retain: true, deviceId: r.device.deviceId, type: 'status' });
    }
    for (let tick = 0; ; tick++) {
      const tickStart = start + tick * intervalMs;
      for (const r of this.#running) {
        const t = tickStart + r.phase;
        if (t >= end) {
          yield* this.#faultEventsUntil(end, true);
          yield* this.#due(end - 1);
          return;
        }
        yield* this.#faultEventsUntil(t, false);
        if (this.#isDue(t)) yield* this.#due(t);
        this.#stats.simTime = t;
        if (this.#silenced.has(r.device.deviceId)) continue;
        const metrics = step(r.device, scenario, t, intervalMs, r.rng, r.state);
        const active = this.#active.get(r.device.deviceId);
        if (active) {
          let env: FaultEnv | undefined;
          for (const a of active) {
            if (a.role !== 'dependent' && !a.spec.needsEnv) a.spec.effect(metrics, a.role, t - a.fault.start, a.fault.severity);
            else {
              env ??= { outdoorTemp: conditionsAt(t, scenario.utcOffsetMinutes, scenario.climate ?? KARAGANDA).outdoorTemp };
              if (a.role === 'dependent') a.spec.dependents?.effect(metrics, t - a.fault.start, a.fault.severity, env);
              else a.spec.effect(metrics, a.role, t - a.fault.start, a.fault.severity, env);
            }
          }
        }
        const field = this.#field;
        if (!field) {
          this.#stats.readings++;
          yield this.#count({ at: t, topic: r.topic, payload: JSON.stringify({ ts: t, metrics, seq: r.seq++ }), retain: false, deviceId: r.device.deviceId, type: 'telemetry' });
          continue;
        }
        const sent = field.shape(r.device, t, metrics);
        if (sent) {
          this.#stats.readings++;
          field.send({ at: t, deviceId: r.device.deviceId, topic: r.topic, payload: JSON.stringify({ ts: field.deviceTime(r.device.deviceId, t), metrics: sent, seq: r.seq++ }) }, t);
        }
        for (const c of field.takeFresh()) yield this.#hardCase(c, t);
        if (this.#isDue(t)) yield* this.#due(t);
      }
    }
  }

  /** Field messages due by `t` and hard cases that began by then, in time order. */
  #isDue(t: number): boolean {
    const field = this.#field;
    return field !== undefined && (field.nextDue <= t || (field.planned[this.#plannedCase]?.start ?? Infinity) <= t);
  }

  *#due(t: number): Generator<SimMessage> {
    const field = this.#field;
    if (!field) return;
    for (;;) {
      const c = field.planned[this.#plannedCase];
      if (!c || c.start > t) break;
      this.#plannedCase++;
      yield* this.#flush(field, c.start);
      yield this.#hardCase(c, Math.max(c.start, this.#o.start));
    }
    yield* this.#flush(field, t);
  }

  *#flush(field: FieldEffects, t: number): Generator<SimMessage> {
    for (const m of field.due(t)) yield this.#count({ at: m.at, topic: m.topic, payload: m.payload, retain: false, deviceId: m.deviceId, type: 'telemetry' });
  }

  #hardCase(c: HardCase, at: number): SimMessage {
    return this.#count({ at, topic: simFaultsTopic(this.#o.town), payload: JSON.stringify({ event: 'hard-case', ...c }), retain: false, type: 'fault' });
  }

  #count(m: SimMessage): SimMessage {
    this.#stats.messages++;
    return m;
  }

  *#faultEventsUntil(t: number, final: boolean): Generator<SimMessage> {
    for (;;) {
      // random faults due by t join the schedule first, so their start is in order
      for (const [kind, at] of this.#nextRandom) {
        if (at <= t && at < Math.min(this.end, this.#o.faultsUntil ?? Infinity)) {
          this.#injectRandom(kind, at);
          this.#planNextRandom(kind, at);
        }
      }
      const next = this.#events[0];
      if (!next || next.at > t || (final && next.type === 'start' && next.at >= this.end)) return;
      this.#events.shift();
      if (this.#isDue(next.at)) yield* this.#due(next.at);
      yield* this.#apply(next);
    }
  }

  *#apply(e: FaultEvent): Generator<SimMessage> {
    const f = e.fault;
    const spec = FAULT_KINDS[f.kind]!;
    const topic = simFaultsTopic(this.#o.town);
    if (e.type === 'start') {
      this.#stats.faults++;
      this.#injected.push(f);
      f.devices.forEach((id, i) => {
        const list = this.#active.get(id) ?? [];
        list.push({ fault: f, role: i === 0 ? 'target' : f.dependents?.includes(id) ? 'dependent' : 'neighbour', spec });
        this.#active.set(id, list);
      });
      yield this.#count({ at: e.at, topic, payload: JSON.stringify({ event: 'started', ...f }), retain: false, type: 'fault' });
      for (const id of f.silenced) {
        const n = this.#silenced.get(id) ?? 0;
        this.#silenced.set(id, n + 1);
        if (n === 0) yield this.#status(id, 'offline', e.at);
      }
    } else {
      for (const id of f.devices) {
        const list = (this.#active.get(id) ?? []).filter((a) => a.fault !== f);
        if (list.length) this.#active.set(id, list);
        else this.#active.delete(id);
      }
      for (const id of f.silenced) {
        const n = (this.#silenced.get(id) ?? 1) - 1;
        if (n > 0) this.#silenced.set(id, n);
        else {
          this.#silenced.delete(id);
          yield this.#status(id, 'online', e.at);
        }
      }
      yield this.#count({ at: e.at, topic, payload: JSON.stringify({ event: 'ended', ...f }), retain: false, type: 'fault' });
    }
  }

  #status(deviceId: string, state: 'online' | 'offline', at: number): SimMessage {
    const r = this.#byId.get(deviceId)!;
    return this.#count({ at, topic: statusTopic(r.address), payload: JSON.stringify({ state, ts: at }), retain: true, deviceId, type: 'status' });
  }

  #planNextRandom(kind: string, from: number): void {
    const spec = FAULT_KINDS[kind]!;
    const perHour = this.#perHour(spec);
    if (perHour <= 0) {
      this.#nextRandom.delete(kind);
      return;
    }
    const gapMs = (-Math.log(Math.max(this.#rngFor(kind).next(), 1e-12)) / perHour) * 3_600_000;
    this.#nextRandom.set(kind, from + Math.max(1, Math.round(gapMs)));
  }

  #rngFor(kind: string): Random {
    if (!FAULT_KINDS[kind]!.ownStream) return this.#faultRng;
    let rng = this.#ownRng.get(kind);
    if (!rng) {
      rng = mulberry32((this.#o.seed ^ hashString(`faults:${kind}`)) >>> 0);
      this.#ownRng.set(kind, rng);
    }
    return rng;
  }

  #injectRandom(kind: string, at: number): void {
    const spec = FAULT_KINDS[kind]!;
    const { scenario } = this.#o;
    const rng = this.#rngFor(kind);
    if (spec.season === 'heating' && !conditionsAt(at, scenario.utcOffsetMinutes, scenario.climate ?? KARAGANDA).heatingSeason) return;
    if (spec.during === 'school-hours' && roomSession(spec.targetKind, conditionsAt(at, scenario.utcOffsetMinutes, scenario.climate ?? KARAGANDA)) === 'closed') return;
    const until = at + spec.durationMinutes[1] * 60_000;
    // A random fault strikes a device that is powered and in reach. A fault on a device
    // a feeder outage has silenced is not observable, by anyone: nothing says whether a
    // dark camera failed until its power returns, and the field would date the failure
    // then, not at some instant during the outage; scoring its late detection (or its
    // miss) against the draw's time would measure the outage, not the rule. So the
    // simulator draws such faults on powered devices only, as it draws them on devices
    // whose gateway is out (`busy`). An outage that begins during a fault still silences
    // its device: if that comes before the fault is seen, it is scored as a miss.
    const candidates = (this.#byKind.get(spec.targetKind) ?? []).filter(
      (r) => !(this.#active.get(r.device.deviceId) ?? []).some((a) => a.fault.kind === kind) && !this.#silenced.has(r.device.deviceId) && !this.#field?.busy(r.device.deviceId, at, until),
    );
    if (candidates.length === 0) return;
    const target = candidates[Math.floor(rng.next() * candidates.length)]!;
    const [lo, hi] = spec.durationMinutes;
    const durationMs = Math.round((lo + rng.next() * (hi - lo)) * 60_000);
    this.#add(kind, target, at, durationMs, 0.6 + 0.4 * rng.next(), false);
  }

  #scheduleFromScenario(f: Scenario['faults'][number]): void {
    const spec = FAULT_KINDS[f.kind]!;
    const at = f.at.startsWith('+') ? (this.#o.faultsFrom ?? this.#o.start) + parseDuration(f.at.slice(1))! : Date.parse(f.at);
    const pool = this.#byKind.get(spec.targetKind) ?? [];
    const target = pool.find((r) => r.device.deviceId === f.target) ?? pool.find((r) => r.device.district === f.target);
    if (!target) return; // the target does not exist at this scale: nothing to inject
    this.#add(f.kind, target, at, f.duration, 1, true);
  }

  #add(kind: string, target: Running, at: number, durationMs: number, severity: number, scheduled: boolean): void {
    const spec = FAULT_KINDS[kind]!;
    const district = target.device.district;
    const neighbours = (this.#byKind.get(spec.targetKind) ?? [])
      .filter((r) => r !== target && r.device.district === district)
      .map((r) => ({ r, d: distanceKm(r.device.position, target.device.position) }))
      .sort((a, b) => a.d - b.d || (a.r.device.deviceId < b.r.device.deviceId ? -1 : 1))
      .slice(0, spec.neighbours ?? 0)
      .map((x) => x.r.device.deviceId);
    // the buildings the target feeds: those of the dependent kinds in the district whose nearest device of the target's kind it is
    const peers = (this.#byKind.get(spec.targetKind) ?? []).filter((r) => r.device.district === district);
    const dependents = spec.dependents
      ? this.#running
          .filter((r) => r.device.district === district && spec.dependents!.kinds.includes(r.device.kind.id))
          .filter((r) => nearest(peers, r.device.position) === target)
          .map((r) => r.device.deviceId)
      : [];
    const silenced = this.#running
      .filter((r) => r.device.district === district && spec.silences?.includes(r.device.kind.id))
      .map((r) => r.device.deviceId);
    if (spec.silencesTarget !== undefined && this.#faultRng.next() < spec.silencesTarget) silenced.unshift(target.device.deviceId);
    const fault: FaultRecord = {
      id: `f-${String(++this.#faultSeq).padStart(5, '0')}-${kind}`,
      kind,
      utility: spec.utility,
      district,
      target: target.device.deviceId,
      devices: [target.device.deviceId, ...neighbours, ...dependents],
      silenced,
      ...(dependents.length ? { dependents } : {}),
      start: at,
      end: at + durationMs,
      severity: Math.round(severity * 100) / 100,
      scheduled,
    };
    insertSorted(this.#events, { at, type: 'start', fault });
    insertSorted(this.#events, { at: fault.end, type: 'end', fault });
  }
}

function nearest(pool: readonly Running[], at: readonly [number, number]): Running | undefined {
  let best: Running | undefined;
  let bestD = Infinity;
  for (const r of pool) {
    const d = distanceKm(r.device.position, at);
    if (d < bestD) {
      best = r;
      bestD = d;
    }
  }
  return best;
}

function insertSorted(events: FaultEvent[], e: FaultEvent): void {
  let i = events.length;
  while (i > 0 && events[i - 1]!.at > e.at) i--;
  events.splice(i, 0, e);
}

