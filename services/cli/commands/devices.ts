// `qala devices list|add|revoke|import`: the device registry of a running platform,
// through its admin API (so a revocation disconnects the device at once). An admin's
// API token authorises it; a device's secret is printed once, when it is added.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ERROR_CODES, QalaError, type ErrorCode } from '../../contracts/errors.ts';
import { requireFile } from '../files.ts';
import { filePath } from '../option-types.ts';
import { option, type Command } from '../options.ts';

const common = {
  url: option(z.url({ protocol: /^https?$/, error: 'the platform\'s URL such as http://127.0.0.1:8080' }).default('http://127.0.0.1:8080'), '<url>', 'the platform (its HTTP address)'),
  token: option(z.string().min(1, 'an admin API token'), '<token>', 'an admin\'s API token (POST /api/tokens, or the dashboard)'),
};

async function call(o: { url: string; token: string }, method: string, path: string, body?: string, type = 'application/json'): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, o.url), { method, headers: { authorization: `Bearer ${o.token}`, ...(body !== undefined ? { 'content-type': type } : {}) }, ...(body !== undefined ? { body } : {}) });
  } catch (err) {
    throw new QalaError('ERR_BAD_REQUEST', `cannot reach the platform at ${o.url} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); is it running, and is --url right?`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } }).error;
    // the platform's own code when it is one of ours (ERR_UNAUTHENTICATED for a bad token, say): exit 1, not a usage mistake
    const code = e?.code && e.code in ERROR_CODES && e.code !== 'ERR_USAGE' ? (e.code as ErrorCode) : 'ERR_INTERNAL';
    throw new QalaError(code, `the platform answered ${res.status}: ${e?.message ?? text}`.trim());
  }
  return json;
}

const listOptions = z.object({ ...common }).strict();
export const devicesListCommand: Command<typeof listOptions> = {
  name: 'devices list',
  summary: 'list the registered devices of a running platform (one JSON line each)',
  options: listOptions,
  async run(o) {
    const { devices } = (await call(o, 'GET', '/api/admin/devices')) as { devices: unknown[] };
    for (const d of devices) console.log(JSON.stringify(d));
    return 0;
  },
};

const addOptions = z
  .object({
    ...common,
    id: option(z.string().min(1, 'a device id'), '<deviceId>', 'the device id (its serial)'),
    kind: option(z.string().min(1, 'a device kind'), '<kind>', 'its kind, such as water-pressure (GET /api/kinds lists them)'),
    district: option(z.string().min(1, 'a district'), '<district>', 'its district, such as old-town'),
    lat: option(z.coerce.number().min(-90).max(90).optional(), '<deg>', 'latitude'),
    lon: option(z.coerce.number().min(-180).max(180).optional(), '<deg>', 'longitude'),
    owner: option(z.string().min(1).optional(), '<name>', 'who owns or maintains it'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.lat === undefined) !== (o.lon === undefined)) ctx.addIssue({ code: 'custom', path: ['lon'], message: '--lat and --lon go together' });
  });
export const devicesAddCommand: Command<typeof addOptions> = {
  name: 'devices add',
  summary: 'register a device and print its MQTT credentials (the secret is shown this once)',
  options: addOptions,
  async run(o) {
    const body = { deviceId: o.id, kind: o.kind, district: o.district, ...(o.lat !== undefined && o.lon !== undefined ? { location: [o.lat, o.lon] } : {}), ...(o.owner ? { owner: o.owner } : {}) };
    const added = (await call(o, 'POST', '/api/admin/devices', JSON.stringify(body))) as { device: { deviceId: string }; secret: string };
    console.log(JSON.stringify({ device: added.device, mqtt: { username: added.device.deviceId, password: added.secret } }));
    console.error('The password is shown this once: put it on the device now.');
    return 0;
  },
};

const revokeOptions = z.object({ ...common, id: option(z.string().min(1, 'a device id'), '<deviceId>', 'the device to revoke') }).strict();
export const devicesRevokeCommand: Command<typeof revokeOptions> = {
  name: 'devices revoke',
  summary: 'revoke a device: it is disconnected at once and let in no more',
  options: revokeOptions,
  async run(o) {
    console.log(JSON.stringify(await call(o, 'POST', `/api/admin/devices/${encodeURIComponent(o.id)}/revoke`, '{}')));
    return 0;
  },
};

const importOptions = z.object({ ...common, file: option(filePath, '<devices.csv>', 'CSV with a header: deviceId,kind,district[,lat,lon,owner]') }).strict();
export const devicesImportCommand: Command<typeof importOptions> = {
  name: 'devices import',
  summary: 'register the devices of a CSV file and print their credentials (shown this once)',
  options: importOptions,
  async run(o) {
    requireFile('--file', o.file, 'a CSV with the header deviceId,kind,district[,lat,lon,owner]');
    const result = (await call(o, 'POST', '/api/admin/devices/import', readFileSync(o.file, 'utf8'), 'text/csv')) as { added: { device: { deviceId: string }; secret: string }[]; errors: string[] };
    for (const a of result.added) console.log(JSON.stringify({ device: a.device, mqtt: { username: a.device.deviceId, password: a.secret } }));
    for (const e of result.errors) console.error(`qala: ${e}`);
    console.error(`${result.added.length} added, ${result.errors.length} refused. The passwords are shown this once.`);
    return result.errors.length > 0 ? 1 : 0;
  },
};
