// The /live websocket protocol and the device state the directory keeps: what the
// dashboard reads. The dashboard imports only this module and devices/.
import type { Subsystem } from '../../devices/index.ts';
import type { Incident } from './incidents.ts';

export interface DeviceState {
  deviceId: string;
  subsystem: Subsystem;
  district: string;
  kind: string;
  ts: number;
  metrics: Record<string, number>;
  online: boolean;
  location?: [number, number];
  /** sent with the device's birth (a lift's `dependents`: residents who cannot leave home without it) */
  attributes?: Record<string, number | boolean | string>;
}

export interface MetricFigure {
  value: number;
  unit: string;
  aggregate: 'sum' | 'mean' | 'max';
  /** devices whose latest value of this metric is outside the normal band */
  outOfNormal: number;
}

export interface SubsystemSummary {
  subsystem: Subsystem;
  devices: number;
  online: number;
  outOfNormal: number;
  lastReadingAt: number;
  headline: { kind: string; metric: string; value: number; unit: string } | null;
  /** per kind: its devices, the newest reading among them (ms, device time) and its figures */
  kinds: Record<string, { devices: number; lastReadingAt: number; metrics: Record<string, MetricFigure> }>;
}

/**
 * Whose view of the town a /live client gets: a utility user's is its own network's
 * (the devices of the kinds the catalog gives to its utility, and its incidents);
 * without a scope, the whole town.
 */
export interface LiveScope {
  utility: string;
}

export interface HistoryPoint {
  t: number;
  value: number;
}

export type LiveMessage =
  | { type: 'hello'; at: number; subsystems: Record<string, SubsystemSummary>; history: Record<string, HistoryPoint[]>; incidents: Incident[] }
  | { type: 'update'; at: number; subsystems: Record<string, SubsystemSummary>; incidents: Incident[] };
