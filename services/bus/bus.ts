// The one interface services use to talk MQTT. In the all-in-one process it is the
// embedded aedes broker (no network hop); split across processes it is an MQTT client.
export interface BusMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

export interface Bus {
  /** Resolves once the subscription is live; the returned function removes it. */
  subscribe(filter: string, handler: (msg: BusMessage) => void): Promise<() => Promise<void>>;
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
}
