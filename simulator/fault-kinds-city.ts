// Faults of the city's own services (education), with ground truth like the
// networks' faults in simulator/fault-kinds.ts. Each draws its random times and
// targets on its own stream (`ownStream`), so adding these kinds left the faults
// of the networks, and the rules' measured tables, as they were.
import type { FaultKind } from './fault-kind.ts';
import { coolBuilding } from './building-cooling.ts';

const r0 = (v: number) => Math.round(v);
const ramp = (sinceMs: number, tauMin: number) => 1 - Math.exp(-sinceMs / (tauMin * 60_000));

export const CITY_FAULT_KINDS: Readonly<Record<string, FaultKind>> = {
  'lift-breakdown': {
    // a lift stopped by a fault (doors, drive, controller) until the lift company
    // repairs it. Rate assumed (~0.5 a year per lift on the monitored stock, most of
    // it older than its 25-year service life)
    targetKind: 'residential-lift',
    network: null,
    utility: 'social',
    ratePerYear: 0.5,
    durationMinutes: [90, 1440],
    ownStream: true,
    effect: (m) => {
      m.inService = 0;
      m.trips = 0;
    },
  },
  'care-alarm-pressed': {
    // an elderly resident presses the pendant (a fall, feeling unwell); it stays raised
    // until the call centre answers. Assumed ~2 presses a year per pendant
    targetKind: 'care-alarm',
    network: null,
    utility: 'social',
    ratePerYear: 2,
    durationMinutes: [10, 40],
    ownStream: true,
    effect: (m) => {
      m.pressed = 1;
    },
  },
  'school-heating-loss': {
    // the school's own heat point or an air-locked riser: the building cools while the
    // district network is fine. Rate: ~0.3 a school-year per school (assumed, as the
    // substations' own rate; no public statistics)
    targetKind: 'school-classroom',
    network: 'heat',
    utility: 'education',
    ratePerYear: 0.3,
    durationMinutes: [180, 480],
    season: 'heating',
    ownStream: true,
    needsEnv: true,
    effect: (m, _role, since, sev, env) => coolBuilding(m, since, sev, env?.outdoorTemp ?? 0),
  },
  'classroom-ventilation-failure': {
    // the supply fan stops (or windows stay shut): the room's outdoor air falls to a
    // quarter, so the CO2 the pupils add rises towards four times its usual excess
    // within about half an hour. Assumed ~1 a school-year per school.
    targetKind: 'school-classroom',
    network: null,
    utility: 'education',
    ratePerYear: 1,
    durationMinutes: [60, 240],
    during: 'school-hours',
    ownStream: true,
    effect: (m, _role, since, sev) => {
      if (m.co2 === undefined) return;
      const excess = Math.max(0, m.co2 - 420);
      m.co2 = r0(Math.min(10_000, m.co2 + 3 * sev * excess * ramp(since, 20)));
    },
  },
};
