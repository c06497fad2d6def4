// The rules engine: rules are indexed by device kind, so a reading costs only the
// rules that watch its kind. Each (rule, device) or (group rule, district) is a
// Subject; raised, repeated and cleared subjects become signals for incidents.
//
// Event time: conditions, durations and windows run on the devices' own
// timestamps. A reading older than its device's latest (late, back-filled,
// duplicated) is placed in its rate-of-change window but evaluates nothing, so it
// can neither raise a backdated incident nor make one flap. Absence and clear
// timers run on the town's watermark: the median of the devices' latest
// timestamps, taken at each sweep (robust to a few skewed or silent devices), and
// carried forward on the platform clock when the whole feed is silent. So a
// replay at any speed, and `qala rules test --feed`, see absence exactly as live
// traffic would, and a device whose clock is minutes off keeps its durations.
import { DEVICE_KINDS, type DeviceKind } from '../../devices/index.ts';
import type { Evidence, Reading, RuleSignal } from '../contracts/index.ts';
import { DAILY_BUCKET_MS, DEFAULT_TOWN, dailyNeeded, evaluate, expires, historyNeeded, maximaNeeded, newNightHistory, nightsNeeded, observeNight, type DeviceHistory, type TownContext } from './conditions.ts';
import type { Rule } from './schema.ts';
import { HeatingSeasonTracker } from './season.ts';
import { Subject, type SubjectSignal, type Timing } from './subject.ts';

export type { Evidence, RuleSignal };

interface DeviceState extends DeviceHistory {
  deviceId: string;
  kind: string;
  district: string;
  subsystem: string;
  /** device time of the latest in-order reading */
  lastTs: number;
  /** the town watermark when that reading arrived: silence is measured against it, so clock skew cancels */
  wmAtLast: number;
}

interface Compiled {
  rule: Rule;
  fingerprint: string;
  kinds: Set<string>;
  timing: Timing;
  /** some threshold holds an event-like metric that expires: sweeps re-evaluate it */
  expiring: boolean;
  /** deviceId → subject (member subjects for group rules) */
  subjects: Map<string, Subject>;
  /** district → group subject */
  groups: Map<string, Subject>;
  /** district → the members folded into its raised group so far */
  members: Map<string, Set<string>>;
  /** district → members currently hit, with when their hit began */
  hits: Map<string, Map<string, number>>;
  /** district → how many devices of the district the rule watches (for `group.allIfFewer`) */
  population: Map<string, number>;
  /** district → how many of them are not of the `group.requires` kinds: the ones that corroborate */
  others: Map<string, number>;
  /** devices whose subject is hit or raised: the only ones a sweep must look at */
  armed: Set<string>;
  /** `d:<district>` and `a:<device>` → how many of this rule's incidents are open there (for inhibition) */
  openIn: Map<string, number>;
  /** asset → this rule's open (announced) incidents, with the consequences they have absorbed */
  open: Map<string, OpenIncident>;
}

/** An announced incident, and the devices whose incidents it withheld as its consequences. */
interface OpenIncident {
  subject: Subject;
  device: DeviceState;
  groupDistrict: string | undefined;
  members: string[] | undefined;
  consequences: Set<string>;
  /** consequences not announced yet: one `repeated` signal carries them at the end of the reading or sweep */
  dirty: boolean;
}

export interface RulesEngineDeps {
  onSignal: (s: RuleSignal) => void;
  kinds?: readonly DeviceKind[];
  /** the town's climate (heating chart) and local time (night windows); Karaganda's and UTC+5 by default */
  town?: Partial<TownContext>;
}

export class RulesEngine {
  readonly #deps: RulesEngineDeps;
  readonly #kinds: Map<string, DeviceKind>;
  readonly #town: Readonly<TownContext>;
  #rules: Compiled[] = [];
  #byId = new Map<string, Compiled>();
  #byKind = new Map<string, Compiled[]>();
  /** per kind and metric, how long a history to keep */
  #windows = new Map<string, Map<string, number>>();
  #maxWindows = new Map<string, Map<string, number>>();
  #dailyMetrics = new Map<string, Set<string>>();
  #nightMetrics = new Map<string, Map<string, { from: number; to: number }>>();
  readonly #devices = new Map<string, DeviceState>();
  readonly #season: HeatingSeasonTracker;
  /** root-cause incidents with consequences to announce */
  readonly #dirty = new Map<OpenIncident, Compiled>();
  #watermark = Number.NEGATIVE_INFINITY;
  /** the shortest `absentFor` of the rules */
  #minAbsentMs = Infinity;
  /** the devices' latest timestamps, reused by every sweep */
  #tsBuffer = new Float64Array(0);
  /** platform time at which the watermark was last set: between sweeps it runs on with the platform clock */
  #anchor = 0;
  readonly #stats = { readings: 0, evaluations: 0, signals: 0, late: 0, duplicates: 0, inhibited: 0 };

  constructor(deps: RulesEngineDeps) {
    this.#deps = deps;
    this.#kinds = new Map((deps.kinds ?? DEVICE_KINDS).map((k) => [k.id, k]));
    this.#town = { ...DEFAULT_TOWN, ...deps.town };
    this.#season = new HeatingSeasonTracker(this.#town.utcOffsetMinutes);
  }

  stats() {
    return { rules: this.#rules.length, devices: this.#devices.size, watermark: this.#watermark, heatingSeason: this.#season.on ?? null, designOutdoorC: this.#town.designOutdoorC, ...this.#stats };
  }

  /** The town's climate and local time the rules judge by. */
  get town(): Readonly<TownContext> {
    return this.#town;
  }

  rules(): Rule[] {
    return this.#rules.map((c) => c.rule);
  }

  /**
   * Replays the town's outdoor temperature from before a start (`mean` of `count`
   * readings from `ts` on, in time order), so the heating season survives a restart
   * (season-history.ts).
   */
  replayOutdoor(ts: number, mean: number, count: number): void {
    this.#season.observe(ts, mean, count);
  }

  /** The town's event time: what absence and clear timers run on. */
  get watermark(): number {
    return this.#watermark;
  }

  /** Swaps the rule set; a rule whose definition did not change keeps its state. */
  setRules(rules: readonly Rule[]): void {
    const old = new Map(this.#rules.map((c) => [c.rule.id, c]));
    this.#rules = rules
      .filter((r) => r.enabled)
      .map((rule) => {
        const fingerprint = JSON.stringify(rule);
        const prev = old.get(rule.id);
        if (prev && prev.fingerprint === fingerprint) return prev;
        const timing: Timing = { forMs: rule.for, clearForMs: rule.clearFor, minSamples: rule.minSamples };
        const expiring = expires(rule.when) || expires(rule.clearWhen);
        const population = new Map<string, number>();
        const others = new Map<string, number>();
        for (const d of this.#devices.values()) if (rule.match.kinds.includes(d.kind) && matches(rule, d)) countMember(rule, d, population, others);
        return { rule, fingerprint, kinds: new Set(rule.match.kinds), timing, expiring, subjects: new Map(), groups: new Map(), members: new Map(), hits: new Map(), population, others, armed: new Set(), openIn: new Map(), open: new Map() };
      });
    this.#byId = new Map(this.#rules.map((c) => [c.rule.id, c]));
    this.#minAbsentMs = Math.min(Infinity, ...this.#rules.map((c) => c.rule.absentFor ?? Infinity));
    this.#byKind = new Map();
    this.#windows = new Map();
    this.#maxWindows = new Map();
    this.#dailyMetrics = new Map();
    this.#nightMetrics = new Map();
    for (const c of this.#rules) {
      for (const k of c.kinds) {
        this.#byKind.set(k, [...(this.#byKind.get(k) ?? []), c]);
        const w = getOrCreate(this.#windows, k, () => new Map<string, number>());
        const mw = getOrCreate(this.#maxWindows, k, () => new Map<string, number>());
        const dm = getOrCreate(this.#dailyMetrics, k, () => new Set<string>());
        const nm = getOrCreate(this.#nightMetrics, k, () => new Map<string, { from: number; to: number }>());
        for (const cond of [c.rule.when, c.rule.clearWhen]) {
          for (const [metric, ms] of historyNeeded(cond)) w.set(metric, Math.max(w.get(metric) ?? 0, ms));
          for (const [metric, ms] of maximaNeeded(cond)) mw.set(metric, Math.max(mw.get(metric) ?? 0, ms));
          for (const metric of dailyNeeded(cond)) dm.add(metric);
          for (const [metric, w] of nightsNeeded(cond)) if (!nm.has(metric)) nm.set(metric, w);
        }
      }
    }
  }

  handle(r: Reading): void {
    this.#stats.readings++;
    const rules = this.#byKind.get(r.kind);
    if (!rules) return;
    const d = this.#device(r);
    if (!d) return; // late or duplicate: placed in its window, evaluates nothing
    for (const c of rules) {
      const { rule } = c;
      if (!matches(rule, d)) continue;
      this.#stats.evaluations++;
      // the hot path: no closure per rule and reading
      let subject = c.subjects.get(d.deviceId);
      if (subject === undefined) {
        subject = new Subject();
        c.subjects.set(d.deviceId, subject);
      }
      let raise: boolean;
      let clear: boolean;
      if (rule.absentFor !== undefined) {
        raise = false; // a reading is the opposite of absence
        clear = true;
      } else if (rule.season === 'heating' && this.#season.on === false) {
        raise = false; // out of the heating season a heating rule holds nothing
        clear = true;
      } else {
        const verdict = evaluate(rule.when!, d, r.ts, this.#town);
        raise = verdict === 'raise';
        clear = rule.clearWhen ? evaluate(rule.clearWhen, d, r.ts, this.#town) === 'raise' : verdict === 'clear';
      }
      if (rule.group) {
        const wasActive = subject.active;
        // a member counts once its own hit has lasted minSamples readings
        subject.observe(raise, clear, r.ts, { forMs: 0, clearForMs: 0, minSamples: rule.minSamples });
        subject.streak = raise ? subject.streak + 1 : 0;
        // A fresh onset on a member still counted (its clear condition not met yet): a
        // second main break on points an earlier one left low shows as a new drop, not as
        // a change of state. It counts as a new hit, so an open group incident gets it as
        // a repeat (and a closed one can raise), instead of the break going unseen.
        const fresh = wasActive && subject.active && subject.streak === rule.minSamples;
        // the group changes only when a member's state does: O(1) per reading otherwise
        if (subject.active !== wasActive || fresh) {
          const hits = getOrCreate(c.hits, d.district, () => new Map<string, number>());
          if (subject.active) hits.set(d.deviceId, fresh ? r.ts : subject.hitSince);
          else hits.delete(d.deviceId);
          // a member that recovered and trips again, or trips afresh, is news to an open group incident
          if (fresh || !subject.active) c.members.get(d.district)?.delete(d.deviceId);
          this.#updateGroup(c, d.district, r.ts, r.receivedAt);
        }
      } else {
        const signal = subject.observe(raise, clear, r.ts, c.timing);
        if (signal) this.#emit(signal, c, subject, d, r.receivedAt);
        if (subject.hit || subject.active) c.armed.add(d.deviceId);
        else if (c.armed.size > 0) c.armed.delete(d.deviceId);
      }
    }
    if (this.#dirty.size > 0) this.#announceConsequences(r.receivedAt);
  }

  /**
   * Lets time pass: absence and `clearFor` timers fire here, and event-like
   * metrics expire. `now` is platform time; the timers run on the watermark.
   */
  sweep(now: number): void {
    this.#advanceWatermark(now);
    const wm = this.#watermark;
    // the devices silent for as long as the shortest absence asks: one pass over every
    // device per sweep (a sweep a second), then each absence rule looks at those only
    let silent: DeviceState[] | undefined;
    for (const c of this.#rules) {
      const { rule } = c;
      if (rule.absentFor !== undefined) {
        silent ??= this.#silentFor(wm, this.#minAbsentMs);
        for (const d of silent) {
          if (wm - d.wmAtLast < rule.absentFor || !c.kinds.has(d.kind) || !matches(rule, d)) continue;
          const subject = getOrCreate(c.subjects, d.deviceId, () => new Subject());
          if (rule.group) {
            // a silent member counts towards its district's group (a gateway or a feeder gone quiet)
            if (subject.active) continue;
            subject.observe(true, false, d.lastTs + rule.absentFor, { forMs: 0, clearForMs: 0, minSamples: 1 });
            getOrCreate(c.hits, d.district, () => new Map<string, number>()).set(d.deviceId, subject.hitSince);
            this.#updateGroup(c, d.district, wm, now);
            continue;
          }
          this.#emit(subject.observe(true, false, d.lastTs + rule.absentFor, c.timing), c, subject, d, now);
          c.armed.add(d.deviceId);
        }
      }
      if (rule.group) {
        for (const district of c.groups.keys()) this.#updateGroup(c, district, wm, now);
        continue;
      }
      for (const deviceId of c.armed) {
        const subject = c.subjects.get(deviceId);
        const d = this.#devices.get(deviceId);
        if (!subject || !d) continue;
        const deviceNow = d.lastTs + (wm - d.wmAtLast);
        if (c.expiring && subject.hit && rule.when) {
          const verdict = evaluate(rule.when, d, deviceNow, this.#town);
          if (verdict === 'clear') subject.observe(false, true, deviceNow, c.timing);
        }
        this.#emit(subject.elapse(deviceNow, c.timing), c, subject, d, now);
        if (!subject.hit && !subject.active) c.armed.delete(deviceId);
      }
    }
    if (this.#dirty.size > 0) this.#announceConsequences(now);
  }

  #silentFor(wm: number, ms: number): DeviceState[] {
    const out: DeviceState[] = [];
    for (const d of this.#devices.values()) if (wm - d.wmAtLast >= ms) out.push(d);
    return out;
  }

  /** One `repeated` signal per root-cause incident that absorbed consequences: its devices now list them. */
  #announceConsequences(raisedAt: number): void {
    for (const [o, c] of this.#dirty) {
      o.dirty = false;
      if (c.open.get(o.groupDistrict ?? o.device.deviceId) !== o) continue; // cleared meanwhile
      this.#emit('repeated', c, o.subject, o.device, raisedAt, o.groupDistrict, o.members, this.#watermark);
    }
    this.#dirty.clear();
  }

  /** The watermark at platform time `p`: the last one carried forward on the platform clock. */
  #watermarkAt(p: number): number {
    return this.#watermark + Math.max(0, p - this.#anchor);
  }

  #advanceWatermark(now: number): void {
    const carried = this.#watermarkAt(now);
    this.#anchor = now;
    const n = this.#devices.size;
    let fromData = Number.NEGATIVE_INFINITY;
    if (n > 0) {
      if (this.#tsBuffer.length < n) this.#tsBuffer = new Float64Array(Math.max(n, 2 * this.#tsBuffer.length));
      const ts = this.#tsBuffer.subarray(0, n);
      let i = 0;
      for (const d of this.#devices.values()) ts[i++] = d.lastTs;
      fromData = quickselect(ts, Math.floor(n / 2));
    }
    this.#watermark = Math.max(this.#watermark, fromData, carried);
  }

  #updateGroup(c: Compiled, district: string, at: number, receivedAt: number): void {
    const g = c.rule.group!;
    const hits = [...(c.hits.get(district) ?? [])].map(([id, since]) => ({ id, since }));
    hits.sort((a, b) => a.since - b.since);
    const raise = g.requires ? this.#requiredWithOthers(c, district, hits) : this.#kWithin(c, district, hits);
    const group = getOrCreate(c.groups, district, () => new Subject());
    let signal = group.observe(raise, hits.length === 0, at, { forMs: c.rule.for, clearForMs: c.rule.clearFor, minSamples: 1 });
    const known = getOrCreate(c.members, district, () => new Set<string>());
    if (signal === 'raised' || signal === 'cleared') known.clear();
    // a device that trips while the group is raised is folded into the same incident
    const joined = group.active && signal !== 'raised' && hits.some((h) => !known.has(h.id));
    if (group.active) for (const h of hits) known.add(h.id);
    if (!signal && joined) signal = 'repeated';
    if (!signal) return;
    const members = hits.map((h) => h.id);
    const first = this.#devices.get(members[0] ?? '') ?? [...this.#devices.values()].find((d) => d.district === district && c.kinds.has(d.kind));
    if (first) this.#emit(signal, c, group, first, receivedAt, district, members, signal === 'repeated' ? at : undefined);
  }

  /** k hits within the window; a district with fewer devices than k (one pressure point in a small metered area), with `allIfFewer`, all of them */
  #kWithin(c: Compiled, district: string, hits: readonly { since: number }[]): boolean {
    const g = c.rule.group!;
    const k = g.allIfFewer ? Math.max(1, Math.min(g.k, c.population.get(district) ?? 0)) : g.k;
    for (let i = 0; i + k - 1 < hits.length; i++) if (hits[i + k - 1]!.since - hits[i]!.since <= g.window) return true;
    return false;
  }

  /**
   * With `requires`: a device of those kinds and k−1 of the others within the window (a
   * feeder silent with two of the devices it powers). With `allIfFewer`, a district with
   * fewer than k−1 of the others asks for all of them, but at least one: a feeder
   * silent with the one traffic counter of a small district is its outage, a feeder
   * silent alone is a reboot as often as an outage, and stays a device-offline matter.
   */
  #requiredWithOthers(c: Compiled, district: string, hits: readonly { id: string; since: number }[]): boolean {
    const g = c.rule.group!;
    const need = g.allIfFewer ? Math.max(1, Math.min(g.k - 1, c.others.get(district) ?? 0)) : g.k - 1;
    const required = hits.map((h) => g.requires!.includes(this.#devices.get(h.id)?.kind ?? ''));
    for (let i = 0; i < hits.length; i++) {
      let req = 0;
      let oth = 0;
      for (let j = i; j < hits.length && hits[j]!.since - hits[i]!.since <= g.window; j++) {
        if (required[j]) req++;
        else oth++;
      }
      if (req > 0 && oth >= need) return true;
    }
    return false;
  }

  /**
   * An inhibitor that watches the same kind device by device (heating failure over
   * underheating) inhibits on the same device; a group rule or another kind's rule
   * (a main break, a feeder outage) inhibits its whole district.
   */
  #inhibitor(c: Compiled, d: DeviceState): { by: Compiled; incident: OpenIncident | undefined } | undefined {
    for (const id of c.rule.inhibitedBy) {
      const by = this.#byId.get(id);
      if (!by) continue;
      const sameDevice = !by.rule.group && by.kinds.has(d.kind);
      if ((by.openIn.get(sameDevice ? `a:${d.deviceId}` : `d:${d.district}`) ?? 0) === 0) continue;
      // the root-cause incident itself (announced, not itself withheld): the device's own, or the first open in its district
      let incident = sameDevice ? by.open.get(d.deviceId) : undefined;
      if (!sameDevice) for (const o of by.open.values()) if ((o.groupDistrict ?? o.device.district) === d.district) incident = incident ?? o;
      return { by, incident };
    }
    return undefined;
  }

  #count(c: Compiled, d: DeviceState, groupDistrict: string | undefined, delta: 1 | -1): void {
    const keys = groupDistrict ? [`d:${groupDistrict}`] : [`d:${d.district}`, `a:${d.deviceId}`];
    for (const k of keys) c.openIn.set(k, Math.max(0, (c.openIn.get(k) ?? 0) + delta));
  }

  #emit(type: SubjectSignal | undefined, c: Compiled, subject: Subject, d: DeviceState, raisedAt: number, groupDistrict?: string, members?: string[], atOverride?: number): void {
    if (!type) return;
    if (type === 'raised') {
      const inhibitor = this.#inhibitor(c, d);
      subject.muted = inhibitor !== undefined;
      if (inhibitor?.incident) {
        // carried on the root cause's incident: its devices list what it took down
        for (const id of members ?? [d.deviceId]) inhibitor.incident.consequences.add(id);
        inhibitor.incident.dirty = true;
        this.#dirty.set(inhibitor.incident, inhibitor.by);
      }
      if (!subject.muted) {
        this.#count(c, d, groupDistrict, 1);
        c.open.set(groupDistrict ?? d.deviceId, { subject, device: d, groupDistrict, members, consequences: new Set(), dirty: false });
      }
    }
    if (subject.muted) {
      // a consequence of an open root-cause incident: withheld, never announced
      if (type === 'raised') this.#stats.inhibited++;
      if (type === 'cleared') subject.muted = false;
      return;
    }
    const open = c.open.get(groupDistrict ?? d.deviceId);
    if (type === 'cleared') {
      this.#count(c, d, groupDistrict, -1);
      c.open.delete(groupDistrict ?? d.deviceId);
    } else if (open && members) open.members = members;
    this.#stats.signals++;
    const { rule } = c;
    const kind = this.#kinds.get(d.kind);
    const own = members ?? open?.members ?? [d.deviceId];
    const devices = open && open.consequences.size > 0 ? [...new Set([...own, ...open.consequences])] : own;
    this.#deps.onSignal({
      type,
      ruleId: rule.id,
      title: rule.title,
      severity: rule.severity,
      autoResolve: rule.autoResolve,
      asset: groupDistrict ?? d.deviceId,
      district: d.district,
      subsystem: rule.subsystem ?? d.subsystem,
      utility: rule.utility ?? kind?.utility ?? 'unknown',
      kind: d.kind,
      devices,
      evidence: own.flatMap((id) => {
        const x = this.#devices.get(id);
        return x ? [{ deviceId: id, ts: x.lastTs, metrics: { ...x.latest } }] : [];
      }),
      at: atOverride ?? (type === 'raised' ? subject.hitSince : type === 'cleared' ? subject.clearSince : d.lastTs),
      raisedAt,
      flaps: subject.flaps,
    });
  }

  /** The device's state with the reading applied, or undefined for a late or duplicate reading. */
  #device(r: Reading): DeviceState | undefined {
    let d = this.#devices.get(r.deviceId);
    if (this.#watermark === Number.NEGATIVE_INFINITY) {
      this.#watermark = r.ts;
      this.#anchor = r.receivedAt;
    }
    if (!d) {
      d = { deviceId: r.deviceId, kind: r.kind, district: r.district, subsystem: r.subsystem, latest: {}, latestTs: {}, recent: new Map(), maxima: new Map(), daily: new Map(), nights: new Map(), lastTs: Number.NEGATIVE_INFINITY, wmAtLast: this.#watermarkAt(r.receivedAt) };
      this.#devices.set(r.deviceId, d);
      for (const c of this.#byKind.get(r.kind) ?? []) if (c.rule.group && matches(c.rule, d)) countMember(c.rule, d, c.population, c.others);
    }
    const windows = this.#windows.get(r.kind);
    if (r.ts <= d.lastTs) {
      if (r.ts === d.lastTs) this.#stats.duplicates++;
      else {
        this.#stats.late++;
        // within the window: placed in order, so later readings compare against it
        if (windows) for (const [metric, ms] of windows) placeLate(d.recent.get(metric), r.ts, r.metrics[metric], d.lastTs - ms);
      }
      return undefined;
    }
    d.lastTs = r.ts;
    d.wmAtLast = this.#watermarkAt(r.receivedAt);
    for (const metric in r.metrics) {
      d.latest[metric] = r.metrics[metric]!;
      d.latestTs[metric] = r.ts;
    }
    if (r.metrics.outdoorTemp !== undefined) this.#season.observe(r.ts, r.metrics.outdoorTemp);
    if (windows) {
      for (const [metric, ms] of windows) {
        const v = r.metrics[metric];
        if (v === undefined) continue;
        const list = getOrCreate(d.recent, metric, () => []);
        list.push({ ts: r.ts, v });
        while (list.length > 0 && list[0]!.ts < r.ts - ms) list.shift();
      }
    }
    const dailyMetrics = this.#dailyMetrics.get(r.kind);
    if (dailyMetrics && dailyMetrics.size > 0) {
      const bucket = Math.floor(r.ts / DAILY_BUCKET_MS);
      for (const metric of dailyMetrics) {
        const v = r.metrics[metric];
        if (v === undefined) continue;
        const buckets = getOrCreate(d.daily, metric, () => new Map<number, { s: number; n: number }>());
        const b = buckets.get(bucket);
        if (b) {
          b.s += v;
          b.n++;
        } else {
          buckets.set(bucket, { s: v, n: 1 });
          buckets.delete(bucket - 300); // 25 h of 5-minute buckets
        }
      }
    }
    const nightMetrics = this.#nightMetrics.get(r.kind);
    if (nightMetrics && nightMetrics.size > 0) {
      const local = r.ts + this.#town.utcOffsetMinutes * 60_000;
      for (const [metric, w] of nightMetrics) {
        const v = r.metrics[metric];
        if (v === undefined) continue;
        observeNight(getOrCreate(d.nights, metric, () => newNightHistory(w.from, w.to)), local, v);
      }
    }
    const maxWindows = this.#maxWindows.get(r.kind);
    if (maxWindows) {
      for (const [metric, ms] of maxWindows) {
        const v = r.metrics[metric];
        if (v === undefined) continue;
        const dq = getOrCreate(d.maxima, metric, () => []);
        while (dq.length > 0 && dq[dq.length - 1]!.v <= v) dq.pop();
        dq.push({ ts: r.ts, v });
        while (dq.length > 0 && dq[0]!.ts < r.ts - ms) dq.shift();
      }
    }
    return d;
  }
}

function placeLate(list: { ts: number; v: number }[] | undefined, ts: number, v: number | undefined, oldest: number): void {
  if (!list || v === undefined || ts < oldest) return;
  let i = list.length;
  while (i > 0 && list[i - 1]!.ts > ts) i--;
  if (list[i - 1]?.ts === ts) return;
  list.splice(i, 0, { ts, v });
}

/** The k-th smallest value (Hoare's selection), in place. */
function quickselect(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function matches(rule: Rule, d: { deviceId: string; district: string }): boolean {
  return (!rule.match.districts || rule.match.districts.includes(d.district)) && (!rule.match.devices || rule.match.devices.includes(d.deviceId));
}

function getOrCreate<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

/** Counts a device the group rule watches in its district, and apart if it corroborates (is not of the `requires` kinds). */
function countMember(rule: Rule, d: { kind: string; district: string }, population: Map<string, number>, others: Map<string, number>): void {
  population.set(d.district, (population.get(d.district) ?? 0) + 1);
  if (!rule.group?.requires?.includes(d.kind)) others.set(d.district, (others.get(d.district) ?? 0) + 1);
}
