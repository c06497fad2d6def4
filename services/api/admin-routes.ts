// Admin routes over the lead's components: the device registry (list, add, revoke,
// import a CSV; a device's secret is in the answer once) and the audit log.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KIND_IDS, SEGMENT } from '../../devices/index.ts';
import { QalaError } from '../contracts/index.ts';
import { actorOf } from './auth.ts';
import type { AuditReadPort, DevicesAdminPort } from './ports.ts';
import { noQuery, oneOf, parseBody, parseQuery } from './query.ts';

/** A CSV of a whole town (100k devices of ~80 bytes) fits. */
export const CSV_LIMIT = 16 * 1024 * 1024;

const newDevice = z
  .object({
    deviceId: z.string('a device id').regex(SEGMENT, 'lowercase letters, digits, - and _, such as wp-0001').describe('the device id, such as wp-0001'),
    kind: oneOf(KIND_IDS as readonly string[] as [string, ...string[]]).describe('the device kind'),
    district: z.string('a district id').regex(SEGMENT, 'a district id such as old-town').describe('the district, such as old-town'),
    location: z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)], '[latitude, longitude] (WGS 84)').optional(),
    owner: z.string('the owner as text').trim().min(1).max(100, 'an owner of at most 100 characters').optional(),
  })
  .strict();

const auditQuery = z
  .object({
    limit: z.string().regex(/^\d{1,5}$/, 'a whole number from 1 to 10000').transform(Number).pipe(z.number().min(1, 'a whole number from 1 to 10000').max(10_000, 'a whole number from 1 to 10000')).optional(),
    since: z.string().regex(/^\d{1,15}$/, 'ms since epoch').transform(Number).optional(),
    action: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, 'an action such as login or incident.acknowledge').optional(),
    who: z.string().min(1).max(200, 'at most 200 characters').optional(),
  })
  .strict();

const emptyBody = z.object({}).strict();

const ADMIN = ['admin'] as const;

export function registerAdminRoutes(app: FastifyInstance, devices: DevicesAdminPort, audit: AuditReadPort): void {
  app.get('/api/admin/devices', { config: { access: ADMIN, summary: 'The device registry', query: noQuery } }, async (req) => {
    parseQuery(noQuery, req.query);
    const list = devices.list();
    return { count: list.length, devices: list };
  });

  app.post('/api/admin/devices', { config: { access: ADMIN, auditAs: 'device.add', summary: "Register a device (its secret is shown once)", query: noQuery, body: newDevice } }, async (req, reply) => {
    parseQuery(noQuery, req.query);
    const body = parseBody(newDevice, req.body);
    const added = await devices.add(body, actorOf(req).who);
    void reply.code(201);
    return added;
  });

  app.post<{ Params: { id: string } }>('/api/admin/devices/:id/revoke', { config: { access: ADMIN, auditAs: 'device.revoke', summary: 'Revoke a device and disconnect it at once', query: noQuery, body: emptyBody } }, async (req) => {
    parseQuery(noQuery, req.query);
    parseBody(emptyBody, req.body);
    return { device: devices.revoke(req.params.id, actorOf(req).who) };
  });

  // its own context, so text/csv is accepted here and nowhere else
  app.register(async (csv) => {
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_req, body, done) => done(null, body));
    csv.post('/api/admin/devices/import', { bodyLimit: CSV_LIMIT, config: { access: ADMIN, auditAs: 'device.import', summary: 'Import devices from a CSV (columns deviceId, kind, district, and optionally lat, lon, owner)', query: noQuery, consumes: 'text/csv' } }, async (req) => {
      parseQuery(noQuery, req.query);
      const text = typeof req.body === 'string' ? req.body : undefined;
      if (text === undefined) {
        throw new QalaError('ERR_UNSUPPORTED_MEDIA_TYPE', 'send the devices as text/csv with a header line naming its columns: deviceId, kind, district, and optionally lat, lon, owner');
      }
      return devices.importCsv(text, actorOf(req).who);
    });
  });

  app.get('/api/audit', { config: { access: ADMIN, summary: 'The audit log, newest first', query: auditQuery } }, async (req) => {
    const q = parseQuery(auditQuery, req.query);
    const entries = audit.read({ limit: q.limit ?? 100, ...(q.since !== undefined ? { since: q.since } : {}), ...(q.action ? { action: q.action } : {}), ...(q.who ? { who: q.who } : {}) });
    return { count: entries.length, entries };
  });
}
