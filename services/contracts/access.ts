// Who is acting: the identities the broker and the API authenticate, the roles of
// people, and the audit trail every access decision leaves.
import type { Subsystem } from '../../devices/index.ts';

export type Role = 'admin' | 'operator' | 'utility' | 'engineer' | 'viewer';
export const ROLES = ['admin', 'operator', 'utility', 'engineer', 'viewer'] as const satisfies readonly Role[];

export type Principal =
  /** one registered (or group-enrolled) device: publishes its own telemetry and status */
  | { type: 'device'; town: string; deviceId: string; kind: string; subsystem: Subsystem; district: string }
  /** a gateway of a device group: publishes for the devices of its group (the simulator's multiplexed connections) */
  | { type: 'gateway'; town: string; name: string; group: string; simulator: boolean }
  /** a person or a service account (a utility's integration, an engineer's recorder) */
  | { type: 'user'; name: string; role: Role; utility?: string }
  /** the platform itself (in-process publishes) */
  | { type: 'platform' };

/**
 * An MQTT login as the broker keeps it for the life of the connection: who, and what
 * it rests on, so the connection can be ended when that ends (a token's expiry or
 * revocation, a password change, a device's revocation, a user's removal).
 */
export interface MqttLogin {
  principal: Principal;
  /** a device's or the simulator group's secret, a user's password, or one of a user's API tokens */
  via: 'secret' | 'password' | 'token';
  /** the API token's id, when via is 'token' */
  tokenId?: string;
  /** ms since epoch when the login stops being valid (an API token's expiry) */
  expiresAt?: number;
}

export const principalName = (p: Principal): string =>
  p.type === 'device' ? `device:${p.deviceId}` : p.type === 'gateway' ? `gateway:${p.name}` : p.type === 'user' ? `user:${p.name}` : 'platform';

export interface AuditEntry {
  at: number;
  /** principalName() of who acted, or what they claimed to be when refused */
  who: string;
  /** e.g. login, login-failed, incident.acknowledge, device.add, device.revoke, mqtt.publish-refused, rules.reload */
  action: string;
  outcome: 'ok' | 'refused' | 'failed';
  /** remote address, when known */
  from?: string;
  detail?: Record<string, unknown>;
}

/** Where access decisions are recorded (the audit log, services/audit). */
export interface AuditSink {
  record(entry: Omit<AuditEntry, 'at'>): void;
}

/** A user as the admin API lists them (never with a password hash). */
export interface UserInfo {
  name: string;
  role: Role;
  utility?: string;
  createdAt: number;
  createdBy: string;
}

/** An API token as listed (its secret is shown once, when made). */
export interface TokenInfo {
  id: string;
  user: string;
  label: string;
  createdAt: number;
  createdBy: string;
  /** ms since epoch; from then on the token is refused with ERR_TOKEN_EXPIRED */
  expiresAt: number;
}

/** Who asks for a change, for the audit log. */
export interface Actor {
  /** principalName() of the actor */
  who: string;
  from?: string;
}

/** What changed for a user: sessions, websockets and MQTT connections resting on it must go. */
export type AccessChange =
  | { type: 'user-removed'; user: string }
  | { type: 'password-changed'; user: string }
  | { type: 'token-revoked'; user: string; tokenId: string };

/** A registered device, as the registry lists it (never with its secret's hash). */
export interface DeviceRecord {
  deviceId: string;
  kind: string;
  subsystem: string;
  district: string;
  location?: [number, number];
  owner?: string;
  createdAt: number;
  createdBy: string;
  revokedAt?: number;
  revokedBy?: string;
}
