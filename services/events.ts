// The in-process typed event bus. Events are named in the past tense; a listener
// that throws is logged with its owner and never stops the others
// (zigbee2mqtt lib/eventBus.ts).
import type { Logger } from 'pino';
import type { PlatformEvents } from './contracts/events.ts';

export type { PlatformEvents };

type Listener<T> = (event: T) => void;

export class EventBus {
  readonly #listeners = new Map<keyof PlatformEvents, { owner: string; fn: Listener<never> }[]>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  on<K extends keyof PlatformEvents>(event: K, owner: string, fn: Listener<PlatformEvents[K]>): () => void {
    const list = this.#listeners.get(event) ?? [];
    const entry = { owner, fn: fn as Listener<never> };
    list.push(entry);
    this.#listeners.set(event, list);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Removes every listener an owner registered (when a component stops). */
  removeListeners(owner: string): void {
    for (const list of this.#listeners.values()) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.owner === owner) list.splice(i, 1);
    }
  }

  emit<K extends keyof PlatformEvents>(event: K, payload: PlatformEvents[K]): void {
    for (const { owner, fn } of this.#listeners.get(event) ?? []) {
      try {
        (fn as Listener<PlatformEvents[K]>)(payload);
      } catch (err) {
        this.#log.error({ err, owner, event }, 'event listener failed');
      }
    }
  }
}
