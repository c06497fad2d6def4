// Tells each routed utility about an incident change: a retained message on
// city/<town>/incidents/<utility>/<id> while it is unresolved (cleared when it is
// resolved), and a signed webhook through the durable outbox. An escalation step
// goes to the routes it names (and those routes hear of every later change); a
// reminder to the incident's routes again. Comments and assignments are for the
// control room (the live view), not delivered. While an active silence matches an
// incident nothing about it is delivered (counted as suppressed).
import type { Logger } from 'pino';
import { incidentTopic } from '../../devices/index.ts';
import type { Bus } from '../bus/bus.ts';
import type { Incident, IncidentChange, IncidentMessage } from '../contracts/index.ts';
import type { EventBus } from '../events.ts';
import type { SilenceMatcher } from './incidents.ts';
import type { Outbox } from './outbox.ts';
import { routeMatches, type Route } from './routing.ts';

export interface NotifierDeps {
  town: string;
  bus: Bus;
  routes: Route[];
  /** the durable webhook outbox (what it returns is not needed here) */
  outbox: { enqueue(...args: Parameters<Outbox['enqueue']>): unknown };
  events: EventBus;
  /** unresolved incidents, published again at start */
  unresolved: () => readonly Incident[];
  log: Logger;
  /** platform time, at which silences are judged */
  now?: () => number;
  silences?: SilenceMatcher;
}

/** Changes the control room sees live but nobody is sent. */
const NOT_DELIVERED = new Set<IncidentChange['action']>(['commented', 'assigned']);

const OWNER = 'notifier';

const message = (incident: Incident, change: IncidentChange | undefined): string =>
  JSON.stringify({ event: `incident.${change?.action ?? 'opened'}`, change: change!, incident } satisfies IncidentMessage);

export class Notifier {
  readonly #deps: NotifierDeps;
  readonly #stats = { suppressed: 0 };

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

  stats() {
    return { ...this.#stats };
  }

  /** The routes a change goes to. */
  routesFor(incident: Incident, change: IncidentChange): Route[] {
    if (NOT_DELIVERED.has(change.action)) return [];
    const named = change.action === 'escalated' && change.routes && change.routes.length > 0 ? new Set(change.routes) : undefined;
    const escalated = new Set(incident.escalatedTo ?? []);
    return this.#deps.routes.filter((r) => (named ? named.has(r.utility) : routeMatches(r, incident) || escalated.has(r.utility)));
  }

  notify(incident: Incident, change: IncidentChange): void {
    const routes = this.routesFor(incident, change);
    if (routes.length === 0) return;
    if (this.#deps.silences?.matching(incident, this.#deps.now?.() ?? Date.now())) {
      this.#stats.suppressed += routes.length;
      return;
    }
    const body = message(incident, change);
    for (const route of routes) {
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
