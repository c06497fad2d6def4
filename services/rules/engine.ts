// The rules engine: rules are indexed by device kind, so a reading costs only the
// rules that watch its kind. Each (rule, device) or (group rule, district) is a
// Subject; raised, repeated and cleared subjects become signals for incidents.
// Time comes from readings (device time) and from sweeps on an injected clock, so a
// simulated hour runs in milliseconds.
import { DEVICE_KINDS, type DeviceKind } from '../../devices/index.ts';
import type { Evidence, Reading, RuleSignal } from '../contracts/index.ts';
import { evaluate, historyNeeded, type DeviceHistory } from './conditions.ts';
import type { Rule } from './schema.ts';
import { Subject, type SubjectSignal } from './subject.ts';

export type { Evidence, RuleSignal };

interface DeviceState extends DeviceHistory {
  deviceId: string;
  kind: string;
  district: string;
  subsystem: string;
  /** platform time of the last reading */
  lastReceived: number;
  /** device time of the last reading */
  lastTs: number;
  /** device clock minus platform clock, so sweeps run on each device's own time */
  offset: number;
}

interface Compiled {
  rule: Rule;
  fingerprint: string;
  kinds: Set<string>;
  /** deviceId → subject (member subjects for group rules) */
  subjects: Map<string, Subject>;
  /** district → group subject */
  groups: Map<string, Subject>;
  /** district → the members folded into its raised group so far */
  members: Map<string, Set<string>>;
  /** district → members currently hit, with when their hit began */
  hits: Map<string, Map<string, number>>;
  /** devices whose subject is hit or raised: the only ones a sweep must look at */
  armed: Set<string>;
}

export interface RulesEngineDeps {
  onSignal: (s: RuleSignal) => void;
  kinds?: readonly DeviceKind[];
}

export class RulesEngine {
  readonly #deps: RulesEngineDeps;
  readonly #kinds: Map<string, DeviceKind>;
  #rules: Compiled[] = [];
  #byKind = new Map<string, Compiled[]>();
  /** per kind and metric, how long a history to keep */
  #windows = new Map<string, Map<string, number>>();
  readonly #devices = new Map<string, DeviceState>();
  readonly #districtOffset = new Map<string, number>();
  readonly #stats = { readings: 0, evaluations: 0, signals: 0 };

  constructor(deps: RulesEngineDeps) {
    this.#deps = deps;
    this.#kinds = new Map((deps.kinds ?? DEVICE_KINDS).map((k) => [k.id, k]));
  }

  stats() {
    return { rules: this.#rules.length, devices: this.#devices.size, ...this.#stats };
  }

  rules(): Rule[] {
    return this.#rules.map((c) => c.rule);
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
        return { rule, fingerprint, kinds: new Set(rule.match.kinds), subjects: new Map(), groups: new Map(), members: new Map(), hits: new Map(), armed: new Set() };
      });
    this.#byKind = new Map();
    this.#windows = new Map();
    for (const c of this.#rules) {
      for (const k of c.kinds) {
        this.#byKind.set(k, [...(this.#byKind.get(k) ?? []), c]);
        const w = this.#windows.get(k) ?? new Map<string, number>();
        for (const cond of [c.rule.when, c.rule.clearWhen]) {
          for (const [metric, ms] of historyNeeded(cond)) w.set(metric, Math.max(w.get(metric) ?? 0, ms));
        }
        this.#windows.set(k, w);
      }
    }
  }

  handle(r: Reading): void {
    this.#stats.readings++;
    const rules = this.#byKind.get(r.kind);
    if (!rules) return;
    const d = this.#device(r);
    for (const c of rules) {
      const { rule } = c;
      if (!matches(rule, d)) continue;
      this.#stats.evaluations++;
      const subject = getOrCreate(c.subjects, d.deviceId, () => new Subject());
      let raise: boolean;
      let clear: boolean;
      if (rule.absentFor !== undefined) {
        raise = false; // a reading is the opposite of absence
        clear = true;
      } else {
        const verdict = evaluate(rule.when!, d, r.ts);
        raise = verdict === 'raise';
        clear = rule.clearWhen ? evaluate(rule.clearWhen, d, r.ts) === 'raise' : verdict === 'clear';
      }
      if (rule.group) {
        const wasHit = subject.hit;
        subject.observe(raise, clear, r.ts, 0, Infinity);
        // the group changes only when a member's hit does: O(1) per reading otherwise
        if (subject.hit !== wasHit) {
          const hits = getOrCreate(c.hits, d.district, () => new Map<string, number>());
          if (subject.hit) hits.set(d.deviceId, subject.hitSince);
          else hits.delete(d.deviceId);
          this.#updateGroup(c, d.district, r.ts);
        }
      } else {
        this.#emit(subject.observe(raise, clear, r.ts, rule.for, rule.clearFor), c, subject, d);
        if (subject.hit || subject.active) c.armed.add(d.deviceId);
        else c.armed.delete(d.deviceId);
      }
    }
  }

  /**
   * Lets platform time pass: absence, `for` and `clearFor` timers fire here. Each
   * device's timers run on its own clock (platform time plus its last offset), so a
   * replayed or skewed feed keeps its durations.
   */
  sweep(now: number): void {
    for (const c of this.#rules) {
      const { rule } = c;
      if (rule.absentFor !== undefined) {
        for (const d of this.#devices.values()) {
          if (!c.kinds.has(d.kind) || !matches(rule, d) || now - d.lastReceived < rule.absentFor) continue;
          const subject = getOrCreate(c.subjects, d.deviceId, () => new Subject());
          this.#emit(subject.observe(true, false, d.lastTs + rule.absentFor, rule.for, rule.clearFor), c, subject, d);
          c.armed.add(d.deviceId);
        }
      }
      if (rule.group) {
        for (const district of c.groups.keys()) this.#updateGroup(c, district, now + (this.#districtOffset.get(district) ?? 0));
        continue;
      }
      for (const deviceId of c.armed) {
        const subject = c.subjects.get(deviceId);
        const d = this.#devices.get(deviceId);
        if (!subject || !d) continue;
        this.#emit(subject.elapse(now + d.offset, rule.for, rule.clearFor), c, subject, d);
        if (!subject.hit && !subject.active) c.armed.delete(deviceId);
      }
    }
  }

  #updateGroup(c: Compiled, district: string, at: number): void {
    const g = c.rule.group!;
    const hits = [...(c.hits.get(district) ?? [])].map(([id, since]) => ({ id, since }));
    hits.sort((a, b) => a.since - b.since);
    let raise = false;
    for (let i = 0; i + g.k - 1 < hits.length; i++) {
      if (hits[i + g.k - 1]!.since - hits[i]!.since <= g.window) raise = true;
    }
    const group = getOrCreate(c.groups, district, () => new Subject());
    let signal = group.observe(raise, hits.length === 0, at, c.rule.for, c.rule.clearFor);
    const known = getOrCreate(c.members, district, () => new Set<string>());
    if (signal === 'raised' || signal === 'cleared') known.clear();
    // a device that trips while the group is raised is folded into the same incident
    const joined = group.active && signal !== 'raised' && hits.some((h) => !known.has(h.id));
    if (group.active) for (const h of hits) known.add(h.id);
    if (!signal && joined) signal = 'repeated';
    if (!signal) return;
    const members = hits.map((h) => h.id);
    const first = this.#devices.get(members[0] ?? '') ?? [...this.#devices.values()].find((d) => d.district === district && c.kinds.has(d.kind));
    if (first) this.#emit(signal, c, group, first, district, members, signal === 'repeated' ? at : undefined);
  }

  #emit(type: SubjectSignal | undefined, c: Compiled, subject: Subject, d: DeviceState, groupDistrict?: string, members?: string[], atOverride?: number): void {
    if (!type) return;
    this.#stats.signals++;
    const { rule } = c;
    const kind = this.#kinds.get(d.kind);
    const devices = members ?? [d.deviceId];
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
      evidence: devices.flatMap((id) => {
        const x = this.#devices.get(id);
        return x ? [{ deviceId: id, ts: x.lastTs, metrics: { ...x.latest } }] : [];
      }),
      at: atOverride ?? (type === 'raised' ? subject.hitSince : type === 'cleared' ? subject.clearSince : d.lastTs),
      flaps: subject.flaps,
    });
  }

  #device(r: Reading): DeviceState {
    let d = this.#devices.get(r.deviceId);
    if (!d) {
      d = { deviceId: r.deviceId, kind: r.kind, district: r.district, subsystem: r.subsystem, latest: {}, recent: new Map(), lastReceived: r.receivedAt, lastTs: r.ts, offset: 0 };
      this.#devices.set(r.deviceId, d);
    }
    d.lastReceived = r.receivedAt;
    d.lastTs = r.ts;
    d.offset = r.ts - r.receivedAt;
    this.#districtOffset.set(r.district, d.offset);
    Object.assign(d.latest, r.metrics);
    const windows = this.#windows.get(r.kind);
    if (windows) {
      for (const [metric, ms] of windows) {
        const v = r.metrics[metric];
        if (v === undefined) continue;
        const list = getOrCreate(d.recent, metric, () => []);
        list.push({ ts: r.ts, v });
        while (list.length > 0 && list[0]!.ts < r.ts - ms) list.shift();
      }
    }
    return d;
  }
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
