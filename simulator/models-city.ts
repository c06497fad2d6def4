// Behaviour models of the city's own services: schools and kindergartens
// (education). Same contract as simulator/models.ts: driven only by simulated time,
// the town's conditions and a seeded random stream.
//
// Rooms: indoor temperature held by the heating in the season (a set point of
// 20.5–21.7 °C in classrooms, 22–23 °C in group rooms, plus the occupants' heat),
// free-running out of it (the outdoor temperature damped by the building, plus solar
// and internal gains). CO2 by the well-mixed mass balance of a room,
//   V·dC/dt = G·n·10⁶ − Q·(C − C_out),
// solved exactly over each step: G ≈ 0.012 m³/h of CO2 per pupil and 0.008 per
// preschool child (sedentary metabolic rates scaled to body size, after ASHRAE 62.1
// and Persily & de Jonge 2017), Q the room's outdoor-air supply of 25–32 m³/h per
// pupil (mechanical ventilation at or above the sanitary 20 m³/h per person) and
// three times that in breaks (rooms are aired between lessons), C_out ≈ 420 ppm.
// A healthy classroom thus settles at ~800–900 ppm in a lesson.
import { peak, type TownConditions } from './environment.ts';
import { gaussian, poisson, type Random } from './rng.ts';
import type { ModelInput } from './model-input.ts';

const r1 = (v: number) => Math.round(v * 10) / 10;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const OUTDOOR_CO2 = 420;

/**
 * School holidays by day of the year (local): the summer from 1 June to 31 August,
 * autumn (~28 Oct–5 Nov), winter (30 Dec–7 Jan) and spring (~20–29 Mar), after the
 * Ministry of Education's usual order on the school year's structure.
 */
function schoolHoliday(dayOfYear: number): boolean {
  const d = Math.floor(dayOfYear) + 1; // 1 = 1 January
  return d <= 7 || (d >= 79 && d <= 88) || (d >= 152 && d <= 243) || (d >= 301 && d <= 309) || d >= 364;
}

export type RoomSession = 'lesson' | 'break' | 'closed';

/**
 * What a room is doing at the town's local time. Schools: Monday to Friday, two
 * shifts (08:00–13:00 and 13:30–18:30, as most town schools in Kazakhstan work), 45-minute
 * lessons with 10-minute breaks; kindergartens: Monday to Friday 07:30–18:30, all year.
 */
export function roomSession(kindId: string, town: TownConditions): RoomSession {
  if (town.weekday === 0 || town.weekday === 6) return 'closed';
  const h = town.localHour;
  if (kindId === 'kindergarten-room') return h >= 7.5 && h < 18.5 ? 'lesson' : 'closed';
  if (schoolHoliday(town.dayOfYear)) return 'closed';
  const shiftStart = h >= 8 && h < 13 ? 8 : h >= 13.5 && h < 18.5 ? 13.5 : undefined;
  if (shiftStart === undefined) return 'closed';
  return ((h - shiftStart) * 60) % 55 < 45 ? 'lesson' : 'break';
}

interface RoomSpec {
  size: [number, number];
  setPoint: [number, number];
  volume: [number, number];
  /** CO2 per occupant, m³/h */
  co2PerHead: number;
}

const ROOMS: Record<string, RoomSpec> = {
  'school-classroom': { size: [20, 30], setPoint: [20.5, 21.7], volume: [170, 220], co2PerHead: 0.012 },
  'kindergarten-room': { size: [15, 25], setPoint: [22, 23], volume: [140, 180], co2PerHead: 0.008 },
};

function occupants(kindId: string, session: RoomSession, size: number, town: TownConditions, rng: Random): number {
  if (session === 'closed') return 0;
  if (kindId === 'kindergarten-room') {
    // children arrive 07:30–09:00 and are collected 16:30–18:30
    const h = town.localHour;
    const present = clamp((h - 7.5) / 1.5, 0, 1) * clamp((18.5 - h) / 2, 0, 1);
    return Math.round(size * present) + 2;
  }
  if (session === 'break') return Math.round(size * (0.3 + 0.2 * rng.next()));
  return size - Math.min(size, Math.floor(rng.next() * 3)) + 1; // a few absent, one teacher
}

function room(kindId: string) {
  const spec = ROOMS[kindId]!;
  return ({ town, rng, state, dtMs }: ModelInput): Record<string, number> => {
    state.size ??= spec.size[0] + Math.floor(rng.next() * (spec.size[1] - spec.size[0] + 1));
    state.setPoint ??= spec.setPoint[0] + rng.next() * (spec.setPoint[1] - spec.setPoint[0]);
    state.volume ??= spec.volume[0] + rng.next() * (spec.volume[1] - spec.volume[0]);
    state.airPerHead ??= 25 + rng.next() * 7;
    state.co2 ??= OUTDOOR_CO2 + 20 * rng.next();
    const session = roomSession(kindId, town);
    const n = occupants(kindId, session, state.size, town, rng);
    const designQ = state.airPerHead * state.size;
    // ventilation runs in opening hours; at night only infiltration (~0.3 air changes an hour)
    const q = session === 'closed' ? 0.3 * state.volume : session === 'break' ? 3 * designQ : designQ;
    const steady = OUTDOOR_CO2 + (n * spec.co2PerHead * 1e6) / q;
    state.co2 = steady + (state.co2 - steady) * Math.exp((-q * dtMs) / 3_600_000 / state.volume);
    // occupants warm a room by up to ~1 °C; out of season the building follows the weather, damped
    const gains = (n / state.size) * 1;
    const air = town.heatingSeason ? state.setPoint + gains : clamp(19.5 + 0.3 * (town.outdoorTemp - 8) + 1.5 * peak(town.localHour, 15, 3), 15, 34) + gains;
    return {
      airTemp: r1(clamp(air + 0.15 * gaussian(rng), -40, 60)),
      co2: Math.round(clamp(state.co2 + 8 * gaussian(rng), 0, 10_000)),
      occupancy: n,
    };
  };
}

/** A lift's trips: residents leaving in the morning and coming home in the evening (Poisson). */
function lift({ town, rng, state, dtMs }: ModelInput): Record<string, number> {
  state.perHour ??= 8 + rng.next() * 10;
  const h = town.localHour;
  const rate = state.perHour * (0.15 + peak(h, 8, 1.5) + 1.2 * peak(h, 19, 2) + 0.4 * peak(h, 13, 3));
  return { inService: 1, trips: poisson(rng, (rate * dtMs) / 3_600_000) };
}

/** A care-alarm pendant: silent unless pressed (presses are faults with ground truth); its battery runs down over ~a year. */
function careAlarm({ rng, state, dtMs }: ModelInput): Record<string, number> {
  state.battery ??= 30 + rng.next() * 70;
  state.battery = Math.max(25, state.battery - (100 * dtMs) / (365 * 86_400_000));
  return { pressed: 0, battery: r1(state.battery) };
}

export const CITY_MODELS = {
  'school-classroom': room('school-classroom'),
  'kindergarten-room': room('kindergarten-room'),
  'residential-lift': lift,
  'care-alarm': careAlarm,
};

/**
 * What a device tells the registry with its birth. About one lift in six carries
 * residents who cannot leave home without it (wheelchair users, the frail): assumed,
 * the share of people with disabilities in Kazakhstan being ~3.7 % (~700,000).
 */
export function birthAttributes(kindId: string, rng: Random): Record<string, number> | undefined {
  if (kindId !== 'residential-lift') return undefined;
  return { dependents: rng.next() < 1 / 6 ? 1 + Math.floor(rng.next() * 3) : 0 };
}

