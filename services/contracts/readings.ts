// What ingest emits: an accepted reading, a device's status change, a rejection.
import type { Subsystem } from '../../devices/index.ts';
import type { ErrorCode } from './errors.ts';

export interface Reading {
  town: string;
  subsystem: Subsystem;
  district: string;
  kind: string;
  deviceId: string;
  /** the device's own timestamp, ms since epoch */
  ts: number;
  /** when the platform received it */
  receivedAt: number;
  metrics: Record<string, number>;
}

export type RejectReason =
  | 'payload-too-large'
  | 'bad-json'
  | 'schema-mismatch'
  | 'unknown-kind'
  | 'topic-off-scheme'
  | 'timestamp-out-of-range'
  | 'senml-invalid'
  | 'senml-unsupported'
  | 'senml-conflict';

/** The error code each rejection reason carries on the dead-letter topic (docs/errors.md). */
export const REJECT_CODES = {
  'payload-too-large': 'ERR_PAYLOAD_TOO_LARGE',
  'bad-json': 'ERR_PAYLOAD_JSON',
  'schema-mismatch': 'ERR_PAYLOAD_SCHEMA',
  'unknown-kind': 'ERR_UNKNOWN_KIND',
  'topic-off-scheme': 'ERR_TOPIC_SCHEME',
  'timestamp-out-of-range': 'ERR_TIMESTAMP_RANGE',
  'senml-invalid': 'ERR_SENML_INVALID',
  'senml-unsupported': 'ERR_SENML_UNSUPPORTED',
  'senml-conflict': 'ERR_SENML_CONFLICT',
} as const satisfies Record<RejectReason, ErrorCode>;

/** Every rejection reason, in the order the docs list them. */
export const REJECT_REASONS = Object.keys(REJECT_CODES) as RejectReason[];

/** What is published on city/<town>/deadletter. */
export interface Rejection {
  reason: RejectReason;
  code: ErrorCode;
  detail: string;
  topic: string;
  receivedAt: number;
  /** the payload as text, cut to a few KiB so a dead letter stays small */
  payload: string;
  payloadBytes: number;
}

/** A device's birth or death (its retained .../status message, or its last will). */
export interface DeviceStatus {
  town: string;
  subsystem: Subsystem;
  district: string;
  kind: string;
  deviceId: string;
  state: 'online' | 'offline';
  at: number;
  location?: [number, number];
  /** sent with the device's birth (a lift's `dependents`: residents who cannot leave home without it) */
  attributes?: Record<string, number | boolean | string>;
}
