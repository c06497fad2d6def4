// The faults the simulator can inject, each with the device kind it strikes, the
// network whose wear drives its rate, and its signature in the signals.
//
// Base rates are per device (≈ per km of network or per asset) per year on a
// network of 30% wear; worn networks fail more: the rate is multiplied by
// exp(3 · (wear − 0.3)), so the 61.1% average wear of Kazakh water and sewage
// networks fails ~2.5 times as often as a 30%-worn one.

import { CITY_FAULT_KINDS } from './fault-kinds-city.ts';
import { coolBuilding } from './building-cooling.ts';

export type { FaultEnv, FaultKind, FaultRole } from './fault-kind.ts';
import type { FaultKind } from './fault-kind.ts';

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
    // An unreported leak on a main or a service pipe: it flows day and night, growing
    // to its full size over a few hours, and runs until it is found and repaired.
    // Lambert's BABE concepts (IWA; UKWIR "Managing Leakage" Report E, 1994): such a
    // leak is below the size anyone reports, so it is found by its rise of the district's
    // minimum night flow (02:00–04:00, when legitimate use is lowest) over the area's
    // baseline; its "awareness" time is a night or two of metering, and without active
    // leakage control it runs for days to weeks. Size: 8–12 m³/h (3 + 9 × severity), an unreported main or
    // large service-pipe burst (Report E's burst flow rates are of this order at 50 m
    // pressure), 10–50 % of a simulated area's night flow. Pressure at the point sags by
    // the extra head loss only, about 0.1 bar: too little for a pressure rule.
    // Rate: an assumption of the order of the main-break rate (unreported bursts are at
    // least as common as reported ones where there is no active leakage control).
    targetKind: 'water-pressure',
    network: 'water',
    utility: 'water',
    ratePerYear: 0.2,
    durationMinutes: [3 * 1440, 10 * 1440],
    needsNights: 2,
    effect: (m, _role, since, sev) => {
      const leak = (3 + 9 * sev) * ramp(since, 90); // m³/h
      if (m.flow !== undefined) m.flow = r2(m.flow + leak);
      if (m.pressure !== undefined) m.pressure = r2(m.pressure - 0.01 * leak);
    },
  },
  'heating-substation-failure': {
    targetKind: 'heat-substation',
    network: 'heat',
    utility: 'heat',
    ratePerYear: 0.3,
    durationMinutes: [60, 360],
    season: 'heating',
    // the schools and kindergartens it heats cool down too
    dependents: { kinds: ['school-classroom', 'kindergarten-room'], effect: (m, since, sev, env) => coolBuilding(m, since, sev, env.outdoorTemp) },
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
    // an assumption: a third of feeders' telemetry units run off the same line without
    // a backup battery, so the feeder falls silent with its devices instead of reading 0 V
    silencesTarget: 1 / 3,
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
  ...CITY_FAULT_KINDS,
};

export const wearFactor = (wear: number): number => Math.exp(3 * (wear - 0.3));

/** Local hours of the minimum-night-flow window (UKWIR Report E: legitimate night use is lowest between 02:00 and 04:00). */
export const NIGHT_WINDOW = Object.freeze({ fromHour: 2, toHour: 4 });

/**
 * The earliest time a rule could see a fault of this kind that began at `start`: at
 * once for most kinds; for one seen through night windows, the end of the
 * `needsNights`-th whole window after it began. Scoring leaves a fault still unseeable
 * at the end of a run out of recall (it is pending, not missed).
 */
export function observableFrom(kind: string, start: number, utcOffsetMinutes: number): number {
  const nights = FAULT_KINDS[kind]?.needsNights;
  if (!nights) return start;
  const H = 3_600_000;
  const off = utcOffsetMinutes * 60_000;
  const localStart = start + off;
  let windowStart = Math.floor(localStart / 86_400_000) * 86_400_000 + NIGHT_WINDOW.fromHour * H;
  if (windowStart < localStart) windowStart += 86_400_000;
  return windowStart + (nights - 1) * 86_400_000 + (NIGHT_WINDOW.toHour - NIGHT_WINDOW.fromHour) * H - off;
}
