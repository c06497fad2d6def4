// The broker's guard: authenticates every connecting client once and caches who it
// is on the connection; checks every publish and subscribe against the topic ACL
// (services/access/acl.ts) with a per-connection cache of the topics already allowed,
// so the hot path is a Set lookup. A refused publish is acknowledged and discarded,
// never a reason to drop the connection (what Mosquitto does for MQTT 3.1.1 clients,
// which have no reason code to carry): a device with a persistent session and one
// refused QoS 1 message would otherwise reconnect and resend it forever.
import type { AuthenticateError, Client, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { canPublish, canSubscribe, type AclContext } from '../access/acl.ts';
import { principalName, type AuditSink, type Principal } from '../contracts/index.ts';

export interface Authenticator {
  authenticate(username: string | undefined, password: Buffer | undefined, from?: string): Promise<Principal | undefined>;
}

export interface GuardDeps {
  access: Authenticator;
  acl: AclContext;
  audit: AuditSink;
  log: Logger;
  /** QALA_MAX_SUBSCRIPTIONS_PER_CLIENT: topic filters one connection may hold (default 100) */
  maxSubscriptions?: number;
  /**
   * Device ids a gateway may bring that were not seen before: in total (QALA_MAX_DEVICES)
   * and per minute (QALA_MAX_NEW_DEVICES_PER_MINUTE). Registered devices speak only for
   * themselves, so only a gateway can bring new ids; without these a flood of ids grows
   * the device directory without bound and turns into as many "offline" incidents.
   */
  newDevices?: { max: number; perMinute: number; now: () => number };
}

/** Where a refused publish goes: a "$" topic no wildcard matches [MQTT-4.7.2-1] and nobody may subscribe to. */
export const DISCARDED_TOPIC = '$qala/discarded';
const ALLOWED_CACHE = 256;
/** refusals audited per connection; the rest are counted */
const AUDITED_REFUSALS = 20;

interface Session {
  principal: Principal;
  allowed: Set<string>;
  refusals: number;
  /** the filters granted on this connection, for the subscription limit */
  filters: Set<string>;
}

export class Guard {
  readonly #deps: GuardDeps;
  readonly #sessions = new WeakMap<Client, Session>();
  readonly stats = { refusedConnects: 0, refusedPublishes: 0, refusedSubscribes: 0, refusedSubscribesOverLimit: 0, refusedNewDevices: 0 };
  /** device ids gateways have published for */
  readonly #knownIds = new Set<string>();
  #window = { start: -Infinity, count: 0 };

  constructor(deps: GuardDeps) {
    this.#deps = deps;
  }

  principalOf(client: Client): Principal | undefined {
    return this.#sessions.get(client)?.principal;
  }

  /** aedes' authenticate hook: CONNACK 5 "not authorized" for anyone unknown. */
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void): void {
    const from = remoteOf(client);
    this.#deps.access.authenticate(username, password, from).then(
      (principal) => {
        if (!principal) {
          this.stats.refusedConnects++;
          return done(notAuthorized(), false);
        }
        this.#sessions.set(client, { principal, allowed: new Set(), refusals: 0, filters: new Set() });
        done(null, true);
      },
      (err: unknown) => {
        this.#deps.log.error({ err }, 'authentication threw');
        done(notAuthorized(), false);
      },
    );
  }

  /** Whether a client's publish may go on; a refused one is rewritten to be discarded. */
  admitPublish(client: Client, packet: { topic: string; payload: Buffer | string; retain: boolean; qos: number }): boolean {
    const s = this.#sessions.get(client);
    if (s?.allowed.has(packet.topic)) return true;
    let decision = s ? canPublish(s.principal, packet.topic, this.#deps.acl) : { ok: false as const, reason: 'not authenticated' };
    if (decision.ok && s!.principal.type === 'gateway') decision = this.#newDevice(packet.topic) ?? decision;
    if (decision.ok) {
      if (s!.allowed.size < ALLOWED_CACHE) s!.allowed.add(packet.topic);
      return true;
    }
    this.stats.refusedPublishes++;
    this.#refused(client, s, 'mqtt.publish-refused', { topic: packet.topic.slice(0, 256), reason: decision.reason });
    packet.topic = DISCARDED_TOPIC;
    packet.retain = false;
    packet.payload = Buffer.alloc(0);
    return false;
  }

  /** A refusal when a gateway's topic names a device id past the new-device limits, else undefined. */
  #newDevice(topic: string): { ok: false; reason: string } | undefined {
    const limits = this.#deps.newDevices;
    const id = topic.split('/')[5];
    if (!limits || id === undefined || this.#knownIds.has(id)) return undefined;
    if (this.#knownIds.size >= limits.max) {
      this.stats.refusedNewDevices++;
      return { ok: false, reason: `QALA_MAX_DEVICES=${limits.max} device ids are known; a new one (${id.slice(0, 64)}) is refused` };
    }
    const now = limits.now();
    if (now - this.#window.start >= 60_000) this.#window = { start: now, count: 0 };
    if (this.#window.count >= limits.perMinute) {
      this.stats.refusedNewDevices++;
      return { ok: false, reason: `QALA_MAX_NEW_DEVICES_PER_MINUTE=${limits.perMinute} new device ids came this minute; ${id.slice(0, 64)} is refused` };
    }
    this.#window.count++;
    this.#knownIds.add(id);
    return undefined;
  }

  /** aedes' authorizeSubscribe hook: a refused filter gets SUBACK 0x80 [MQTT-3.9.3], the connection stays. */
  authorizeSubscribe(client: Client, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void): void {
    const s = this.#sessions.get(client);
    const decision = s ? canSubscribe(s.principal, sub.topic, this.#deps.acl) : { ok: false as const, reason: 'not authenticated' };
    if (decision.ok) {
      const max = this.#deps.maxSubscriptions ?? 100;
      // a filter subscribed again replaces the old one [MQTT-3.8.4-3]: it takes no new place
      if (s!.filters.has(sub.topic) || s!.filters.size < max) {
        s!.filters.add(sub.topic);
        return done(null, sub);
      }
      this.stats.refusedSubscribesOverLimit++;
      this.#refused(client, s, 'mqtt.subscribe-refused', { filter: sub.topic.slice(0, 256), reason: `QALA_MAX_SUBSCRIPTIONS_PER_CLIENT=${max} filters are held by this client` });
      return done(null, null);
    }
    this.stats.refusedSubscribes++;
    this.#refused(client, s, 'mqtt.subscribe-refused', { filter: sub.topic.slice(0, 256), reason: decision.reason });
    done(null, null);
  }

  /** aedes' unsubscribe event: the filters no longer count against the limit. */
  unsubscribed(client: Client, filters: string[]): void {
    const s = this.#sessions.get(client);
    if (s) for (const f of filters) s.filters.delete(f);
  }

  #refused(client: Client, s: Session | undefined, action: string, detail: Record<string, unknown>): void {
    const n = s ? ++s.refusals : 1;
    if (n > AUDITED_REFUSALS) return;
    const from = remoteOf(client);
    this.#deps.audit.record({
      who: s ? principalName(s.principal) : `client:${client.id}`,
      action,
      outcome: 'refused',
      ...(from ? { from } : {}),
      detail: n === AUDITED_REFUSALS ? { ...detail, note: `further refusals on this connection are counted, not audited` } : detail,
    });
  }
}

/** CONNACK return code 5, "not authorized" [MQTT-3.2.2.3] */
const notAuthorized = (): AuthenticateError => Object.assign(new Error('not authorized'), { returnCode: 5 as AuthenticateError['returnCode'] });

function remoteOf(client: Client): string | undefined {
  const conn = (client as unknown as { conn?: { remoteAddress?: string; socket?: { remoteAddress?: string } } }).conn;
  return conn?.remoteAddress ?? conn?.socket?.remoteAddress;
}
