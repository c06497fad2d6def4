import type { Aedes } from 'aedes';
import type { Bus, BusMessage, PublishOptions } from './bus.ts';

/** The embedded broker as the bus: subscribers see every publish in-process. */
export class AedesBus implements Bus {
  readonly #aedes: Aedes;

  constructor(aedes: Aedes) {
    this.#aedes = aedes;
  }

  subscribe(filter: string, handler: (msg: BusMessage) => void): Promise<() => Promise<void>> {
    const deliver = (packet: { topic: string; payload: Buffer | string; retain?: boolean }, cb: () => void): void => {
      try {
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        handler({ topic: packet.topic, payload, retain: packet.retain ?? false });
      } finally {
        cb();
      }
    };
    return new Promise((resolve) => {
      this.#aedes.subscribe(filter, deliver, () =>
        resolve(() => new Promise<void>((done) => this.#aedes.unsubscribe(filter, deliver, done))),
      );
    });
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos: options.qos ?? 0,
          retain: options.retain ?? false,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
}
