// The in-process typed event bus. Events are named in the past tense; a listener
// that throws is logged with its owner and never stops the others
// (zigbee2mqtt lib/eventBus.ts).
import type { Logger } from 'pino';
import type { Subsystem } from '../devices/index.ts';
import type { ErrorCode } from './errors.ts';
import type { Incident, IncidentChange } from './incidents/incidents.ts';

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
  /** the ingest spool's sequence of the message it came in, while it is unstored */
  spoolSeq?: number;
}

export type RejectReason =
  | 'payload-too-large'
  | 'bad-json'
  | 'schema-mismatch'
  | 'unknown-kind'
  | 'topic-off-scheme';

/** The error code each rejection reason carries on the dead-letter topic (docs/errors.md). */
export const REJECT_CODES = {
  'payload-too-large': 'ERR_PAYLOAD_TOO_LARGE',
  'bad-json': 'ERR_PAYLOAD_JSON',
  'schema-mismatch': 'ERR_PAYLOAD_SCHEMA',
  'unknown-kind': 'ERR_UNKNOWN_KIND',
  'topic-off-scheme': 'ERR_TOPIC_SCHEME',
} as const satisfies Record<RejectReason, ErrorCode>;

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

export interface DeviceStatus {
  town: string;
  subsystem: Subsystem;
  district: string;
  kind: string;
  deviceId: string;
  state: 'online' | 'offline';
  at: number;
  location?: [number, number];
}

export interface PlatformEvents {
  readingAccepted: Reading;
  readingRejected: Rejection;
  deviceStatusChanged: DeviceStatus;
  incidentChanged: { incident: Incident; change: IncidentChange };
}

type Listener<T> = (event: T) => void;

export class EventBus {
  readonly #listeners = new Map<keyof PlatformEvents, { owner: string; fn: Listener<never> }[]>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  on<K extends keyof PlatformEvents>(event: K, owner: string, fn: Listener<PlatformEvents[K]>): () => void {
    const list = this.#listeners.get(event) ?? [];
    const entry = { owner, fn: fn as Listener<never> };
    list.push(entry);
    this.#listeners.set(event, list);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof PlatformEvents>(event: K, payload: PlatformEvents[K]): void {
    for (const { owner, fn } of this.#listeners.get(event) ?? []) {
      try {
        (fn as Listener<PlatformEvents[K]>)(payload);
      } catch (err) {
        this.#log.error({ err, owner, event }, 'event listener failed');
      }
    }
  }
}
