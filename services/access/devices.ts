// The device registry: every individually provisioned device with its address (kind,
// subsystem, district), location and owner, and only a slow hash of its secret. The
// secret is returned once, when the device is added. Durable (fsynced journal,
// compacted at start); a revoked device stays listed with its revocation time.
import { join } from 'node:path';
import { z } from 'zod';
import { DEVICE_ID, DEVICE_KINDS, KIND_IDS, SEGMENT } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { Clock, DeviceRecord } from '../contracts/index.ts';
import { Journal } from '../durable/journal.ts';
import { SCRYPT, SECRET_COST, dummyHash, newSecret, type SecretHasher } from './credentials.ts';
import type { HashGate } from './hash-gate.ts';

export type { DeviceRecord };

interface Stored extends DeviceRecord {
  secretHash: string;
}

export const newDeviceInput = z
  .object({
    deviceId: z.string().regex(DEVICE_ID, 'letters, digits and _.:- (up to 128), starting with a letter or digit'),
    kind: z.enum(KIND_IDS as [string, ...string[]], { message: `one of ${KIND_IDS.join(', ')}` }),
    district: z.string().regex(SEGMENT, 'a lowercase slug such as "old-town"'),
    location: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]).optional(),
    owner: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type NewDevice = z.infer<typeof newDeviceInput>;

export interface DeviceStoreDeps {
  dataDir: string;
  clock: Pick<Clock, 'now'>;
  /** most devices the registry holds (revoked ones included) */
  maxDevices: number;
  /** the KDF (credentials.ts SCRYPT); tests wrap it to count the work of a login */
  hasher?: SecretHasher;
  /**
   * Bounds the dummy checks of unknown ids (the people's HashGate): any name can
   * trigger one, so a flood of made-up names must not take the thread pool. A real
   * device's check is not gated: a town's devices reconnecting at once after a broker
   * restart must not be refused as a login flood.
   */
  gate?: Pick<HashGate, 'run'>;
}

const publicRecord = ({ secretHash: _, ...rest }: Stored): DeviceRecord => rest;

export class DeviceStore {
  readonly #deps: DeviceStoreDeps;
  readonly #journal: Journal<Stored>;
  readonly #byId = new Map<string, Stored>();
  readonly #hasher: SecretHasher;
  /** checked against for an unknown or revoked id, so it costs what a wrong secret does (users.ts says why) */
  readonly #dummy = dummyHash(SECRET_COST);

  constructor(deps: DeviceStoreDeps) {
    this.#deps = deps;
    this.#hasher = deps.hasher ?? SCRYPT;
    this.#journal = new Journal<Stored>(join(deps.dataDir, 'access', 'devices.jsonl'));
  }

  async start(): Promise<void> {
    for (const d of this.#journal.replay()) this.#byId.set(d.deviceId, d);
    this.#journal.compact([...this.#byId.values()]);
  }

  async stop(): Promise<void> {
    this.#journal.close();
  }

  get size(): number {
    return this.#byId.size;
  }

  /** An active (not revoked) registered device. */
  active(deviceId: string): DeviceRecord | undefined {
    const d = this.#byId.get(deviceId);
    return d && d.revokedAt === undefined ? publicRecord(d) : undefined;
  }

  /** Known to the registry, active or revoked: a group gateway may not speak for it. */
  has(deviceId: string): boolean {
    return this.#byId.has(deviceId);
  }

  list(): DeviceRecord[] {
    return [...this.#byId.values()].map(publicRecord);
  }

  /** The device's record when the secret is right and the device is not revoked. */
  async verify(deviceId: string, secret: string): Promise<DeviceRecord | undefined> {
    const d = this.#byId.get(deviceId);
    if (!d || d.revokedAt !== undefined) {
      const check = () => this.#hasher.verify(secret, this.#dummy);
      await (this.#deps.gate ? this.#deps.gate.run(check) : check());
      return undefined;
    }
    return (await this.#hasher.verify(secret, d.secretHash)) ? publicRecord(d) : undefined;
  }

  async add(input: unknown, by: string): Promise<{ device: DeviceRecord; secret: string }> {
    const parsed = newDeviceInput.safeParse(input);
    if (!parsed.success) {
      throw new QalaError('ERR_BODY_INVALID', parsed.error.issues.map((i) => `${i.path.join('.') || 'device'}: ${i.message}`).join('; '));
    }
    const n = parsed.data;
    if (this.#byId.has(n.deviceId)) throw new QalaError('ERR_DEVICE_EXISTS', `device ${n.deviceId} is already registered`);
    if (this.#byId.size >= this.#deps.maxDevices) {
      throw new QalaError('ERR_LIMIT_REACHED', `the device registry holds ${this.#byId.size} devices, its limit (QALA_MAX_REGISTERED_DEVICES)`);
    }
    const secret = newSecret();
    const stored: Stored = {
      deviceId: n.deviceId,
      kind: n.kind,
      subsystem: DEVICE_KINDS.find((k) => k.id === n.kind)!.subsystem,
      district: n.district,
      ...(n.location ? { location: n.location } : {}),
      ...(n.owner ? { owner: n.owner } : {}),
      createdAt: this.#deps.clock.now(),
      createdBy: by,
      secretHash: await this.#hasher.hash(secret, SECRET_COST),
    };
    this.#journal.append(stored);
    this.#byId.set(stored.deviceId, stored);
    return { device: publicRecord(stored), secret };
  }

  revoke(deviceId: string, by: string): DeviceRecord {
    const d = this.#byId.get(deviceId);
    if (!d) throw new QalaError('ERR_DEVICE_NOT_FOUND', `no registered device "${deviceId}"`);
    if (d.revokedAt === undefined) {
      const revoked: Stored = { ...d, revokedAt: this.#deps.clock.now(), revokedBy: by };
      this.#journal.append(revoked);
      this.#byId.set(deviceId, revoked);
    }
    return publicRecord(this.#byId.get(deviceId)!);
  }
}

/**
 * CSV with a header naming its columns: deviceId, kind, district, and optionally lat,
 * lon, owner. Each line is added on its own; a bad line is reported with its number
 * and the rest go on.
 */
export async function importDevicesCsv(store: DeviceStore, csv: string, by: string): Promise<{ added: { device: DeviceRecord; secret: string }[]; errors: string[] }> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const missing = ['deviceId', 'kind', 'district'].filter((c) => !header.includes(c));
  if (missing.length > 0) return { added: [], errors: [`line 1: the header needs the columns ${missing.join(', ')} (has: ${header.join(', ') || 'nothing'})`] };
  const added: { device: DeviceRecord; secret: string }[] = [];
  const errors: string[] = [];
  for (const [i, line] of lines.entries()) {
    const cells = line.split(',').map((c) => c.trim());
    const row = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    const input = {
      deviceId: row.deviceId,
      kind: row.kind,
      district: row.district,
      ...(row.lat && row.lon ? { location: [Number(row.lat), Number(row.lon)] } : {}),
      ...(row.owner ? { owner: row.owner } : {}),
    };
    try {
      added.push(await store.add(input, by));
    } catch (err) {
      errors.push(`line ${i + 2}: ${(err as Error).message}`);
    }
  }
  return { added, errors };
}
