// Access: who a connecting MQTT client is. A client is one of
//   - a registered device: user name = its device id, password = its secret (scrypt hash in the registry);
//   - a device of the simulator's group: user name = its address city/<town>/<subsystem>/<district>/<kind>/<id>,
//     password = HMAC-SHA256(group key, user name) (the key lives in <dataDir>/access/simulator.key);
//   - the simulator's gateway (its multiplexed connections and its sim/faults): user name gateway:<name>,
//     password derived the same way;
//   - a user (a person or a service account): user name and password or API token.
// Anything else is refused. The answer is cached per connection by the broker.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEVICE_KINDS, parseDeviceTopic } from '../../devices/index.ts';
import { QalaError, type AuditSink, type Clock, type MqttLogin, type Principal } from '../contracts/index.ts';
import { deriveSecret, groupLogins, newSecret, sameSecret, type SecretHasher } from './credentials.ts';
import { DeviceStore, importDevicesCsv, type DeviceRecord } from './devices.ts';
import type { HashGate } from './hash-gate.ts';

/** What Access needs of the people's directory (services/access/users.ts). */
export interface UserAuthenticator {
  authenticate(name: string, secret: string): Promise<MqttLogin | undefined>;
}

export interface AccessDeps {
  town: string;
  dataDir: string;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  maxRegisteredDevices: number;
  users?: UserAuthenticator;
  /** the KDF of the device registry (credentials.ts SCRYPT); tests wrap it to count the work of a login */
  hasher?: SecretHasher;
  /** the people's HashGate, which also bounds the registry's checks of unknown ids (devices.ts says why) */
  hashGate?: HashGate;
}

const KINDS = new Map(DEVICE_KINDS.map((k) => [k.id, k]));

export class Access {
  readonly devices: DeviceStore;
  readonly #deps: AccessDeps;
  #groupKey = '';
  readonly #revokedListeners: ((deviceId: string) => void)[] = [];

  constructor(deps: AccessDeps) {
    this.#deps = deps;
    this.devices = new DeviceStore({ dataDir: deps.dataDir, clock: deps.clock, maxDevices: deps.maxRegisteredDevices, ...(deps.hasher ? { hasher: deps.hasher } : {}), ...(deps.hashGate ? { gate: deps.hashGate } : {}) });
  }

  async start(): Promise<void> {
    await this.devices.start();
    // the simulator's group key: made once, readable by the owner only
    const dir = join(this.#deps.dataDir, 'access');
    const file = join(dir, 'simulator.key');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) writeFileSync(file, `${newSecret()}\n`, { mode: 0o600 });
    this.#groupKey = readFileSync(file, 'utf8').trim();
  }

  async stop(): Promise<void> {
    await this.devices.stop();
    this.#revokedListeners.length = 0;
  }

  /** Who the client is and what its login rests on, or undefined (CONNACK "not authorized"). Never throws. */
  async authenticate(username: string | undefined, password: Buffer | undefined, from?: string): Promise<MqttLogin | undefined> {
    const claimed = username ?? '(anonymous)';
    const secret = password?.toString('utf8') ?? '';
    let login: MqttLogin | undefined;
    let busy = false;
    try {
      if (username && secret) login = await this.#identify(username, secret);
    } catch (err) {
      busy = err instanceof QalaError && err.code === 'ERR_AUTH_BUSY';
      if (busy) this.#deps.log.warn({ username }, 'MQTT login refused: too many password checks at once');
      else this.#deps.log.error({ err, username }, 'authentication failed with an error');
    }
    const reason = busy ? 'too many password checks at once (QALA_PASSWORD_HASH_QUEUE)' : username ? 'unknown client or wrong secret' : 'no credentials';
    if (!login) this.#deps.audit.record({ who: claimed, action: 'mqtt.connect', outcome: 'refused', ...(from ? { from } : {}), detail: { reason } });
    return login;
  }

  async #identify(username: string, secret: string): Promise<MqttLogin | undefined> {
    const { town } = this.#deps;
    if (username.startsWith('city/')) {
      // a device of the simulator's group, named by its address
      if (!sameSecret(secret, deriveSecret(this.#groupKey, username))) return undefined;
      const parsed = parseDeviceTopic(`${username}/telemetry`);
      if (!parsed.ok || parsed.value.town !== town) return undefined;
      const t = parsed.value;
      if (KINDS.get(t.kind)?.subsystem !== t.subsystem || this.devices.has(t.deviceId)) return undefined;
      return { principal: { type: 'device', town, deviceId: t.deviceId, kind: t.kind, subsystem: t.subsystem, district: t.district }, via: 'secret' };
    }
    if (username.startsWith('gateway:')) {
      if (!sameSecret(secret, deriveSecret(this.#groupKey, username))) return undefined;
      return { principal: { type: 'gateway', town, name: username.slice('gateway:'.length), group: 'simulator', simulator: true }, via: 'secret' };
    }
    const device = await this.devices.verify(username, secret);
    if (device) return { principal: toPrincipal(town, device), via: 'secret' };
    return this.#deps.users?.authenticate(username, secret);
  }

  /** Credentials of the built-in simulator: per device (its address), and for its gateway. */
  simulatorCredentials(): ReturnType<typeof groupLogins> {
    return groupLogins(this.#groupKey);
  }

  /** Called with a device id the moment it is revoked (the broker disconnects it). */
  onRevoked(fn: (deviceId: string) => void): void {
    this.#revokedListeners.push(fn);
  }

  // The admin port the API serves (/api/admin/devices).
  list(): DeviceRecord[] {
    return this.devices.list();
  }

  async add(input: unknown, by: string): Promise<{ device: DeviceRecord; secret: string }> {
    const added = await this.devices.add(input, by);
    this.#deps.audit.record({ who: by, action: 'device.add', outcome: 'ok', detail: { deviceId: added.device.deviceId, kind: added.device.kind, district: added.device.district } });
    return added;
  }

  revoke(deviceId: string, by: string): DeviceRecord {
    const d = this.devices.revoke(deviceId, by);
    this.#deps.audit.record({ who: by, action: 'device.revoke', outcome: 'ok', detail: { deviceId } });
    for (const fn of this.#revokedListeners) fn(deviceId);
    return d;
  }

  async importCsv(csv: string, by: string): Promise<{ added: { device: DeviceRecord; secret: string }[]; errors: string[] }> {
    const result = await importDevicesCsv(this.devices, csv, by);
    this.#deps.audit.record({ who: by, action: 'device.import', outcome: result.errors.length ? 'failed' : 'ok', detail: { added: result.added.length, errors: result.errors.length } });
    return result;
  }
}

export function toPrincipal(town: string, d: DeviceRecord): Principal {
  return { type: 'device', town, deviceId: d.deviceId, kind: d.kind, subsystem: d.subsystem as Extract<Principal, { type: 'device' }>['subsystem'], district: d.district };
}
