// Ingest: every message under city/<town>/ is classified; accepted readings and
// status changes go onto the event bus, rejections are counted by reason and
// dead-lettered with the reason. Nothing a device sends can crash it.
import type { Logger } from 'pino';
import { deadLetterTopic, type DeviceRegistry } from '../../devices/index.ts';
import type { Bus, BusMessage } from '../bus/bus.ts';
import { REJECT_CODES, type EventBus, type Rejection, type RejectReason } from '../events.ts';
import { classify } from './classify.ts';

export interface IngestDeps {
  town: string;
  bus: Bus;
  events: EventBus;
  registry: DeviceRegistry;
  maxPayloadBytes: number;
  now: () => number;
  log: Logger;
  /** the ingest spool's sequence for a message's payload, if it was spooled */
  spoolSeqOf?: (payload: Buffer) => number | undefined;
}

export interface IngestStats {
  accepted: number;
  statusChanges: number;
  rejected: Record<RejectReason, number>;
}

const DEAD_LETTER_PAYLOAD_CHARS = 4096;

export class Ingest {
  readonly #deps: IngestDeps;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #stats: IngestStats = {
    accepted: 0,
    statusChanges: 0,
    rejected: { 'payload-too-large': 0, 'bad-json': 0, 'schema-mismatch': 0, 'unknown-kind': 0, 'topic-off-scheme': 0 },
  };

  constructor(deps: IngestDeps) {
    this.#deps = deps;
  }

  stats(): IngestStats {
    return { ...this.#stats, rejected: { ...this.#stats.rejected } };
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#deps.bus.subscribe(`city/${this.#deps.town}/#`, (msg) => this.handle(msg));
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  handle(msg: BusMessage, receivedAt = this.#deps.now()): void {
    const { events, registry, town, maxPayloadBytes } = this.#deps;
    const spoolSeq = this.#deps.spoolSeqOf?.(msg.payload);
    let result;
    try {
      result = classify(msg.topic, msg.payload, { town, registry, maxPayloadBytes, receivedAt });
    } catch (err) {
      // classify is meant to be total; if it is not, the message is still dead-lettered.
      this.#deps.log.error({ err, topic: msg.topic }, 'classify threw');
      result = { type: 'rejected' as const, reason: 'schema-mismatch' as const, detail: `internal: ${(err as Error).message}` };
    }
    switch (result.type) {
      case 'readings':
        for (const r of result.readings) {
          this.#stats.accepted++;
          if (spoolSeq !== undefined) r.spoolSeq = spoolSeq;
          events.emit('readingAccepted', r);
        }
        return;
      case 'status':
        this.#stats.statusChanges++;
        events.emit('deviceStatusChanged', result.status);
        return;
      case 'ignored':
        return;
      case 'rejected': {
        this.#stats.rejected[result.reason]++;
        const rejection: Rejection = {
          reason: result.reason,
          code: REJECT_CODES[result.reason],
          detail: result.detail,
          topic: msg.topic,
          receivedAt,
          payload: msg.payload.subarray(0, DEAD_LETTER_PAYLOAD_CHARS).toString('utf8'),
          payloadBytes: msg.payload.length,
        };
        events.emit('readingRejected', rejection);
        this.#deps.bus.publish(deadLetterTopic(town), JSON.stringify(rejection), { qos: 1 }).catch((err: unknown) => {
          this.#deps.log.error({ err, topic: msg.topic }, 'dead-letter publish failed');
        });
      }
    }
  }
}
