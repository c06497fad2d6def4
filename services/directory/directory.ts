// The device directory: the latest known state of every device (seen readings and
// birth/death status). Seeded from the store at start so a restart remembers the town.
import { SUBSYSTEMS, type Subsystem } from '../../devices/index.ts';
import type { EventBus } from '../events.ts';
import type { DeviceState } from '../contracts/index.ts';
import type { TimeSeriesStore } from '../store/port.ts';

export interface DirectoryDeps {
  events: EventBus;
  store: TimeSeriesStore;
}

export class DeviceDirectory {
  readonly #deps: DirectoryDeps;
  readonly #bySubsystem = new Map<Subsystem, Map<string, DeviceState>>(SUBSYSTEMS.map((s) => [s, new Map()]));
  readonly #listeners: ((s: Subsystem) => void)[] = [];
  readonly #offs: (() => void)[] = [];

  constructor(deps: DirectoryDeps) {
    this.#deps = deps;
  }

  /** Called with the subsystem whenever one of its devices changes. */
  onChange(fn: (s: Subsystem) => void): void {
    this.#listeners.push(fn);
  }

  async start(): Promise<void> {
    for (const d of await this.#deps.store.latest()) {
      if (!(SUBSYSTEMS as readonly string[]).includes(d.subsystem)) continue;
      const s = d.subsystem as Subsystem;
      this.#bySubsystem.get(s)!.set(d.deviceId, { ...d, subsystem: s, online: false });
      this.#changed(s);
    }
    const { events } = this.#deps;
    this.#offs.push(
      events.on('readingAccepted', 'directory', (r) => {
        const devices = this.#bySubsystem.get(r.subsystem)!;
        const prev = devices.get(r.deviceId);
        if (prev) {
          // updated in place: this runs for every reading
          prev.district = r.district;
          prev.kind = r.kind;
          prev.ts = Math.max(r.ts, prev.ts);
          Object.assign(prev.metrics, r.metrics); // a partial reading (a camera's detection) updates only what it carries
          prev.online = true;
        } else {
          devices.set(r.deviceId, { deviceId: r.deviceId, subsystem: r.subsystem, district: r.district, kind: r.kind, ts: r.ts, metrics: { ...r.metrics }, online: true });
        }
        this.#changed(r.subsystem);
      }),
      events.on('deviceStatusChanged', 'directory', (s) => {
        const devices = this.#bySubsystem.get(s.subsystem)!;
        const prev = devices.get(s.deviceId);
        const online = s.state === 'online';
        const location = s.location ?? prev?.location;
        const attributes = s.attributes ?? prev?.attributes;
        devices.set(s.deviceId, {
          ...(prev ?? { deviceId: s.deviceId, subsystem: s.subsystem, district: s.district, kind: s.kind, ts: 0, metrics: {} }),
          online,
          ...(location ? { location } : {}),
          ...(attributes ? { attributes } : {}),
        });
        this.#changed(s.subsystem);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
  }

  devicesIn(s: Subsystem): Iterable<DeviceState> {
    return this.#bySubsystem.get(s)!.values();
  }

  list(): DeviceState[] {
    return SUBSYSTEMS.flatMap((s) => [...this.#bySubsystem.get(s)!.values()]);
  }

  get size(): number {
    let n = 0;
    for (const m of this.#bySubsystem.values()) n += m.size;
    return n;
  }

  #changed(s: Subsystem): void {
    for (const fn of this.#listeners) fn(s);
  }
}
