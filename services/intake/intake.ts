// The intake: the one place that makes an acknowledged reading durable. Every
// admitted telemetry message (services/contracts/admission.ts) is spooled, announced
// (messageAdmitted: ingest turns it into readings at once, synchronously), and
// acknowledged only once it is fsynced and the store writer has room.
// The embedded broker hands messages in from its publish hook (`receive`); with an
// external broker the intake subscribes through the bus, whose client holds each
// PUBACK until `receive` settles. At start, what an earlier run spooled but did not
// store is replayed. Once the store has a message's readings, its spool space is
// released.
import type { Logger } from 'pino';
import { admits, type Clock } from '../contracts/index.ts';
import type { Bus, BusMessage } from '../bus/bus.ts';
import type { EventBus } from '../events.ts';
import { Spool } from './spool.ts';

export interface IntakeDeps {
  town: string;
  maxPayloadBytes: number;
  dir: string;
  commitMs: number;
  clock: Clock;
  events: EventBus;
  log: Logger;
  /** resolves once the store writer has room again (undefined: room now) */
  room: () => Promise<void> | undefined;
  /** writes out what is buffered (after a replay at start) */
  flush: () => Promise<void>;
  /** an external broker's bus: the intake subscribes to the town's traffic there */
  external?: Bus;
}

const OWNER = 'intake';

export class Intake {
  readonly #deps: IntakeDeps;
  readonly #spool: Spool;
  /** messages handed to ingest whose readings are not all stored: [seq, readings accepted up to it] */
  readonly #unstored: { seq: number; upTo: number }[] = [];
  #head = 0;
  /** readings accepted, and stored, since start (the writer stores them in this order) */
  #accepted = 0;
  #stored = 0;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #stats = { admitted: 0, replayed: 0 };
  #lastErrorLog = -Infinity;

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
    this.#spool = new Spool({
      dir: deps.dir,
      commitMs: deps.commitMs,
      clock: deps.clock,
      onCommitError: (err) => {
        // retried every 100 ms: one line when it starts failing, then one a minute
        const now = deps.clock.now();
        if (now - this.#lastErrorLog < 60_000) return;
        this.#lastErrorLog = now;
        deps.log.error({ err, code: (err as NodeJS.ErrnoException).code }, 'spool write failed (disk full or out of file descriptors?): acknowledgements held until it succeeds; /health says degraded');
      },
      onRecovered: (ms) => {
        this.#lastErrorLog = -Infinity;
        deps.log.warn({ failedForMs: ms }, 'spool writes succeed again: acknowledging');
      },
    });
  }

  stats() {
    return { ...this.#stats, unstored: this.#unstored.length - this.#head, spool: this.#spool.stats() };
  }

  /** True while spool commits fail: nothing is acknowledged (the reason is in the log and the spool's lastError). */
  get failing(): boolean {
    return this.#spool.failing;
  }

  async start(): Promise<void> {
    const { events } = this.#deps;
    events.on('readingAccepted', OWNER, () => this.#accepted++);
    events.on('readingsStored', OWNER, ({ count }) => {
      this.#stored += count;
      this.#release(true);
    });
    // what an earlier run acknowledged but did not store, before any device speaks
    const recovered = this.#spool.recover();
    for (const m of recovered) this.#handle(m.seq, { topic: m.topic, payload: m.payload, retain: false, qos: 1 }, m.receivedAt);
    this.#stats.replayed += recovered.length;
    if (recovered.length > 0) {
      this.#deps.log.info({ messages: recovered.length }, 'replayed spooled messages of an earlier run');
      await this.#deps.flush();
    }
    if (this.#deps.external) this.#unsubscribe = await this.#deps.external.subscribe(`city/${this.#deps.town}/#`, (msg) => this.receive(msg));
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#deps.events.removeListeners(OWNER);
    this.#spool.close();
  }

  /**
   * A device's publish. Returns what its acknowledgement must wait for: undefined for
   * a message the intake does not take (ingest gets it from the bus) or for QoS 0.
   */
  receive(msg: BusMessage): Promise<void> | undefined {
    const { town, maxPayloadBytes, clock } = this.#deps;
    if (!admits(msg.topic, msg.payload.length, { town, maxPayloadBytes })) return undefined;
    const receivedAt = clock.now();
    const seq = this.#spool.append(msg.topic, msg.payload, receivedAt);
    this.#stats.admitted++;
    this.#handle(seq, msg, receivedAt);
    if (msg.qos === 0) return undefined;
    const room = this.#deps.room();
    const durable = this.#spool.durable(seq);
    return room ? Promise.all([durable, room]).then(() => undefined) : durable;
  }

  #handle(seq: number, msg: BusMessage, receivedAt: number): void {
    // listeners run synchronously: the message's readings are accepted (counted) on return
    this.#deps.events.emit('messageAdmitted', { topic: msg.topic, payload: msg.payload, receivedAt });
    this.#unstored.push({ seq, upTo: this.#accepted });
    this.#release();
  }

  /** Forgets the spooled messages whose readings are all stored. */
  #release(afterStore = false): void {
    const q = this.#unstored;
    const before = this.#head;
    while (this.#head < q.length && q[this.#head]!.upTo <= this.#stored) this.#head++;
    if (this.#head === before) return;
    if (this.#head > 1024 && this.#head * 2 > q.length) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
    this.#spool.release(q[this.#head]?.seq ?? this.#spool.nextSeq, afterStore);
  }
}
