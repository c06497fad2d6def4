// The bus over an external MQTT broker (Mosquitto, EMQX, NATS' MQTT listener): the
// same interface services use in the all-in-one process, through one mqtt.js client
// with a persistent session. A handler that returns a promise holds the PUBACK of a
// QoS 1 message until it settles, so the platform acknowledges to the broker only
// what is durable, and the broker redelivers the rest after a crash.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import type { Logger } from 'pino';
import type { Bus, BusMessage, MessageHandler, PublishOptions } from './bus.ts';

/** MQTT topic filter matching ([MQTT-4.7.1]): '+' one level, '#' the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void, noStore?: boolean) => void;
type WritePacket = (packet: Packet, cb?: (err?: Error) => void) => void;

export interface MqttBusOptions {
  url: string;
  clientId: string;
  log: Logger;
  /**
   * How long `stop` waits for the broker to acknowledge the platform's own QoS 1
   * publishes (dead letters, notifications) before it closes the connection anyway,
   * and an unsubscribe for its UNSUBACK; 5 s unless told.
   */
  stopGraceMs?: number;
}

const STOP_GRACE_MS = 5_000;

export class MqttBus implements Bus {
  readonly #opts: MqttBusOptions;
  #client: MqttClient | undefined;
  readonly #handlers: { filter: string; handler: MessageHandler }[] = [];
  /** message id → what its PUBACK waits for, between the handler and mqtt.js sending it */
  readonly #held = new Map<number, Promise<void>>();
  /** PUBACKs go out in the order their PUBLISHes came ([MQTT-4.6.0-2]) */
  #lastAck: Promise<void> = Promise.resolve();
  /** bumped on every (re)connection: a held PUBACK of an older connection is never sent */
  #connection = 0;
  /**
   * QoS 1 messages no handler took (they came after a handler was removed, as at
   * stop): never acknowledged, so the broker keeps them in the persistent session and
   * redelivers them to the next one ([MQTT-4.4.0-1]) instead of mqtt.js's default
   * handling acknowledging what nobody saved
   */
  readonly #refused = new Set<number>();
  readonly #stats = { held: 0, heldFailed: 0, unhandled: 0 };

  constructor(opts: MqttBusOptions) {
    this.#opts = opts;
  }

  stats() {
    return { heldAcks: this.#held.size, ...this.#stats };
  }

  /** Creates the client, offline: publishes queue and subscriptions are recorded until `open`. */
  async start(): Promise<void> {
    const options: IClientOptions = {
      clientId: this.#opts.clientId,
      // a persistent session with QoS 1 subscriptions: what arrives while the platform
      // is down or restarting is kept by the broker, unacknowledged ones redelivered
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      manualConnect: true,
    };
    const client = mqtt.connect(this.#opts.url, options);
    this.#holdAcks(client);
    client.on('connect', () => {
      this.#connection++;
      this.#held.clear();
      this.#refused.clear();
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      // a reconnection: the session may have been lost (broker restart), subscribe again
      const filters = this.#filters();
      if (this.#connection > 1 && filters.length > 0) client.subscribe(filters, { qos: 1 }, (err) => err && this.#opts.log.error({ err }, 'resubscribe failed'));
    });
    client.on('error', (err) => this.#opts.log.warn({ err: err.message }, 'external broker connection error'));
    // mqtt.js emits 'message' just before it hands the message's PUBACK to _sendPacket
    // (its customHandleAcks hook is for MQTT 5 only; brokers here speak 3.1.1)
    client.on('message', (topic, payload, packet) => {
      const taken = this.#handlers.some((h) => topicMatches(h.filter, topic));
      if (!taken && packet.qos === 1 && packet.messageId !== undefined) {
        this.#stats.unhandled++;
        this.#refused.add(packet.messageId);
        return;
      }
      const wait = this.#dispatch({ topic, payload, retain: packet.retain, qos: packet.qos });
      if (wait && packet.qos === 1 && packet.messageId !== undefined) this.#held.set(packet.messageId, wait);
    });
    this.#client = client;
  }

  /**
   * Connects and makes every subscription recorded so far: it resolves once the broker
   * has granted them, so nothing published from then on misses the platform.
   */
  async open(): Promise<void> {
    const client = this.#c();
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.connect();
    await connected;
    const filters = this.#filters();
    if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
  }

  /**
   * Ends the connection, after the broker has acknowledged the platform's own QoS 1
   * publishes if it does so within the grace. Held acknowledgements are not sent: the
   * broker redelivers those messages.
   *
   * Bounded because mqtt.js's graceful end is not: it waits for every outgoing QoS 1
   * publish to be acknowledged, and a connection that drops meanwhile (its keepalive
   * timing out behind a backlog, the broker going away) is never reconnected while
   * ending, so the wait, and the platform's stop, lasted for ever.
   */
  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    const ended = client.endAsync();
    if (await this.#withinGrace(ended)) return;
    const unacknowledged = Object.keys((client as unknown as { outgoing: object }).outgoing).length;
    this.#opts.log.warn({ unacknowledged, connected: client.connected }, 'external broker: the connection did not end within the grace; closed without waiting further');
    // A second end() while one is under way returns at once and closes nothing. The
    // pending end waits either for the stream's 'close' (DISCONNECT sent), which
    // destroying the stream brings, or for 'outgoingEmpty', which will not come now.
    client.stream.destroy();
    client.emit('outgoingEmpty');
    await ended;
  }

  /** Whether `work` settled within the stop grace (it is not cancelled if not). */
  async #withinGrace(work: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#opts.stopGraceMs ?? STOP_GRACE_MS)));
    const settled = await Promise.race([work.then(() => true), late]);
    clearTimeout(timer);
    return settled;
  }

  #filters(): string[] {
    return [...new Set(this.#handlers.map((h) => h.filter))];
  }

  #c(): MqttClient {
    if (!this.#client) throw new Error('MQTT bus not started');
    return this.#client;
  }

  #dispatch(msg: BusMessage): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    for (const h of this.#handlers) {
      if (!topicMatches(h.filter, msg.topic)) continue;
      try {
        const w = h.handler(msg);
        if (w) waits.push(w);
      } catch (err) {
        this.#opts.log.error({ err, topic: msg.topic }, 'bus handler failed');
      }
    }
    if (waits.length === 0) return undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  /**
   * mqtt.js parses no further packet until a message's PUBACK is handed to
   * _sendPacket: waiting for an fsync there would take one message per group commit.
   * So the PUBACK of a held message is taken out of that path and written once its
   * wait settles, in order, on the connection it belongs to.
   */
  #holdAcks(client: MqttClient): void {
    const c = client as unknown as { _sendPacket: SendPacket; _writePacket: WritePacket };
    const send = c._sendPacket.bind(client);
    const write = c._writePacket.bind(client);
    c._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && this.#refused.delete(packet.messageId)) {
        cb?.(); // no PUBACK: nobody took the message; the broker redelivers it
        return;
      }
      const wait = packet.cmd === 'puback' && packet.messageId !== undefined ? this.#held.get(packet.messageId) : undefined;
      if (!wait) return send(packet, cb, cbStorePut, noStore);
      this.#held.delete(packet.messageId!);
      this.#stats.held++;
      const connection = this.#connection;
      const previous = this.#lastAck;
      this.#lastAck = Promise.all([previous, wait]).then(
        () => {
          if (connection === this.#connection && client.connected) write(packet);
        },
        (err: unknown) => {
          // not durable: no PUBACK; the broker redelivers it after a reconnection
          this.#stats.heldFailed++;
          this.#opts.log.error({ err }, 'a message could not be made durable; not acknowledged');
        },
      );
      cb?.(); // mqtt.js goes on with the next packet
    };
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const entry = { filter, handler };
    this.#handlers.push(entry);
    const client = this.#c();
    if (client.connected) await client.subscribeAsync(filter, { qos: 1 });
    return async () => {
      this.#handlers.splice(this.#handlers.indexOf(entry), 1);
      const client = this.#client;
      if (this.#handlers.some((h) => h.filter === filter) || !client?.connected) return;
      // bounded like stop's wait: a frozen broker never answers the UNSUBSCRIBE, and the
      // intake's stop (and so the platform's) waited for it without limit. Giving up is
      // safe: a message still delivered on the filter is not acknowledged (#refused).
      const answered = await this.#withinGrace(client.unsubscribeAsync(filter).catch(() => undefined));
      if (!answered) this.#opts.log.warn({ filter }, 'external broker: no UNSUBACK within the grace; going on without it');
    };
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    await this.#c().publishAsync(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
  }
}
