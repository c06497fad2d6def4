// Tells each routed utility about an incident change: a retained message on
// city/<town>/incidents/<utility>/<id> while it is unresolved (cleared when it is
// resolved), and a signed webhook through the durable outbox.
import type { Logger } from 'pino';
import { incidentTopic } from '../../devices/index.ts';
import type { Bus } from '../bus/bus.ts';
import type { Incident, IncidentChange, IncidentMessage } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import type { Outbox } from './outbox.ts';
import { routeMatches, type Route } from './routing.ts';

export interface NotifierDeps {
  town: string;
  bus: Bus;
  routes: Route[];
  outbox: Pick<Outbox, 'enqueue'>;
  events: EventBus;
  /** unresolved incidents, published again at start */
  unresolved: () => readonly Incident[];
  log: Logger;
}

const OWNER = 'notifier';

const message = (incident: Incident, change: IncidentChange | undefined): string =>
  JSON.stringify({ event: `incident.${change?.action ?? 'opened'}`, change: change!, incident } satisfies IncidentMessage);

export class Notifier {
  readonly #deps: NotifierDeps;

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.restoreRetained(this.#deps.unresolved());
    this.#deps.events.on('incidentChanged', OWNER, ({ incident, change }) => this.notify(incident, change));
  }

  async stop(): Promise<void> {
    this.#deps.events.removeListeners(OWNER);
  }

  notify(incident: Incident, change: IncidentChange): void {
    const body = message(incident, change);
    for (const route of this.#deps.routes) {
      if (!routeMatches(route, incident)) continue;
      if (route.mqtt) this.#publish(route, incident, body);
      if (route.webhook) this.#deps.outbox.enqueue(route.webhook.url, route.utility, body);
    }
  }

  /**
   * After a restart the broker's retained copies may be gone (the embedded broker
   * keeps them in memory): publish every unresolved incident again, MQTT only.
   */
  restoreRetained(unresolved: readonly Incident[]): void {
    for (const incident of unresolved) {
      const last = incident.history[incident.history.length - 1];
      const body = message(incident, last);
      for (const route of this.#deps.routes) if (route.mqtt && routeMatches(route, incident)) this.#publish(route, incident, body);
    }
  }

  #publish(route: Route, incident: Incident, body: string): void {
    const { town, bus, log } = this.#deps;
    const topic = incidentTopic(town, route.utility, incident.id);
    const publish = async () => {
      if (incident.state === 'resolved') {
        // the final state for whoever listens now, then clear the retained copy
        await bus.publish(topic, body, { qos: 1 });
        await bus.publish(topic, '', { qos: 1, retain: true });
      } else {
        await bus.publish(topic, body, { qos: 1, retain: true });
      }
    };
    publish().catch((err: unknown) => log.error({ err, topic }, 'incident publish failed'));
  }
}
