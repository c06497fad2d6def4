// The live hub: reads the device directory and pushes per-subsystem
// summaries to websocket clients, coalesced to one message per interval at most.
// A client whose socket buffer is full is skipped for that tick (it gets the next
// state, never a backlog), so a slow client never holds up the others.
//
// Each client gets a view: the whole town, or a utility's own network (a utility
// user's, LiveScope). A utility's view has only the subsystems where the catalog
// gives it kinds, each summarised over its own devices only, its own history, and
// its own incidents; the other subsystems are absent from its messages. Every view
// is kept from the start (not only while a client watches), so a utility user's
// hello carries recent history like an operator's; each is serialised once a tick.
import type { Logger } from 'pino';
import { SUBSYSTEMS, type DeviceKind, type Subsystem } from '../../devices/index.ts';
import type { DeviceDirectory } from '../directory/directory.ts';
import type { EventBus } from '../events.ts';
import type { Clock, HistoryPoint, Incident, LiveMessage, LiveScope, SubsystemSummary, Timer } from '../contracts/index.ts';
import { accumulate, fold } from './summary.ts';

/** The smallest surface of a websocket the hub needs (ws.WebSocket fits). */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  on(event: 'close', fn: () => void): unknown;
}

export interface LiveHubDeps {
  directory: DeviceDirectory;
  events: EventBus;
  /** unresolved incidents, for a new client's hello (of one utility, for a utility's view) */
  incidents: (scope?: LiveScope) => Incident[];
  kinds: readonly DeviceKind[];
  intervalMs: number;
  clock: Clock;
  log: Logger;
  historyLength?: number;
  /** a client with more than this many bytes unsent is skipped for a tick */
  maxBufferedBytes?: number;
}

const OPEN = 1;
const OWNER = 'live-hub';

/** The town as one kind of client sees it. */
interface View {
  /** undefined: the whole town */
  utility?: string;
  subsystems: ReadonlySet<Subsystem>;
  summaries: Map<Subsystem, SubsystemSummary>;
  history: Map<Subsystem, HistoryPoint[]>;
  clients: Set<LiveSocket>;
  /** a utility's view: each summary as last sent, to tell whether it changed */
  sent: Map<Subsystem, string>;
}

export class LiveHub {
  readonly #deps: LiveHubDeps;
  readonly #kinds: Map<string, DeviceKind>;
  readonly #dirty = new Set<Subsystem>();
  /** incidents changed since the last tick, latest version of each */
  readonly #incidents = new Map<string, Incident>();
  readonly #town: View;
  /** one view per utility of the catalog, made at construction */
  readonly #utilities = new Map<string, View>();
  #timer: Timer | undefined;
  readonly #stats = { sent: 0, skippedSlow: 0, ticks: 0 };

  constructor(deps: LiveHubDeps) {
    this.#deps = deps;
    this.#kinds = new Map(deps.kinds.map((k) => [k.id, k]));
    this.#town = view(undefined, SUBSYSTEMS);
    for (const k of deps.kinds) {
      const v = this.#utilities.get(k.utility);
      if (v) (v.subsystems as Set<Subsystem>).add(k.subsystem);
      else this.#utilities.set(k.utility, view(k.utility, [k.subsystem]));
    }
  }

  stats() {
    let clients = this.#town.clients.size;
    for (const v of this.#utilities.values()) clients += v.clients.size;
    return { clients, ...this.#stats };
  }

  async start(): Promise<void> {
    this.#deps.directory.onChange((s) => this.#dirty.add(s));
    this.#deps.events.on('incidentChanged', OWNER, ({ incident }) => this.#incidents.set(incident.id, structuredClone(incident)));
    for (const s of SUBSYSTEMS) this.#dirty.add(s);
    this.tick();
    this.#timer = this.#deps.clock.setInterval(() => this.tick(), this.#deps.intervalMs);
  }

  /** One coalescing step: recompute dirty subsystems, send them once to every ready client of each view. */
  tick(): void {
    this.#stats.ticks++;
    if (this.#dirty.size === 0 && this.#incidents.size === 0) return;
    const at = this.#deps.clock.now();
    const changed = new Map<View, Record<string, SubsystemSummary>>([[this.#town, {}]]);
    for (const s of this.#dirty) {
      // one pass over the subsystem's devices; each view folds the kinds it sees
      const totals = accumulate(this.#deps.directory.devicesIn(s), this.#kinds);
      this.#update(this.#town, s, fold(s, totals, this.#kinds), at, changed);
      for (const v of this.#utilities.values()) {
        if (v.subsystems.has(s)) this.#update(v, s, fold(s, totals, this.#kinds, (kind) => this.#kinds.get(kind)?.utility === v.utility), at, changed);
      }
    }
    this.#dirty.clear();
    const incidents = [...this.#incidents.values()];
    this.#incidents.clear();
    this.#send(this.#town, { type: 'update', at, subsystems: changed.get(this.#town)!, incidents });
    for (const v of this.#utilities.values()) {
      if (v.clients.size === 0) continue;
      const subsystems = changed.get(v) ?? {};
      const own = incidents.filter((i) => i.utility === v.utility);
      // nothing of its own changed: nothing to tell it
      if (own.length === 0 && Object.keys(subsystems).length === 0) continue;
      this.#send(v, { type: 'update', at, subsystems, incidents: own });
    }
  }

  #update(v: View, s: Subsystem, summary: SubsystemSummary, at: number, changed: Map<View, Record<string, SubsystemSummary>>): void {
    if (v.utility !== undefined) {
      // another network's reading made the subsystem dirty: this view's figures, and so its clients, stay as they were
      const json = JSON.stringify(summary);
      if (v.sent.get(s) === json) return;
      v.sent.set(s, json);
    }
    v.summaries.set(s, summary);
    let c = changed.get(v);
    if (!c) changed.set(v, (c = {}));
    c[s] = summary;
    if (summary.headline) this.#record(v.history.get(s)!, at, summary.headline.value);
  }

  #record(h: HistoryPoint[], t: number, value: number): void {
    const last = h[h.length - 1];
    // one history point a second is plenty for a tile chart
    if (last && t - last.t < 1000) last.value = value;
    else h.push({ t, value });
    const max = this.#deps.historyLength ?? 600;
    if (h.length > max) h.splice(0, h.length - max);
  }

  #send(v: View, msg: LiveMessage): void {
    if (v.clients.size === 0) return;
    const data = JSON.stringify(msg);
    const limit = this.#deps.maxBufferedBytes ?? 1024 * 1024;
    for (const c of v.clients) {
      if (c.readyState !== OPEN) continue;
      if (c.bufferedAmount > limit) {
        this.#stats.skippedSlow++;
        continue;
      }
      try {
        c.send(data);
        this.#stats.sent++;
      } catch (err) {
        this.#deps.log.debug({ err }, 'live send failed; dropping client');
        v.clients.delete(c);
      }
    }
  }

  /** The view of a scope: a utility's own, or the whole town's. */
  #viewOf(scope: LiveScope | undefined): View {
    if (!scope) return this.#town;
    let v = this.#utilities.get(scope.utility);
    // a utility the catalog gives no kind: it sees no subsystem, only its incidents
    if (!v) this.#utilities.set(scope.utility, (v = view(scope.utility, [])));
    return v;
  }

  /** A new client's hello: the view's summaries, their recent history and the unresolved incidents it may see. */
  snapshot(scope?: LiveScope): LiveMessage {
    const v = this.#viewOf(scope);
    return {
      type: 'hello',
      at: this.#deps.clock.now(),
      subsystems: Object.fromEntries(v.summaries),
      history: Object.fromEntries(v.history),
      incidents: this.#deps.incidents(scope),
    };
  }

  /** Adds a client; with a scope it sees only that utility's network (README: Security). */
  attach(socket: LiveSocket, scope?: LiveScope): void {
    const v = this.#viewOf(scope);
    v.clients.add(socket);
    socket.on('close', () => v.clients.delete(socket));
    socket.send(JSON.stringify(this.snapshot(scope)));
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#deps.events.removeListeners(OWNER);
    this.#town.clients.clear();
    for (const v of this.#utilities.values()) v.clients.clear();
  }
}

function view(utility: string | undefined, subsystems: Iterable<Subsystem>): View {
  const set = new Set(subsystems);
  return { ...(utility !== undefined ? { utility } : {}), subsystems: set, summaries: new Map(), history: new Map([...set].map((s) => [s, []])), clients: new Set(), sent: new Map() };
}
