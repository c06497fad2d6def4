// Behaviour models per device kind: physically plausible daily and seasonal curves,
// driven only by the simulated time, the town's conditions and a seeded random
// stream, so the same seed gives the same feed.
import type { Scenario, SimDevice } from './scenario.ts';
import { chartFor } from '../devices/index.ts';
import { KARAGANDA, conditionsAt, heatingSchedule, peak, type TownConditions } from './environment.ts';
import { gaussian, hashString, poisson, type Random } from './rng.ts';
import { CITY_MODELS } from './models-city.ts';

export type { ModelInput, ModelState } from './model-input.ts';
import type { ModelInput, ModelState } from './model-input.ts';

type Model = (i: ModelInput) => Record<string, number>;

const r2 = (v: number) => Math.round(v * 100) / 100;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

const unit = (h: number) => h / 4294967296;

/** Legitimate water use of a district on a local day relative to its mean, 0.95..1.05, interpolated through the day. */
function dayFactor(deviceId: string, localMs: number): number {
  const days = localMs / 86_400_000;
  const d = Math.floor(days);
  const f = (day: number) => 1 + 0.1 * (unit(hashString(`${deviceId}/day/${day}`)) - 0.5);
  return f(d) + (f(d + 1) - f(d)) * (days - d);
}

/** Residential water demand, 0..~1.4, morning and evening peaks. */
export const waterDemand = (h: number) => 0.35 + 0.75 * peak(h, 7.5, 1.3) + 0.6 * peak(h, 20, 1.8) + 0.2 * peak(h, 13, 2.5);

const models: Record<string, Model> = {
  'water-pressure': ({ device, scenario, simMs, town, rng, state }) => {
    state.nominalFlow ??= 60 + rng.next() * 140;
    state.headBar ??= 4.4 + rng.next() * 0.8;
    const demand = waterDemand(town.localHour);
    // The point meters the inflow of its district metered area (DMA): legitimate use on
    // the diurnal curve plus background leakage that runs day and night (Lambert's BABE
    // components, IWA; UKWIR "Managing Leakage" Report E). Background leakage is 12–24 %
    // of the mean flow, so at the 02:00–04:00 minimum it is 35–70 % of the night flow,
    // as in networks without active leakage control; legitimate use varies ±5 % from
    // one day to the next (weather, weekdays), smoothly, so night flows differ too.
    state.background ??= 0.12 + 0.12 * unit(hashString(`${device.deviceId}/background`));
    const use = (demand - state.background) * dayFactor(device.deviceId, simMs + scenario.utcOffsetMinutes * 60_000);
    const flow = state.nominalFlow * (use + state.background) * (1 + 0.05 * gaussian(rng));
    // pressure falls with demand (friction losses grow with flow squared)
    const pressure = state.headBar - 1.1 * demand * demand + 0.05 * gaussian(rng);
    return { pressure: r2(clamp(pressure, 0, 25)), flow: r2(clamp(flow, 0, 5000)) };
  },
  'heat-substation': ({ scenario, simMs, town, rng, state }) => {
    // The source regulates supply to the standard chart (devices/heating-schedule.ts)
    // for the outdoor temperature it forecast one to two hours ago: the water takes
    // that long to reach the substation (transport lag), so the supply follows the
    // weather late. Each substation sits a little off the chart (bias, σ 1.5 °C),
    // wanders slowly (regulation, AR(1) σ ≈ 1 °C) and reads with sensor noise.
    const climate = scenario.climate ?? KARAGANDA;
    const chart = chartFor(climate.designOutdoorC);
    state.bias ??= gaussian(rng) * 1.5;
    state.lagMs ??= (1 + rng.next()) * 3_600_000;
    state.sensorBias ??= gaussian(rng) * 0.4;
    state.nominalFlow ??= 30 + rng.next() * 80;
    state.wander = 0.97 * (state.wander ?? 0) + 0.25 * gaussian(rng);
    const lagged = conditionsAt(simMs - state.lagMs, scenario.utcOffsetMinutes, climate).outdoorTemp;
    const sched = heatingSchedule(lagged, chart);
    const on = town.heatingSeason;
    // out of season the network carries hot water only, at the chart's 70 °C floor less losses
    const supply = on ? sched.supply + state.bias + state.wander + 0.5 * gaussian(rng) : 66 + state.bias + 0.5 * gaussian(rng);
    const ret = on ? sched.return + state.bias * 0.5 + 0.4 * state.wander + 0.4 * gaussian(rng) : 42 + 0.5 * gaussian(rng);
    const flow = state.nominalFlow * (on ? 1 : 0.3) * (1 + 0.03 * gaussian(rng));
    return { supplyTemp: r2(supply), returnTemp: r2(ret), flow: r2(clamp(flow, 0, 5000)), outdoorTemp: r2(town.outdoorTemp + state.sensorBias + 0.3 * gaussian(rng)) };
  },
  'power-feeder': ({ town, rng, state }) => {
    state.base ??= 35 + rng.next() * 20;
    const daily = 0.6 * peak(town.localHour, 8, 1.5) + 0.9 * peak(town.localHour, 20, 2) + 0.3 * peak(town.localHour, 14, 3);
    const seasonal = 8 * Math.cos((2 * Math.PI * (town.dayOfYear - 15)) / 365); // winter evenings are darker and colder
    const load = clamp(state.base + 25 * daily + seasonal + 2 * gaussian(rng), 0, 200);
    const voltage = 232 - 0.12 * load + 1.2 * gaussian(rng);
    return { voltage: r2(clamp(voltage, 0, 500)), load: r2(load) };
  },
  'sewage-level': ({ town, rng, state }) => {
    // Sewage follows water demand with a lag of about an hour; wells sit half full at peak.
    state.nominalFlow ??= 20 + rng.next() * 120;
    state.depthFill ??= 25 + rng.next() * 15;
    const demand = waterDemand((town.localHour + 23) % 24);
    const flow = state.nominalFlow * demand * (1 + 0.06 * gaussian(rng));
    const level = state.depthFill * (0.6 + 0.5 * demand) + 1.5 * gaussian(rng);
    return { level: r2(clamp(level, 0, 120)), flow: r2(clamp(flow, 0, 5000)) };
  },
  'gas-pressure': ({ town, rng, state }) => {
    // Regulators hold 2..3 kPa; pressure dips slightly when cooking and heating peak.
    state.setPoint ??= 2.4 + rng.next() * 0.5;
    const demand = 0.5 * peak(town.localHour, 8, 1.5) + 0.7 * peak(town.localHour, 19, 2) + (town.heatingSeason ? 0.3 : 0);
    return { pressure: r2(clamp(state.setPoint - 0.25 * demand + 0.03 * gaussian(rng), 0, 50)) };
  },
  'traffic-counter': ({ town, scenario, rng, state }) => {
    state.capacity ??= 20 + rng.next() * 25;
    const h = town.localHour;
    const weekend = town.weekday === 0 || town.weekday === 6;
    let flow = 0.08 + 0.25 * peak(h, 13, 4);
    for (const s of scenario.shiftChanges) flow += 0.55 * peak(h, s - 0.5, 0.5) + 0.45 * peak(h, s + 0.5, 0.6);
    if (!weekend) flow += 0.35 * peak(h, 8.5, 1) + 0.35 * peak(h, 18.5, 1.2);
    const vehiclesPerMin = poisson(rng, state.capacity * flow);
    const congestion = clamp(vehiclesPerMin / (state.capacity * 1.2), 0, 1);
    const meanSpeed = clamp(55 - 35 * congestion + 3 * gaussian(rng), 3, 90);
    return { vehiclesPerMin, meanSpeed: r2(meanSpeed), signal: 1 };
  },
  'emergency-camera': ({ rng }) => {
    // Cameras stay up (outages are injected faults, with ground truth); detections are
    // rare: about one a month per camera and kind of event.
    const detect = () => (rng.next() < 4e-6 ? r2(0.6 + rng.next() * 0.4) : 0);
    return { online: 1, smoke: detect(), fire: detect(), crowd: detect(), personDown: detect() };
  },
  'clinic-queue': ({ town, rng, state, dtMs }) => {
    state.waiting ??= 0;
    state.windowsMax ??= 3 + Math.floor(rng.next() * 6);
    const h = town.localHour;
    const open = town.weekday === 0 ? false : town.weekday === 6 ? h >= 9 && h < 14 : h >= 8 && h < 20;
    const windows = open ? Math.max(1, Math.round(state.windowsMax * (0.6 + 0.4 * peak(h, 10, 2)))) : 0;
    const minutes = dtMs / 60_000;
    // arrivals: Poisson, busiest mid-morning; service: ~6 min per person per window
    const arrivalsPerMin = open ? 0.3 * state.windowsMax * (0.4 + peak(h, 9.5, 1.5) + 0.5 * peak(h, 16, 1.5)) : 0;
    const arrivals = poisson(rng, arrivalsPerMin * minutes);
    const served = Math.min(state.waiting + arrivals, poisson(rng, (windows / 6) * minutes));
    state.waiting = open ? state.waiting + arrivals - served : 0;
    const meanWaitMin = windows > 0 ? (state.waiting * 6) / windows : 0;
    return { waiting: state.waiting, meanWaitMin: r2(clamp(meanWaitMin, 0, 1440)), openWindows: windows };
  },
  'air-station': ({ device, town, rng, state }) => {
    // Wind as a bounded random walk (m/s); plant output slightly higher by day.
    state.wind ??= 2 + rng.next() * 4;
    state.wind = clamp(state.wind + 0.3 * gaussian(rng), 0.3, 15);
    const plant = 0.85 + 0.15 * peak(town.localHour, 14, 5);
    const exposure = clamp(device.plantExposure, 0, 1);
    const dispersion = 1 / (0.6 + 0.4 * state.wind);
    const heatingSmoke = town.heatingSeason ? 1.4 : 1; // coal-fired heating adds to winter smog
    const pm25 = 6 * heatingSmoke + 70 * plant * exposure * dispersion * (1 + 0.15 * gaussian(rng));
    return {
      pm25: r2(clamp(pm25, 0, 5000)),
      pm10: r2(clamp(pm25 * (1.6 + 0.1 * gaussian(rng)), 0, 10000)),
      so2: r2(clamp(15 + 220 * plant * exposure * dispersion * (1 + 0.2 * gaussian(rng)), 0, 20000)),
      no2: r2(clamp(20 + 60 * exposure * dispersion + 30 * peak(town.localHour, 8.5, 1.5) * (1 + 0.2 * gaussian(rng)), 0, 20000)),
    };
  },
  ...CITY_MODELS,
};

export function modelFor(kindId: string): Model {
  const m = models[kindId];
  if (!m) throw new Error(`no behaviour model for device kind "${kindId}"`);
  return m;
}

/** One reading of a device at a simulated instant. */
export function step(device: SimDevice, scenario: Scenario, simMs: number, dtMs: number, rng: Random, state: ModelState): Record<string, number> {
  return modelFor(device.kind.id)({ device, scenario, simMs, dtMs, town: conditionsAt(simMs, scenario.utcOffsetMinutes, scenario.climate ?? KARAGANDA), rng, state });
}
