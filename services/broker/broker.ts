// The embedded MQTT broker: aedes 1.x over TCP, over TLS, and over websocket through
// the API server's /mqtt route (handed in as a duplex stream). MQTT 3.1.1 only. Every
// client is authenticated and every publish and subscribe checked (./guard.ts).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { AedesBus } from '../bus/aedes-bus.ts';
import type { BusMessage } from '../bus/bus.ts';
import { endedBy, type Guard } from './guard.ts';
import { capOutbound } from './slow-consumer.ts';
import { IdentifierCheck, forwardAtGrantedQos } from './conformance.ts';
import { Limits, type BrokerLimits, type PersistenceInternals } from './limits.ts';
import type { AccessChange, AuditSink, Clock } from '../contracts/index.ts';
import { systemClock } from '../clock.ts';

export interface BrokerDeps {
  host: string;
  port: number;
  log: Logger;
  /**
   * Called for every client publish before aedes acknowledges and distributes it (its
   * authorizePublish step); a promise returned here holds the PUBACK until it resolves.
   */
  beforeAck?: (msg: BusMessage) => Promise<void> | undefined;
  /** authentication and the topic ACL; without it every client is let in (tests of the bare broker) */
  guard?: Guard;
  /** MQTT over TLS on this port too */
  tls?: { port: number; cert: Buffer; key: Buffer };
  /** serve plain TCP on `port` (false: TLS only) */
  plain?: boolean;
  /** packet size, connections, retained messages, offline queues (./limits.ts); without them, the config's defaults */
  limits?: Partial<BrokerLimits>;
  /** where refusals of a limit are recorded */
  audit?: AuditSink;
  clock?: Clock;
}

/** the config's defaults (services/config.ts), for a broker built without a config */
export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: 128 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 2_500,
  maxRetainedBytes: 1024,
  maxRetainedMessages: 200_000,
  maxQueuedMessages: 1_000,
  sessionExpiryMs: 86_400_000,
};

export class Broker {
  readonly #deps: BrokerDeps;
  #aedes: Aedes | undefined;
  #servers: Server[] = [];
  /** the broker as the bus, usable once started */
  readonly bus: AedesBus;

  readonly #limits: Limits;
  #slowConsumersCut = 0;
  #qos0Dropped = 0;
  /** every admitted connection until it closes, so stop() can end those aedes does not know yet */
  readonly #conns = new Set<Duplex>();
  /** [MQTT-3.1.3-8], which aedes 1.2 does not keep (./conformance.ts) */
  readonly #identifiers = new IdentifierCheck();

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
    this.#limits = new Limits({
      limits: { ...DEFAULT_LIMITS, ...deps.limits }, log: deps.log, clock: deps.clock ?? systemClock, ...(deps.audit ? { audit: deps.audit } : {}),
    });
    this.bus = new AedesBus(() => this.#aedes);
  }

  /** the plain TCP port (0 when not listening) */
  get port(): number {
    return this.#portOf(this.#plain);
  }

  /** the TLS port (0 when not listening) */
  get tlsPort(): number {
    return this.#portOf(this.#tls);
  }

  #plain: Server | undefined;
  #tls: Server | undefined;

  #portOf(server: Server | undefined): number {
    return (server?.address() as AddressInfo | null)?.port ?? 0;
  }

  stats() {
    return { clients: this.connectedClients, mqttPort: this.port, mqttTlsPort: this.tlsPort, ...this.#deps.guard?.stats, slowConsumersCut: this.#slowConsumersCut, qos0DroppedSlow: this.#qos0Dropped, identifiersRejected: this.#identifiers.refused, limits: { ...this.#limits.stats, openConnections: this.#limits.openConnections } };
  }

  /** Closes every connection of a device at once (it was revoked), audited as mqtt.disconnect. */
  disconnectDevice(deviceId: string): number {
    return this.#deps.guard?.end((l) => l.principal.type === 'device' && l.principal.deviceId === deviceId, 'device revoked') ?? 0;
  }

  /** Closes at once the connections whose login a change ended (guard.ts endedBy): they must log in again. */
  endLogins(change: AccessChange): number {
    const { match, reason } = endedBy(change);
    return this.#deps.guard?.end(match, reason) ?? 0;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const log = this.#deps.log;
    const beforeAck = this.#deps.beforeAck;
    const guard = this.#deps.guard;
    const identifiers = this.#identifiers;
    const aedes = await Aedes.createBroker({
      id: 'qala',
      preConnect: identifiers.preConnect,
      authenticate: (client, username, password, done) => {
        const rejected = identifiers.rejection(client);
        if (rejected) return done(rejected, false);
        if (guard) return guard.authenticate(client, username, password, done);
        done(null, true);
      },
      // the delivered QoS is at most the granted one, wildcard subscriptions included [MQTT-3.8.4-6]
      authorizeForward: forwardAtGrantedQos,
      ...(guard ? { authorizeSubscribe: (client, sub, done) => guard.authorizeSubscribe(client, sub, done) } : {}),
      authorizePublish: (client, packet, done) => {
        // a refused publish is acknowledged and discarded (guard.ts says why)
        if (client && guard && !guard.admitPublish(client, packet)) return done(null);
        if (client && packet.retain && !this.#limits.keepRetained(client, packet.topic, packet.payload.length)) packet.retain = false;
        // only a client's publish: the platform's own go straight through
        const wait = client && Buffer.isBuffer(packet.payload) ? beforeAck?.({ topic: packet.topic, payload: packet.payload, retain: packet.retain, qos: packet.qos }) : undefined;
        if (!wait) return done(null);
        wait.then(
          () => done(null),
          (err: unknown) => {
            log.error({ err, topic: packet.topic }, 'holding an acknowledgement failed');
            done(err as Error);
          },
        );
      },
    });
    // aedes keeps its persistence on the instance (not in its type declarations)
    const persistence = (aedes as unknown as { persistence: PersistenceInternals }).persistence;
    this.#limits.boundQueues(persistence);
    aedes.on('client', (client) => {
      if (!client.clean) this.#limits.sessionOnline(client.id);
    });
    aedes.on('clientDisconnect', (client) => {
      if (client.clean) return;
      const id = client.id;
      this.#limits.sessionOffline(id, persistence, () => id in (aedes as unknown as { clients: Record<string, Client> }).clients);
    });
    aedes.on('unsubscribe', (unsubscriptions, client) => guard?.unsubscribed(client, unsubscriptions));
    aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
    aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'));
    this.#aedes = aedes;
  }

  /**
   * Opens the TCP listener. Separate from start() so the platform can have every
   * in-process subscriber (ingest above all) in place before the first device speaks.
   */
  async open(): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes) throw new Error('broker not started');
    const log = this.#deps.log;
    const accept = (socket: Socket) => {
      // small packets, sent as they come: with Nagle on, p99 delivery was 32-41 ms instead of ~2 ms
      socket.setNoDelay(true);
      this.#handle(aedes, socket, socket.remoteAddress);
    };
    const { tls } = this.#deps;
    if (this.#deps.plain !== false) {
      this.#plain = await this.#listen(createServer(accept), this.#deps.port);
      log.info({ port: this.port }, 'mqtt broker listening (tcp)');
    }
    if (tls) {
      this.#tls = await this.#listen(createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, accept), tls.port);
      log.info({ port: this.tlsPort }, 'mqtt broker listening (tls)');
    }
  }

  async #listen(server: Server, port: number): Promise<Server> {
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#deps.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  /** MQTT over websocket: the API server hands each /mqtt connection in here, with the client's address (behind a trusted proxy, the one it forwards for). */
  handleStream(stream: Duplex, req?: IncomingMessage, address?: string): void {
    if (!this.#aedes) {
      stream.destroy();
      return;
    }
    this.#handle(this.#aedes, stream, address ?? req?.socket.remoteAddress, req);
  }

  /** Every connection, whatever its transport: counted against the connection limits, its packets against the size limit. */
  #handle(aedes: Aedes, conn: Duplex, address: string | undefined, req?: IncomingMessage): void {
    if (!this.#limits.admitConnection(address)) {
      conn.destroy();
      return;
    }
    this.#conns.add(conn);
    let client: Client | undefined;
    conn.once('close', () => {
      this.#conns.delete(conn);
      this.#limits.releaseConnection(address);
      if (client) this.#deps.guard?.released(client);
    });
    const maxOutbound = this.#deps.limits?.maxOutboundBytes;
    if (maxOutbound) {
      capOutbound(conn, maxOutbound, () => {
        this.#slowConsumersCut++;
        this.#deps.log.warn({ address, maxOutbound }, 'slow consumer cut: its unsent messages passed QALA_MAX_OUTBOUND_BYTES');
      });
    }
    client = aedes.handle(conn, req) as unknown as Client;
    // the address goes with the client to the guard: a websocket stream has none of its own
    this.#deps.guard?.connected(client, address);
    this.#limits.capPacketSize(client, conn, address);
    if (maxOutbound) this.#dropQos0First(client, conn, maxOutbound);
  }

  /**
   * QoS 0 goes first: once a client has half its QALA_MAX_OUTBOUND_BYTES unsent, its
   * QoS 0 deliveries are dropped (at most once [MQTT-4.3.1]: the sender expects no
   * more) rather than buffered, so a subscriber that lags on QoS 0 telemetry is not cut
   * and QoS 1 messages keep the room; only QoS 1/2 beyond the bound cut it.
   */
  #dropQos0First(client: Client, conn: Duplex, maxOutbound: number): void {
    const c = client as unknown as { deliver0: (packet: unknown, cb: () => void) => void };
    const deliver0 = c.deliver0;
    c.deliver0 = (packet, cb) => {
      if (conn.writableLength > maxOutbound / 2) {
        this.#qos0Dropped++;
        cb();
        return;
      }
      deliver0.call(client, packet, cb);
    };
  }

  async stop(): Promise<void> {
    const servers = this.#servers.splice(0);
    const aedes = this.#aedes;
    this.#plain = this.#tls = undefined;
    this.#aedes = undefined;
    this.#limits.stop();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // aedes closes its clients, but a connection that never sent CONNECT is no client of
    // its yet, and server.close() would wait for it for ever: a half-open socket must not
    // hold a shutdown
    for (const conn of this.#conns) conn.destroy();
    this.#conns.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
