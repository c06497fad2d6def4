// The live hub: reads the device directory and pushes per-subsystem
// summaries to websocket clients, coalesced to one message per interval at most.
// A client whose socket buffer is full is skipped for that tick (it gets the next
// state, never a backlog), so a slow client never holds up the others.
import type { Logger } from 'pino';
import { SUBSYSTEMS, type DeviceKind, type Subsystem } from '../../devices/index.ts';
import type { DeviceDirectory } from '../directory/directory.ts';
import type { EventBus } from '../events.ts';
import type { Clock, HistoryPoint, Incident, LiveMessage, SubsystemSummary, Timer } from '../contracts/index.ts';
import { summarise } from './summary.ts';

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
  /** unresolved incidents, for a new client's hello */
  incidents: () => Incident[];
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

export class LiveHub {
  readonly #deps: LiveHubDeps;
  readonly #kinds: Map<string, DeviceKind>;
  readonly #dirty = new Set<Subsystem>();
  /** incidents changed since the last tick, latest version of each */
  readonly #incidents = new Map<string, Incident>();
  readonly #summaries = new Map<Subsystem, SubsystemSummary>();
  readonly #history = new Map<Subsystem, HistoryPoint[]>(SUBSYSTEMS.map((s) => [s, []]));
  readonly #clients = new Set<LiveSocket>();
  #timer: Timer | undefined;
  readonly #stats = { sent: 0, skippedSlow: 0, ticks: 0 };

  constructor(deps: LiveHubDeps) {
    this.#deps = deps;
    this.#kinds = new Map(deps.kinds.map((k) => [k.id, k]));
  }

  stats() {
    return { clients: this.#clients.size, ...this.#stats };
  }

  async start(): Promise<void> {
    this.#deps.directory.onChange((s) => this.#dirty.add(s));
    this.#deps.events.on('incidentChanged', OWNER, ({ incident }) => this.#incidents.set(incident.id, structuredClone(incident)));
    for (const s of SUBSYSTEMS) this.#dirty.add(s);
    this.tick();
    this.#timer = this.#deps.clock.setInterval(() => this.tick(), this.#deps.intervalMs);
  }

  /** One coalescing step: recompute dirty subsystems, send them once to every ready client. */
  tick(): void {
    this.#stats.ticks++;
    if (this.#dirty.size === 0 && this.#incidents.size === 0) return;
    const changed: Record<string, SubsystemSummary> = {};
    const at = this.#deps.clock.now();
    for (const s of this.#dirty) {
      const summary = summarise(s, this.#deps.directory.devicesIn(s), this.#kinds);
      this.#summaries.set(s, summary);
      changed[s] = summary;
      if (summary.headline) this.#record(s, at, summary.headline.value);
    }
    this.#dirty.clear();
    const incidents = [...this.#incidents.values()];
    this.#incidents.clear();
    this.#broadcast(JSON.stringify({ type: 'update', at, subsystems: changed, incidents } satisfies LiveMessage));
  }

  #record(s: Subsystem, t: number, value: number): void {
    const h = this.#history.get(s)!;
    const last = h[h.length - 1];
    // one history point a second is plenty for a tile chart
    if (last && t - last.t < 1000) last.value = value;
    else h.push({ t, value });
    const max = this.#deps.historyLength ?? 600;
    if (h.length > max) h.splice(0, h.length - max);
  }

  #broadcast(data: string): void {
    const limit = this.#deps.maxBufferedBytes ?? 1024 * 1024;
    for (const c of this.#clients) {
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
        this.#clients.delete(c);
      }
    }
  }

  snapshot(): LiveMessage {
    return {
      type: 'hello',
      at: this.#deps.clock.now(),
      subsystems: Object.fromEntries(this.#summaries),
      history: Object.fromEntries(this.#history),
      incidents: this.#deps.incidents(),
    };
  }

  attach(socket: LiveSocket): void {
    this.#clients.add(socket);
    socket.on('close', () => this.#clients.delete(socket));
    socket.send(JSON.stringify(this.snapshot()));
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#deps.events.removeListeners(OWNER);
    this.#clients.clear();
  }
}
