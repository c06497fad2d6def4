// The one interface services use to talk MQTT. In the all-in-one process it is the
// embedded aedes broker (no network hop); split across processes it is an MQTT client.
export interface BusMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: 0 | 1 | 2;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

/**
 * A handler that returns a promise holds the acknowledgement of a QoS 1 message until
 * it settles, where the bus can (an MQTT client of an external broker); the embedded
 * broker's acknowledgements are held by the broker's own hook instead.
 */
export type MessageHandler = (msg: BusMessage) => void | Promise<void>;

export interface Bus {
  /** Resolves once the subscription is live; the returned function removes it. */
  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>>;
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
}
