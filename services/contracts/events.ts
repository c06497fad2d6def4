// The in-process events, named in the past tense, and what each carries.
import type { IncidentChanged, RuleSignal } from './incidents.ts';
import type { DeviceStatus, Reading, Rejection } from './readings.ts';

export interface AdmittedMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
}

export interface PlatformEvents {
  /** the intake spooled a device's telemetry message; ingest turns it into readings */
  messageAdmitted: AdmittedMessage;
  readingAccepted: Reading;
  /** the store writer wrote this many more readings, oldest first (in the order they were accepted) */
  readingsStored: { count: number };
  readingRejected: Rejection;
  deviceStatusChanged: DeviceStatus;
  ruleSignalled: RuleSignal;
  incidentChanged: IncidentChanged;
}
