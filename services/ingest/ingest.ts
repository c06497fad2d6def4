// Ingest: every device message under city/<town>/ is classified; accepted readings
// and status changes go onto the event bus, rejections are counted by reason and
// dead-lettered with the reason. Nothing a device sends can crash it. Admitted
// telemetry comes in through the intake (durable first); the rest from the bus.
import type { Logger } from 'pino';
import { deadLetterTopic, type DeviceRegistry } from '../../devices/index.ts';
import type { Bus, BusMessage } from '../bus/bus.ts';
import { REJECT_CODES, REJECT_REASONS, admits, type Rejection, type RejectReason } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import { classify } from './classify.ts';

export interface IngestDeps {
  town: string;
  bus: Bus;
  events: EventBus;
  registry: DeviceRegistry;
  maxPayloadBytes: number;
  /** accepted device clock skew (classify.ts; its defaults when absent) */
  maxPastMs?: number;
  maxFutureMs?: number;
  now: () => number;
  log: Logger;
}

export interface IngestStats {
  /** readings accepted */
  accepted: number;
  statusChanges: number;
  /** messages rejected and dead-lettered, by reason */
  rejected: Record<RejectReason, number>;
  /**
   * readings in the rejected messages, by reason, so that accepted and rejected are
   * counted in one unit: a message is rejected whole, with every reading it carried;
   * one whose readings cannot be counted (not JSON, too large, off the topic scheme,
   * a status) counts as one
   */
  rejectedReadings: Record<RejectReason, number>;
  /** messages handled, by what became of them */
  messages: { readings: number; status: number; ignored: number; rejected: number };
}

const byReason = (): Record<RejectReason, number> => Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;

const DEAD_LETTER_PAYLOAD_CHARS = 4096;
const OWNER = 'ingest';

export class Ingest {
  readonly #deps: IngestDeps;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #stats: IngestStats = {
    accepted: 0,
    statusChanges: 0,
    rejected: byReason(),
    rejectedReadings: byReason(),
    messages: { readings: 0, status: 0, ignored: 0, rejected: 0 },
  };

  constructor(deps: IngestDeps) {
    this.#deps = deps;
  }

  stats(): IngestStats {
    const s = this.#stats;
    return { ...s, rejected: { ...s.rejected }, rejectedReadings: { ...s.rejectedReadings }, messages: { ...s.messages } };
  }

  async start(): Promise<void> {
    const { town, maxPayloadBytes } = this.#deps;
    this.#deps.events.on('messageAdmitted', OWNER, (m) => this.handle(m, m.receivedAt));
    this.#unsubscribe = await this.#deps.bus.subscribe(`city/${town}/#`, (msg) => {
      // admitted telemetry comes from the intake (messageAdmitted), once spooled
      if (!admits(msg.topic, msg.payload.length, { town, maxPayloadBytes })) this.handle(msg);
    });
  }

  async stop(): Promise<void> {
    this.#deps.events.removeListeners(OWNER);
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  handle(msg: Pick<BusMessage, 'topic' | 'payload'>, receivedAt = this.#deps.now()): void {
    const { events, registry, town, maxPayloadBytes, maxPastMs, maxFutureMs } = this.#deps;
    let result;
    try {
      result = classify(msg.topic, msg.payload, { town, registry, maxPayloadBytes, receivedAt, maxPastMs, maxFutureMs });
    } catch (err) {
      // classify is meant to be total; if it is not, the message is still dead-lettered.
      this.#deps.log.error({ err, topic: msg.topic }, 'classify threw');
      result = { type: 'rejected' as const, reason: 'schema-mismatch' as const, detail: `internal: ${(err as Error).message}` };
    }
    switch (result.type) {
      case 'readings':
        this.#stats.messages.readings++;
        for (const r of result.readings) {
          this.#stats.accepted++;
          events.emit('readingAccepted', r);
        }
        return;
      case 'status':
        this.#stats.messages.status++;
        this.#stats.statusChanges++;
        events.emit('deviceStatusChanged', result.status);
        return;
      case 'ignored':
        this.#stats.messages.ignored++;
        return;
      case 'rejected': {
        this.#stats.messages.rejected++;
        this.#stats.rejected[result.reason]++;
        this.#stats.rejectedReadings[result.reason] += result.readings ?? 1;
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
