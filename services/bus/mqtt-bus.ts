// The bus over an external MQTT broker (Mosquitto, EMQX, an aedes cluster): the
// same interface services use in the all-in-one process, through one mqtt.js client.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Bus, BusMessage, PublishOptions } from './bus.ts';

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

export class MqttBus implements Bus {
  readonly #url: string;
  readonly #clientId: string;
  readonly #log: Logger;
  #client: MqttClient | undefined;
  readonly #handlers: { filter: string; handler: (m: BusMessage) => void }[] = [];

  constructor(opts: { url: string; clientId: string; log: Logger }) {
    this.#url = opts.url;
    this.#clientId = opts.clientId;
    this.#log = opts.log;
  }

  async start(): Promise<void> {
    // A persistent session (clean: false) with QoS 1 subscriptions: what arrives while
    // the platform is restarting is kept by the broker and delivered afterwards.
    this.#client = await mqtt.connectAsync(this.#url, { clientId: this.#clientId, clean: false, protocolVersion: 4, reconnectPeriod: 1000 });
    this.#client.on('error', (err) => this.#log.warn({ err: err.message }, 'external broker connection error'));
    this.#client.on('message', (topic, payload, packet) => {
      for (const h of this.#handlers) {
        if (!topicMatches(h.filter, topic)) continue;
        try {
          h.handler({ topic, payload, retain: packet.retain });
        } catch (err) {
          this.#log.error({ err, topic }, 'bus handler failed');
        }
      }
    });
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync();
    this.#client = undefined;
  }

  #c(): MqttClient {
    if (!this.#client) throw new Error('MQTT bus not started');
    return this.#client;
  }

  async subscribe(filter: string, handler: (msg: BusMessage) => void): Promise<() => Promise<void>> {
    const entry = { filter, handler };
    this.#handlers.push(entry);
    await this.#c().subscribeAsync(filter, { qos: 1 });
    return async () => {
      this.#handlers.splice(this.#handlers.indexOf(entry), 1);
      if (!this.#handlers.some((h) => h.filter === filter)) await this.#client?.unsubscribeAsync(filter);
    };
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    await this.#c().publishAsync(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
  }
}
