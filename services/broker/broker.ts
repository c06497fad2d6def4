// The embedded MQTT broker: aedes 1.x over TCP, and over websocket through the API
// server's /mqtt route (handed in as a duplex stream). MQTT 3.1.1 only.
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { AedesBus } from '../bus/aedes-bus.ts';
import type { BusMessage } from '../bus/bus.ts';

export interface BrokerDeps {
  host: string;
  port: number;
  log: Logger;
  /**
   * Called for every client publish before aedes acknowledges and distributes it (its
   * authorizePublish step); a promise returned here holds the PUBACK until it resolves.
   */
  beforeAck?: (msg: BusMessage) => Promise<void> | undefined;
  /** topics only the platform itself may publish to (a device must not fake an incident) */
  reserved?: (topic: string) => boolean;
}

export class Broker {
  readonly #deps: BrokerDeps;
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  /** the broker as the bus, usable once started */
  readonly bus: AedesBus;
  readonly #stats = { refusedReserved: 0 };

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
    this.bus = new AedesBus(() => this.#aedes);
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get refusedReserved(): number {
    return this.#stats.refusedReserved;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const log = this.#deps.log;
    const beforeAck = this.#deps.beforeAck;
    const aedes = await Aedes.createBroker({
      id: 'qala',
      authorizePublish: (client, packet, done) => {
        // topics starting with $ are the broker's own (MQTT 3.1.1 §4.7.2)
        if (packet.topic.startsWith('$')) return done(new Error('$-topics are reserved'));
        if (client && this.#deps.reserved?.(packet.topic)) {
          this.#stats.refusedReserved++;
          log.warn({ clientId: client.id, topic: packet.topic }, 'client publish to a platform topic refused');
          return done(new Error(`${packet.topic} is reserved for the platform`));
        }
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
    const server = createServer((socket) => {
      // small packets, sent as they come: with Nagle on, p99 delivery was 32-41 ms instead of ~2 ms
      socket.setNoDelay(true);
      aedes.handle(socket);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#deps.port, this.#deps.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    log.info({ port: this.port }, 'mqtt broker listening (tcp)');
  }

  /** MQTT over websocket: the API server hands each /mqtt connection in here. */
  handleStream(stream: Duplex, req?: IncomingMessage): void {
    if (!this.#aedes) {
      stream.destroy();
      return;
    }
    this.#aedes.handle(stream, req);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const aedes = this.#aedes;
    this.#server = undefined;
    this.#aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
