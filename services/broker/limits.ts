// The broker's limits: what one client, or many, may hold of the broker's memory and
// descriptors. Each is a config value (services/config.ts) with a refusal that names
// it, a counter in /health, and an audit record for the first refusals of a kind
// (then for every tenth, hundredth, ... so a client looping on a refusal cannot flood
// the audit log). aedes 1.x has none of these for MQTT 3.1.1 except its drain timeout.
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { AuditSink, Clock, Timer } from '../contracts/index.ts';

export interface BrokerLimits {
  /** QALA_MAX_PACKET_BYTES: a packet announcing more is cut at its fixed header */
  maxPacketBytes: number;
  /** QALA_MAX_CONNECTIONS */
  maxConnections: number;
  /** QALA_MAX_CONNECTIONS_PER_ADDRESS */
  maxConnectionsPerAddress: number;
  /** QALA_MAX_RETAINED_BYTES: a bigger retained message is delivered, not retained */
  maxRetainedBytes: number;
  /** QALA_MAX_RETAINED_MESSAGES: past it a new retained topic is delivered, not retained */
  maxRetainedMessages: number;
  /** QALA_MAX_QUEUED_MESSAGES: per offline persistent session */
  maxQueuedMessages: number;
  /** QALA_MAX_OUTBOUND_BYTES: unsent bytes a client may have before it is cut as a slow consumer */
  maxOutboundBytes?: number;
  /** QALA_SESSION_EXPIRY_MS: an offline persistent session is forgotten after it */
  sessionExpiryMs: number;
}

export interface LimitStats {
  oversizePackets: number;
  refusedConnectionsTotal: number;
  refusedConnectionsPerAddress: number;
  notRetainedTooLarge: number;
  notRetainedFull: number;
  retainedTopics: number;
  droppedQueued: number;
  expiredSessions: number;
}

export interface LimitsDeps {
  limits: BrokerLimits;
  log: Logger;
  audit?: AuditSink;
  clock: Clock;
}

/** 1, 10, 100, ...: which refusals of a kind are logged and audited */
const worthTelling = (n: number): boolean => n === 1 || /^10*$/.test(String(n));

export class Limits {
  readonly #deps: LimitsDeps;
  readonly stats: LimitStats = {
    oversizePackets: 0, refusedConnectionsTotal: 0, refusedConnectionsPerAddress: 0, notRetainedTooLarge: 0, notRetainedFull: 0, retainedTopics: 0, droppedQueued: 0, expiredSessions: 0,
  };
  #open = 0;
  readonly #perAddress = new Map<string, number>();
  readonly #retained = new Set<string>();
  readonly #queued = new Map<string, number>();
  readonly #expiries = new Map<string, Timer>();

  constructor(deps: LimitsDeps) {
    this.#deps = deps;
  }

  get limits(): BrokerLimits {
    return this.#deps.limits;
  }

  #tell(n: number, action: string, from: string | undefined, detail: Record<string, unknown>): void {
    if (!worthTelling(n)) return;
    this.#deps.log.warn({ ...detail, from, refusals: n }, `${action}: ${String(detail.limit)}`);
    this.#deps.audit?.record({ who: detail.clientId ? `client:${String(detail.clientId)}` : `address:${from ?? 'unknown'}`, action, outcome: 'refused', ...(from ? { from } : {}), detail: { ...detail, refusalsSoFar: n } });
  }

  /**
   * Whether a new connection from `address` may stay; a refused one is closed at
   * accept, before it costs a parser or an authentication. MQTT 3.1.1 would allow
   * CONNACK 3 "server unavailable" [MQTT-3.2.2.3], but that means reading its CONNECT
   * first, which is what a flood of connections must not get. Call release() once
   * an admitted connection has closed.
   */
  admitConnection(address: string | undefined): boolean {
    const { maxConnections, maxConnectionsPerAddress } = this.#deps.limits;
    const key = address ?? 'unknown';
    const here = this.#perAddress.get(key) ?? 0;
    if (this.#open >= maxConnections) {
      const n = ++this.stats.refusedConnectionsTotal;
      this.#tell(n, 'mqtt.connection-refused', address, { limit: `QALA_MAX_CONNECTIONS=${maxConnections} connections are open; closed at accept`, open: this.#open });
      return false;
    }
    if (here >= maxConnectionsPerAddress) {
      const n = ++this.stats.refusedConnectionsPerAddress;
      this.#tell(n, 'mqtt.connection-refused', address, { limit: `QALA_MAX_CONNECTIONS_PER_ADDRESS=${maxConnectionsPerAddress} connections are open from this address; closed at accept`, open: here });
      return false;
    }
    this.#open++;
    this.#perAddress.set(key, here + 1);
    return true;
  }

  releaseConnection(address: string | undefined): void {
    const key = address ?? 'unknown';
    const here = (this.#perAddress.get(key) ?? 1) - 1;
    if (here <= 0) this.#perAddress.delete(key);
    else this.#perAddress.set(key, here);
    this.#open = Math.max(0, this.#open - 1);
  }

  get openConnections(): number {
    return this.#open;
  }

  /**
   * Cuts a client whose packet announces more than maxPacketBytes as soon as its
   * remaining length [MQTT-2.2.3] is read, so the body is never buffered: aedes parses
   * with mqtt-packet's parser, which waits for the whole packet otherwise (four 256
   * MiB publishes took RSS to 1.5 GB). mqtt-packet 9 has no size option for its
   * parser, so its length state is wrapped on this client's parser instance.
   */
  capPacketSize(client: Client, conn: { destroy(): void }, address: string | undefined): void {
    const max = this.#deps.limits.maxPacketBytes;
    const parser = (client as unknown as { _parser?: ParserInternals })._parser;
    if (!parser || typeof parser._parseLength !== 'function') throw new Error('aedes client has no mqtt-packet parser to bound');
    const parseLength = parser._parseLength;
    const limits = this;
    parser._parseLength = function boundedParseLength(this: ParserInternals): boolean {
      const ok = parseLength.call(this);
      if (ok && this.packet.length > max) {
        const n = ++limits.stats.oversizePackets;
        limits.#tell(n, 'mqtt.packet-refused', address, {
          limit: `QALA_MAX_PACKET_BYTES=${max}: a ${this.packet.cmd} packet announced ${this.packet.length} bytes; connection closed before its body was read`,
          clientId: client.id ?? undefined,
        });
        this._emitError(new Error(`packet of ${this.packet.length} bytes is over QALA_MAX_PACKET_BYTES=${max}`));
        conn.destroy();
        return false;
      }
      return ok;
    };
  }

  /**
   * Whether a client's retained publish is kept. Over the size or, for a topic not yet
   * retained, past the count, it is delivered to current subscribers but not retained
   * (EMQX's retainer does the same with max_payload_size and max_retained_messages).
   * An empty payload clears the topic [MQTT-3.3.1-10] and is always allowed.
   */
  keepRetained(client: Client, topic: string, payloadBytes: number): boolean {
    const { maxRetainedBytes, maxRetainedMessages } = this.#deps.limits;
    if (payloadBytes === 0) {
      this.#retained.delete(topic);
      this.stats.retainedTopics = this.#retained.size;
      return true;
    }
    if (payloadBytes > maxRetainedBytes) {
      const n = ++this.stats.notRetainedTooLarge;
      this.#tell(n, 'mqtt.retain-refused', remoteOf(client), { limit: `QALA_MAX_RETAINED_BYTES=${maxRetainedBytes}: a retained message of ${payloadBytes} bytes is delivered but not retained`, topic: topic.slice(0, 256), clientId: client.id });
      return false;
    }
    if (!this.#retained.has(topic) && this.#retained.size >= maxRetainedMessages) {
      const n = ++this.stats.notRetainedFull;
      this.#tell(n, 'mqtt.retain-refused', remoteOf(client), { limit: `QALA_MAX_RETAINED_MESSAGES=${maxRetainedMessages} topics are retained: a new one is delivered but not retained`, topic: topic.slice(0, 256), clientId: client.id });
      return false;
    }
    this.#retained.add(topic);
    this.stats.retainedTopics = this.#retained.size;
    return true;
  }

  /**
   * Bounds what aedes' persistence queues for persistent sessions (clean=false). The
   * in-memory aedes-persistence has no limit of its own: 10 offline sessions at 1,000
   * msg/s grew it by 133 MiB a minute. Past maxQueuedMessages a session's new
   * messages are dropped (the oldest are kept, as Mosquitto's max_queued_messages
   * does). The count follows enqueues and acknowledgements (outgoingClearMessageId).
   */
  boundQueues(persistence: PersistenceInternals): void {
    const max = this.#deps.limits.maxQueuedMessages;
    const queued = this.#queued;
    const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
    const enqueue = persistence.outgoingEnqueue.bind(persistence);
    const clear = persistence.outgoingClearMessageId.bind(persistence);
    const clean = persistence.cleanSubscriptions.bind(persistence);
    persistence.outgoingEnqueueCombi = (subs, packet) => {
      const kept = subs.filter((sub) => {
        const n = queued.get(sub.clientId) ?? 0;
        if (n >= max) {
          const d = ++this.stats.droppedQueued;
          this.#tell(d, 'mqtt.queue-full', undefined, { limit: `QALA_MAX_QUEUED_MESSAGES=${max} messages are queued for this offline session; new ones are dropped`, clientId: sub.clientId });
          return false;
        }
        queued.set(sub.clientId, n + 1);
        return true;
      });
      return kept.length ? enqueueCombi(kept, packet) : Promise.resolve();
    };
    persistence.outgoingEnqueue = (sub, packet) => {
      queued.set(sub.clientId, (queued.get(sub.clientId) ?? 0) + 1);
      return enqueue(sub, packet);
    };
    persistence.outgoingClearMessageId = async (client, packet) => {
      const cleared = await clear(client, packet);
      if (cleared) {
        const n = (queued.get(client.id) ?? 1) - 1;
        if (n <= 0) queued.delete(client.id);
        else queued.set(client.id, n);
      }
      return cleared;
    };
    persistence.cleanSubscriptions = (client) => {
      queued.delete(client.id);
      return clean(client);
    };
  }

  queuedFor(clientId: string): number {
    return this.#queued.get(clientId) ?? 0;
  }

  /** A persistent session went offline: forget it (subscriptions and queue) after sessionExpiryMs unless it comes back. */
  sessionOffline(clientId: string, persistence: PersistenceInternals, isConnected: () => boolean): void {
    this.#expiries.get(clientId)?.cancel();
    this.#expiries.set(clientId, this.#deps.clock.setTimeout(() => {
      this.#expiries.delete(clientId);
      if (isConnected()) return;
      void this.#expire(clientId, persistence);
    }, this.#deps.limits.sessionExpiryMs));
  }

  sessionOnline(clientId: string): void {
    this.#expiries.get(clientId)?.cancel();
    this.#expiries.delete(clientId);
  }

  async #expire(clientId: string, persistence: PersistenceInternals): Promise<void> {
    const ref = { id: clientId };
    try {
      await persistence.cleanSubscriptions(ref);
      // the in-memory persistence keeps the queue on cleanSubscriptions; queued
      // offline packets have no message id yet, so each clear takes one off the front
      for (let guard = 0; guard < this.#deps.limits.maxQueuedMessages * 2 + 10; guard++) {
        if (!(await persistence.outgoingClearMessageId(ref, { messageId: undefined }))) break;
      }
      this.#queued.delete(clientId);
      this.stats.expiredSessions++;
      this.#deps.log.info({ clientId, afterMs: this.#deps.limits.sessionExpiryMs }, 'offline persistent session expired (QALA_SESSION_EXPIRY_MS)');
    } catch (err) {
      this.#deps.log.error({ err, clientId }, 'expiring an offline session failed');
    }
  }

  stop(): void {
    for (const t of this.#expiries.values()) t.cancel();
    this.#expiries.clear();
  }
}

interface ParserInternals {
  packet: { cmd: string; length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

type Sub = { clientId: string };
type ClientRef = { id: string };
export interface PersistenceInternals {
  outgoingEnqueueCombi(subs: Sub[], packet: unknown): Promise<unknown>;
  outgoingEnqueue(sub: Sub, packet: unknown): Promise<unknown>;
  outgoingClearMessageId(client: ClientRef, packet: { messageId?: number | undefined }): Promise<unknown>;
  cleanSubscriptions(client: ClientRef): Promise<unknown>;
}

export function remoteOf(client: Client): string | undefined {
  const conn = (client as unknown as { conn?: { remoteAddress?: string; socket?: { remoteAddress?: string } } }).conn;
  return conn?.remoteAddress ?? conn?.socket?.remoteAddress;
}
