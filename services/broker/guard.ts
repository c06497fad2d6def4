// The broker's guard: authenticates every connecting client once and caches who it
// is on the connection; checks every publish and subscribe against the topic ACL
// (services/access/acl.ts) with a per-connection cache of the topics already allowed,
// so the hot path is a Set lookup. A refused publish is acknowledged and discarded,
// never a reason to drop the connection (what Mosquitto does for MQTT 3.1.1 clients,
// which have no reason code to carry): a device with a persistent session and one
// refused QoS 1 message would otherwise reconnect and resend it forever.
//
// A connection lives no longer than the login it was opened with: one that rests on an
// API token is closed when the token expires (a timer on the injected clock, one per
// such connection) and every connection resting on something revoked (a token, a
// password changed, a device, a user) is closed at once (end()), each audited as
// mqtt.disconnect with its reason. Until the socket is gone, and should a timer come
// late, a publish or subscribe of an ended or expired login is refused like any other.
import type { AuthenticateError, Client, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { canPublish, canSubscribe, type AclContext } from '../access/acl.ts';
import { setTimeoutAt, systemClock } from '../clock.ts';
import { principalName, type AccessChange, type AuditSink, type Clock, type MqttLogin, type Principal, type Timer } from '../contracts/index.ts';

export interface Authenticator {
  authenticate(username: string | undefined, password: Buffer | undefined, from?: string): Promise<MqttLogin | undefined>;
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
  /** when logins expire (the platform's clock) */
  clock?: Clock;
}

/** Where a refused publish goes: a "$" topic no wildcard matches [MQTT-4.7.2-1] and nobody may subscribe to. */
export const DISCARDED_TOPIC = '$qala/discarded';
const ALLOWED_CACHE = 256;
/** refusals audited per connection; the rest are counted */
const AUDITED_REFUSALS = 20;

/** A connection the broker has handed over, from its first byte until it closes. */
interface Conn {
  /** the client's address as the broker has it (behind a trusted proxy, the one it forwards for) */
  from: string | undefined;
  session?: Session;
}

interface Session {
  login: MqttLogin;
  principal: Principal;
  allowed: Set<string>;
  refusals: number;
  /** the filters granted on this connection, for the subscription limit */
  filters: Set<string>;
  /** closes the connection when its login expires */
  timer?: Timer;
  /** why the login ended, once it has */
  ended?: string;
}

export class Guard {
  readonly #deps: GuardDeps;
  readonly #clock: Clock;
  /** every open connection (connected() to released()), so end() finds them and nothing outlives its socket */
  readonly #conns = new Map<Client, Conn>();
  readonly stats = { refusedConnects: 0, refusedPublishes: 0, refusedSubscribes: 0, refusedSubscribesOverLimit: 0, refusedNewDevices: 0, loginsEnded: 0 };
  /** device ids gateways have published for */
  readonly #knownIds = new Set<string>();
  #window = { start: -Infinity, count: 0 };

  constructor(deps: GuardDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
  }

  principalOf(client: Client): Principal | undefined {
    return this.#conns.get(client)?.session?.principal;
  }

  /** The broker hands each new connection over with the address it came from, before any packet is read. */
  connected(client: Client, from: string | undefined): void {
    this.#conns.set(client, { from });
  }

  /** The connection closed: its login and its timer go with it. */
  released(client: Client): void {
    this.#conns.get(client)?.session?.timer?.cancel();
    this.#conns.delete(client);
  }

  /** aedes' authenticate hook: CONNACK 5 "not authorized" for anyone unknown. */
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void): void {
    const from = this.#fromOf(client);
    this.#deps.access.authenticate(username, password, from).then(
      (login) => {
        if (!login) {
          this.stats.refusedConnects++;
          return done(notAuthorized(), false);
        }
        const conn = this.#conns.get(client);
        // closed while its credentials were checked: nothing left to let in
        if (!conn) return done(notAuthorized(), false);
        // a login already expired (a token that ran out while it was checked) is refused like one that never was
        if (login.expiresAt !== undefined && this.#clock.now() >= login.expiresAt) {
          this.stats.refusedConnects++;
          return done(notAuthorized(), false);
        }
        const session: Session = { login, principal: login.principal, allowed: new Set(), refusals: 0, filters: new Set() };
        conn.session = session;
        if (login.expiresAt !== undefined) session.timer = setTimeoutAt(this.#clock, login.expiresAt, () => this.#end(client, conn, session, `API token ${login.tokenId ?? ''} expired at ${new Date(login.expiresAt!).toISOString()}`));
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
    const s = this.#live(client);
    if (s?.allowed.has(packet.topic)) return true;
    let decision = s ? canPublish(s.principal, packet.topic, this.#deps.acl) : { ok: false as const, reason: this.#whyNot(client) };
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
    const s = this.#live(client);
    const decision = s ? canSubscribe(s.principal, sub.topic, this.#deps.acl) : { ok: false as const, reason: this.#whyNot(client) };
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
    const s = this.#conns.get(client)?.session;
    if (s) for (const f of filters) s.filters.delete(f);
  }

  /**
   * Ends every open login that `match` picks (a revoked token or device, a changed
   * password, a removed user): each connection is audited, logged and closed. Returns
   * how many.
   */
  end(match: (login: MqttLogin) => boolean, reason: string): number {
    let n = 0;
    for (const [client, conn] of [...this.#conns]) {
      const s = conn.session;
      if (s && s.ended === undefined && match(s.login)) {
        this.#end(client, conn, s, reason);
        n++;
      }
    }
    return n;
  }

  /** The client's session while its login holds; an expired one is ended here if its timer has not yet. */
  #live(client: Client): Session | undefined {
    const conn = this.#conns.get(client);
    const s = conn?.session;
    if (!s || s.ended !== undefined) return undefined;
    const expiresAt = s.login.expiresAt;
    if (expiresAt !== undefined && this.#clock.now() >= expiresAt) {
      this.#end(client, conn!, s, `API token ${s.login.tokenId ?? ''} expired at ${new Date(expiresAt).toISOString()}`);
      return undefined;
    }
    return s;
  }

  #whyNot(client: Client): string {
    const ended = this.#conns.get(client)?.session?.ended;
    return ended ? `login ended: ${ended}` : 'not authenticated';
  }

  #end(client: Client, conn: Conn, s: Session, reason: string): void {
    if (s.ended !== undefined) return;
    s.ended = reason;
    s.timer?.cancel();
    this.stats.loginsEnded++;
    const who = principalName(s.principal);
    this.#deps.audit.record({
      who, action: 'mqtt.disconnect', outcome: 'ok', ...(conn.from ? { from: conn.from } : {}),
      detail: { reason, clientId: client.id, via: s.login.via, ...(s.login.tokenId ? { tokenId: s.login.tokenId } : {}) },
    });
    this.#deps.log.warn({ who, from: conn.from, clientId: client.id, reason }, 'MQTT connection closed: the login it was opened with has ended');
    client.close();
  }

  /** The address the broker handed the connection over with; for a client it never did, the socket's own. */
  #fromOf(client: Client): string | undefined {
    const conn = this.#conns.get(client);
    return conn ? conn.from : remoteOf(client);
  }

  #refused(client: Client, live: Session | undefined, action: string, detail: Record<string, unknown>): void {
    // an ended login's refusals still name it
    const s = live ?? this.#conns.get(client)?.session;
    const n = s ? ++s.refusals : 1;
    if (n > AUDITED_REFUSALS) return;
    const from = this.#fromOf(client);
    this.#deps.audit.record({
      who: s ? principalName(s.principal) : `client:${client.id}`,
      action,
      outcome: 'refused',
      ...(from ? { from } : {}),
      detail: n === AUDITED_REFUSALS ? { ...detail, note: `further refusals on this connection are counted, not audited` } : detail,
    });
  }
}

/**
 * Which open MQTT logins an access change ends, and why. A removed user loses every
 * connection; a changed password, those opened with a password (its API tokens are
 * credentials of their own, revoked one by one); a revoked token, those opened with it.
 */
export function endedBy(change: AccessChange): { match: (login: MqttLogin) => boolean; reason: string } {
  const of = (l: MqttLogin) => l.principal.type === 'user' && l.principal.name === change.user;
  switch (change.type) {
    case 'user-removed':
      return { match: of, reason: 'user removed' };
    case 'password-changed':
      return { match: (l) => of(l) && l.via === 'password', reason: 'password changed' };
    case 'token-revoked':
      return { match: (l) => of(l) && l.tokenId === change.tokenId, reason: `API token ${change.tokenId} revoked` };
  }
}

/** CONNACK return code 5, "not authorized" [MQTT-3.2.2.3] */
const notAuthorized = (): AuthenticateError => Object.assign(new Error('not authorized'), { returnCode: 5 as AuthenticateError['returnCode'] });

function remoteOf(client: Client): string | undefined {
  const conn = (client as unknown as { conn?: { remoteAddress?: string; socket?: { remoteAddress?: string } } }).conn;
  return conn?.remoteAddress ?? conn?.socket?.remoteAddress;
}
