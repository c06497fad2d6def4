// What the API needs of the other services, and nothing more (Grafana's
// ngalert/schedule declares AlertsSender and RulesStore the same way). The platform
// passes its real components, which fit these shapes; the API imports none of them.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type {
  AccessChange, Actor, AuditEntry, DeviceRecord, DeviceState, EscalationPolicy, FreezeReport, Handover, Incident, IncidentFilter, IncidentPage, IncidentSearch, KpiReport, LiveScope, Principal, Role, Silence,
  SilenceMatch, SilenceRecurrence, SilenceView, TokenInfo, UserInfo,
} from '../contracts/index.ts';

export type { AccessChange, Actor, DeviceRecord, TokenInfo, UserInfo };
import type { TimeSeriesStore } from '../store/port.ts';

/** Incident list filters (one definition in contracts). */
export type IncidentQuery = IncidentFilter;

/**
 * Incidents as operators see and handle them; `get` and the actions throw
 * ERR_INCIDENT_NOT_FOUND / ERR_INCIDENT_STATE, and the comment checks
 * ERR_COMMENT_REQUIRED / ERR_COMMENT_TOO_LONG / ERR_INCIDENT_COMMENTS_FULL.
 */
export interface IncidentsPort {
  list(query: IncidentQuery): Incident[];
  get(id: string): Incident;
  acknowledge(id: string, by: string, comment?: string): Incident;
  resolve(id: string, by: string, comment?: string): Incident;
  comment(id: string, by: string, text: string): Incident;
  assign(id: string, by: string, assignee: string | undefined, comment?: string): Incident;
  search(q: IncidentSearch): IncidentPage;
  handover(since: number, f: { utility?: string; limit: number }): Handover;
}

/** Silences and maintenance windows (services/incidents/silences.ts); ERR_SILENCE_NOT_FOUND, ERR_SILENCE_STATE, ERR_LIMIT_REACHED. */
export interface SilencesPort {
  list(): SilenceView[];
  get(id: string): Silence;
  add(input: { match: SilenceMatch; startsAt: number; endsAt: number; comment: string; recurrence?: SilenceRecurrence }, by: string): Silence;
  expire(id: string, by: string): Silence;
}

/** The escalation policies in force (QALA_ESCALATION_FILE). */
export interface EscalationPort {
  readonly file: string | undefined;
  readonly policies: readonly EscalationPolicy[];
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

/** The smallest surface of a websocket the live hub needs (ws.WebSocket fits). */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  on(event: 'close', fn: () => void): unknown;
}

/** The /live protocol: a new websocket gets its hello and then the updates. */
export interface LivePort {
  /** `scope`: a utility user's view, its own network only (services/live/live-hub.ts) */
  attach(socket: LiveSocket, scope?: LiveScope): void;
}

export type SeriesPort = Pick<TimeSeriesStore, 'series' | 'seriesSource' | 'seriesMany'>;

/**
 * MQTT over websocket: each /mqtt connection becomes a broker client. The upgrade
 * carried a session or API token of `principal`; the broker still authenticates the
 * CONNECT packet as it does on TCP.
 */
/** `address`: the client's (request.ip, so behind a trusted proxy the one it forwards for), counted against QALA_MAX_CONNECTIONS_PER_ADDRESS */
export type MqttStreamHandler = (stream: Duplex, req: IncomingMessage, principal: UserPrincipal, address: string) => void;

export type UserPrincipal = Extract<Principal, { type: 'user' }>;

/** People and their API tokens (services/access/users.ts); changes are audited there. Errors: ERR_USER_NOT_FOUND, ERR_USER_EXISTS, ERR_LAST_ADMIN, ERR_TOKEN_NOT_FOUND, ERR_LIMIT_REACHED. */
export interface UsersPort {
  get(name: string): UserPrincipal | undefined;
  list(): UserInfo[];
  tokens(user?: string): TokenInfo[];
  verifyPassword(name: string, password: string): Promise<UserPrincipal | undefined>;
  /** the token's user; for the right secret of an expired token, when it expired */
  verifyToken(token: string): Promise<{ principal: UserPrincipal; tokenId: string; expiresAt: number } | { tokenId: string; user: string; expiredAt: number } | undefined>;
  /** API token lifetimes in days: the default and the longest allowed (QALA_TOKEN_DEFAULT_DAYS, QALA_TOKEN_MAX_DAYS) */
  readonly tokenDays: { default: number; max: number };
  add(input: { name: string; role: Role; utility?: string; password?: string }, by: Actor): Promise<{ user: UserInfo; password: string }>;
  remove(name: string, by: Actor): UserInfo;
  setPassword(name: string, password: string, by: Actor): Promise<void>;
  createToken(user: string, label: string, by: Actor, expiresInDays?: number): Promise<{ token: string; info: TokenInfo }>;
  revokeToken(id: string, by: Actor): TokenInfo;
  onChange(fn: (change: AccessChange) => void): void;
}

export interface Session {
  key: string;
  user: string;
  createdAt: number;
  expiresAt: number;
}

/** Server-side dashboard sessions (services/access/sessions.ts). */
export interface SessionsPort {
  readonly ttlMs: number;
  create(user: string): { id: string; session: Session };
  get(id: string): Session | undefined;
  close(key: string): boolean;
  closeUser(user: string, keep?: string): Session[];
}


/** The device registry's admin side (services/access); secrets are returned once. */
export interface DevicesAdminPort {
  list(): DeviceRecord[];
  add(input: { deviceId: string; kind: string; district: string; location?: [number, number]; owner?: string }, by: string): Promise<{ device: DeviceRecord; secret: string }>;
  /** throws ERR_DEVICE_NOT_FOUND */
  revoke(deviceId: string, by: string): DeviceRecord;
  importCsv(csv: string, by: string): Promise<{ added: { device: DeviceRecord; secret: string }[]; errors: string[] }>;
}

/** The audit log, read by admins. */
export interface AuditReadPort {
  read(q: { limit: number; since?: number; action?: string; who?: string }): AuditEntry[];
}

/** City indicators over a range, and time to freeze of open heating outages (services/kpis). */
export interface KpisPort {
  report(range: { from: number; to: number }): Promise<KpiReport>;
  /** `utility`: only the outages among that utility's incidents (a utility user's) */
  freeze(scope?: { utility?: string }): FreezeReport;
}
