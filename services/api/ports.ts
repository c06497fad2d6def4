// What the API needs of the other services, and nothing more (Grafana's
// ngalert/schedule declares AlertsSender and RulesStore the same way). The platform
// passes its real components, which fit these shapes; the API imports none of them.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { DeviceState, Incident, IncidentState, Severity } from '../contracts/index.ts';
import type { TimeSeriesStore } from '../store/port.ts';

export interface IncidentQuery {
  state?: IncidentState | 'unresolved';
  utility?: string;
  subsystem?: string;
  district?: string;
  severity?: Severity;
  ruleId?: string;
  limit?: number;
}

/** Incidents as operators see and handle them; `get` and the actions throw ERR_INCIDENT_NOT_FOUND / ERR_INCIDENT_STATE. */
export interface IncidentsPort {
  list(query: IncidentQuery): Incident[];
  get(id: string): Incident;
  acknowledge(id: string, by: string, comment?: string): Incident;
  resolve(id: string, by: string, comment?: string): Incident;
}

/** The rule set as loaded, for GET /api/rules: passed through as JSON. */
export interface RulesPort {
  readonly watcher: { status(): unknown };
  readonly engine: { stats(): unknown; rules(): readonly unknown[] };
}

/** The latest state of every device the platform has heard of. */
export interface DirectoryPort {
  list(): readonly DeviceState[];
}

/** The /live protocol: a new websocket gets its hello and then the updates. */
export interface LivePort {
  attach(socket: WebSocket): void;
}

export type SeriesPort = Pick<TimeSeriesStore, 'series'>;

/** MQTT over websocket: each /mqtt connection becomes a broker client. */
export type MqttStreamHandler = (stream: Duplex, req: IncomingMessage) => void;
