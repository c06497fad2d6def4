// The faults the simulator can inject, each with the device kind it strikes, the
// network whose wear drives its rate, and its signature in the signals.
//
// Base rates are per device (≈ per km of network or per asset) per year on a
// network of 30% wear; worn networks fail more: the rate is multiplied by
// exp(3 · (wear − 0.3)), so the 61.1% average wear of Kazakh water and sewage
// networks fails ~2.5 times as often as a 30%-worn one.

export type FaultRole = 'target' | 'neighbour';

export interface FaultKind {
  readonly targetKind: string;
  readonly network: 'water' | 'heat' | 'power' | 'gas' | null;
  readonly utility: string;
  readonly ratePerYear: number;
  readonly durationMinutes: readonly [number, number];
  /** how many nearest devices of the same kind in the district are also affected */
  readonly neighbours?: number;
  /** device kinds in the target's district that go silent (lose mains power) */
  readonly silences?: readonly string[];
  /** `heating`: random faults of this kind strike only in the heating season (a substation out of season carries hot water only) */
  readonly season?: 'heating';
  /** transforms a device's metrics while the fault is active; `sinceMs` since the fault began, `severity` 0.5..1 */
  readonly effect: (m: Record<string, number>, role: FaultRole, sinceMs: number, severity: number) => void;
}

const ramp = (sinceMs: number, tauMin: number) => 1 - Math.exp(-sinceMs / (tauMin * 60_000));
const r2 = (v: number) => Math.round(v * 100) / 100;

export const FAULT_KINDS: Readonly<Record<string, FaultKind>> = {
  'water-main-break': {
    targetKind: 'water-pressure',
    network: 'water',
    utility: 'water',
    ratePerYear: 0.35,
    durationMinutes: [120, 480],
    neighbours: 3,
    effect: (m, role, since, sev) => {
      const k = ramp(since, 1.5) * sev * (role === 'target' ? 1 : 0.45);
      if (m.pressure !== undefined) m.pressure = r2(Math.max(0.2, m.pressure - 3.2 * k));
      if (m.flow !== undefined) m.flow = r2(m.flow * (1 + 1.6 * k));
    },
  },
  'water-slow-leak': {
    // a leak that grows: pressure at the point falls 0.1–0.25 bar an hour for hours
    // and the flow carries the leakage (background and unreported leaks, IWA water
    // balance; minimum night flow analysis of district metered areas)
    // not injected at random yet (rate 0): schedule it in a scenario. The dailyDrop
    // rule finds about half of them in ~2.7 h, and the low-pressure rule's
    // incidents on them would count against main breaks (see the rules README)
    targetKind: 'water-pressure',
    network: 'water',
    utility: 'water',
    ratePerYear: 0,
    durationMinutes: [8 * 60, 24 * 60],
    effect: (m, _role, since, sev) => {
      const hours = since / 3_600_000;
      const rate = 0.1 + 0.15 * sev; // bar per hour
      if (m.pressure !== undefined) m.pressure = r2(Math.max(0.5, m.pressure - Math.min(2, rate * hours)));
      if (m.flow !== undefined) m.flow = r2(m.flow + Math.min(40, 6 * rate * 10 * hours));
    },
  },
  'heating-substation-failure': {
    targetKind: 'heat-substation',
    network: 'heat',
    utility: 'heat',
    ratePerYear: 0.3,
    durationMinutes: [60, 360],
    season: 'heating',
    effect: (m, _role, since, sev) => {
      // circulation stops: the water in the substation cools towards the building's
      // temperature over tens of minutes (faster the more complete the failure)
      const k = ramp(since, 10) * (0.85 + 0.15 * sev);
      if (m.supplyTemp !== undefined) m.supplyTemp = r2(35 + (m.supplyTemp - 35) * (1 - 0.9 * k));
      if (m.returnTemp !== undefined) m.returnTemp = r2(30 + (m.returnTemp - 30) * (1 - 0.7 * k));
      if (m.flow !== undefined) m.flow = r2(m.flow * (1 - 0.8 * k));
    },
  },
  'power-feeder-outage': {
    targetKind: 'power-feeder',
    network: 'power',
    utility: 'power',
    ratePerYear: 0.5,
    durationMinutes: [30, 180],
    silences: ['traffic-counter', 'emergency-camera', 'clinic-queue'],
    effect: (m) => {
      m.voltage = 0;
      m.load = 0;
    },
  },
  'sewage-overflow': {
    targetKind: 'sewage-level',
    network: 'water',
    utility: 'water',
    ratePerYear: 0.3,
    durationMinutes: [60, 240],
    effect: (m, _role, since, sev) => {
      // a blocked collector: the well fills to the brim and beyond within minutes
      const k = ramp(since, 5) * (0.85 + 0.15 * sev);
      if (m.level !== undefined) m.level = r2(Math.min(120, m.level + (110 - m.level) * k));
      if (m.flow !== undefined) m.flow = r2(m.flow * (1 + k));
    },
  },
  'gas-pressure-anomaly': {
    targetKind: 'gas-pressure',
    network: 'gas',
    utility: 'gas',
    ratePerYear: 0.2,
    durationMinutes: [30, 120],
    effect: (m, _role, since, sev) => {
      // a failing regulator: pressure creeps up towards the medium-pressure side
      const k = ramp(since, 5) * sev;
      if (m.pressure !== undefined) m.pressure = r2(m.pressure + 3 * k);
    },
  },
  'camera-offline': {
    targetKind: 'emergency-camera',
    network: null,
    utility: 'emergency',
    ratePerYear: 2,
    durationMinutes: [30, 360],
    effect: (m) => {
      m.online = 0;
      for (const k of ['smoke', 'fire', 'crowd', 'personDown']) if (m[k] !== undefined) m[k] = 0;
    },
  },
  'traffic-signal-failure': {
    targetKind: 'traffic-counter',
    network: null,
    utility: 'transport',
    ratePerYear: 1.5,
    durationMinutes: [30, 180],
    effect: (m, _role, _since, sev) => {
      m.signal = 0;
      if (m.meanSpeed !== undefined) m.meanSpeed = r2(Math.max(3, m.meanSpeed * (1 - 0.6 * sev)));
      if (m.vehiclesPerMin !== undefined) m.vehiclesPerMin = Math.round(m.vehiclesPerMin * (1 - 0.3 * sev));
    },
  },
};

export const wearFactor = (wear: number): number => Math.exp(3 * (wear - 0.3));
