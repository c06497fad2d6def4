// Builds a feed and the fleet that paces it, from plain options: shared by
// `qala start` (the simulated town inside the platform) and `qala simulate`.
import type { Logger } from 'pino';
import { createSimClock, type SimClock } from './clock.ts';
import { Feed } from './feed.ts';
import { Fleet, type ConnectionMode, type FleetCredentials } from './fleet.ts';
import { loadScenario, type Scenario } from './scenario.ts';

export interface SimulationOptions {
  brokerUrl: string;
  scenario: string;
  /** topic town id; the scenario's id when absent */
  town?: string;
  seed: number;
  speed: number;
  scale: number;
  intervalMs: number;
  faultRate: number;
  /** multiplies the field's hard cases (simulator/field.ts); 0 or absent for a clean feed */
  hardCases?: number;
  connections: 'auto' | 'per-device' | number;
  start: number;
  durationMs?: number;
  log: Logger;
  onFinished?: () => void;
  /** how the fleet logs in to the broker (the platform provisions its simulator) */
  credentials?: FleetCredentials;
}

export interface Simulation {
  scenario: Scenario;
  feed: Feed;
  fleet: Fleet;
  clock: SimClock;
}

/** Above this many devices, one connection each costs more than it shows. */
const PER_DEVICE_LIMIT = 2000;

export function createSimulation(o: SimulationOptions): Simulation {
  const scenario = loadScenario(o.scenario);
  const town = o.town ?? scenario.id;
  const feed = new Feed({ scenario, town, seed: o.seed, start: o.start, intervalMs: o.intervalMs, durationMs: o.durationMs, scale: o.scale, faultRate: o.faultRate, hardCases: o.hardCases ?? 0 });
  const connections: ConnectionMode =
    o.connections === 'auto' ? (feed.devices.length <= PER_DEVICE_LIMIT ? 'per-device' : 16) : o.connections;
  const clock = createSimClock({ start: o.start, speed: o.speed });
  const fleet = new Fleet({ brokerUrl: o.brokerUrl, town, feed, clock, connections, log: o.log, onFinished: o.onFinished, ...(o.credentials ? { credentials: o.credentials } : {}) });
  return { scenario, feed, fleet, clock };
}

/** The simulation settings every entry point reads from the platform config. */
export interface SimulationConfig {
  scenario: string;
  simSeed: number;
  simSpeed: number;
  simScale: number;
  simIntervalMs: number;
  simFaultRate: number;
  /** the field's hard cases (simulator/field.ts); absent or 0 for a clean feed */
  simHardCases?: number;
  simConnections: 'auto' | 'per-device' | number;
  simStart?: string | undefined;
}

export function simulationFromConfig(
  c: SimulationConfig,
  rest: Pick<SimulationOptions, 'brokerUrl' | 'town' | 'log' | 'durationMs' | 'onFinished' | 'credentials'> & { now: () => number },
): Simulation {
  const { now, ...others } = rest;
  return createSimulation({
    scenario: c.scenario,
    seed: c.simSeed,
    speed: c.simSpeed,
    scale: c.simScale,
    intervalMs: c.simIntervalMs,
    faultRate: c.simFaultRate,
    hardCases: c.simHardCases ?? 0,
    connections: c.simConnections,
    start: c.simStart ? Date.parse(c.simStart) : now(),
    ...others,
  });
}
