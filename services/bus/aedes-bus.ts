import type { Aedes } from 'aedes';
import type { Bus, MessageHandler, PublishOptions } from './bus.ts';

/** The embedded broker as the bus: subscribers see every publish in-process. */
export class AedesBus implements Bus {
  readonly #broker: () => Aedes | undefined;

  /** `broker` gives the running aedes instance (the bus exists before the broker starts) */
  constructor(broker: () => Aedes | undefined) {
    this.#broker = broker;
  }

  get #aedes(): Aedes {
    const aedes = this.#broker();
    if (!aedes) throw new Error('embedded broker not started');
    return aedes;
  }

  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const deliver = (packet: { topic: string; payload: Buffer | string; retain?: boolean; qos?: number }, cb: () => void): void => {
      try {
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        const held = handler({ topic: packet.topic, payload, retain: packet.retain ?? false, qos: (packet.qos ?? 0) as 0 | 1 | 2 });
        // nothing to hold here: the embedded broker's acknowledgements wait in its publish hook
        if (held) held.catch(() => undefined);
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
