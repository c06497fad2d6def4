// The OpenAPI document made from a fastify app's routes: valid OpenAPI 3.1 (checked by
// swagger-parser against the specification's schema), parameters and bodies from the
// routes' zod schemas, security from their access, and a route that declares nothing
// still listed, marked undocumented.
import SwaggerParser from '@apidevtools/swagger-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UNDOCUMENTED, collectRoutes, openApiDocument, openApiPath } from '../../../services/api/openapi.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

type Op = Record<string, any>;

async function documentOf(add: (app: FastifyInstance) => void): Promise<{ paths: Record<string, Record<string, Op>> } & Record<string, any>> {
  const app = Fastify();
  apps.push(app);
  const routes = collectRoutes(app);
  add(app);
  await app.ready();
  return openApiDocument(routes, { version: '1.2.3', cookieName: 'qala_session' }) as never;
}

const query = z
  .object({
    state: z.enum(['open', 'resolved']).optional().describe('only this state'),
    limit: z.string().regex(/^\d+$/).transform(Number).describe('at most this many'),
  })
  .strict();

describe('openApiDocument', () => {
  it('is valid OpenAPI 3.1 for routes of every kind', async () => {
    const doc = await documentOf((app) => {
      app.get('/api/things', { config: { access: 'user', summary: 'Things', query } }, async () => ({}));
      app.post('/api/things/:id/close', { config: { access: ['admin', 'operator'], summary: 'Close a thing', body: z.object({ comment: z.string().max(10).optional() }).strict() } }, async () => ({}));
      app.delete('/api/things/:id', { config: { access: ['admin'], summary: 'Remove a thing' } }, async () => ({}));
      app.post('/api/things/import', { config: { access: ['admin'], summary: 'Import things', consumes: 'text/csv' } }, async () => ({}));
      app.get('/health', { config: { access: 'public', summary: 'Liveness' } }, async () => ({}));
      app.get('/*', { config: { access: 'public' } }, async () => ({}));
    });
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
  });

  it("takes query parameters, with whether each is required and its description, from the route's zod schema", async () => {
    const doc = await documentOf((app) => app.get('/api/things', { config: { access: 'user', summary: 'Things', query } }, async () => ({})));
    expect(doc.paths['/api/things']!.get!.parameters).toEqual([
      { name: 'state', in: 'query', required: false, schema: { type: 'string', enum: ['open', 'resolved'] }, description: 'only this state' },
      { name: 'limit', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d+$' }, description: 'at most this many' },
    ]);
  });

  it('takes the JSON body from its zod schema, optional when an empty body passes', async () => {
    const optional = z.object({ comment: z.string().optional() }).strict();
    const required = z.object({ name: z.string() }).strict();
    const doc = await documentOf((app) => {
      app.post('/a', { config: { access: 'user', summary: 'a', body: optional } }, async () => ({}));
      app.post('/b', { config: { access: 'user', summary: 'b', body: required } }, async () => ({}));
    });
    expect(doc.paths['/a']!.post!.requestBody).toEqual({ required: false, content: { 'application/json': { schema: { type: 'object', properties: { comment: { type: 'string' } }, additionalProperties: false } } } });
    expect(doc.paths['/b']!.post!.requestBody.required).toBe(true);
  });

  it('asks for the session cookie or a bearer token unless the route is public, and says which roles', async () => {
    const doc = await documentOf((app) => {
      app.get('/open', { config: { access: 'public', summary: 'open' } }, async () => ({}));
      app.get('/any', { config: { access: 'user', summary: 'any' } }, async () => ({}));
      app.post('/admins', { config: { access: ['admin'], summary: 'admins' } }, async () => ({}));
    });
    const [open, any, admins] = [doc.paths['/open']!.get!, doc.paths['/any']!.get!, doc.paths['/admins']!.post!];
    expect([open.security, open.responses['401'], open['x-qala-access']]).toEqual([[], undefined, 'public']);
    expect([any.security, Boolean(any.responses['401']), any.responses['403']]).toEqual([[{ session: [] }, { token: [] }], true, undefined]);
    expect([admins.security, admins['x-qala-access'], Boolean(admins.responses['403'])]).toEqual([[{ session: [] }, { token: [] }], ['admin'], true]);
    expect(admins.description).toContain('role admin');
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'qala_session' });
  });

  it('lists a route that declares no summary, marked undocumented, and leaves out the HEAD fastify adds beside a GET', async () => {
    const doc = await documentOf((app) => {
      app.get('/later', { config: { access: 'user' } }, async () => ({}));
      app.head('/only-head', { config: { access: 'user', summary: 'a HEAD of its own' } }, async () => undefined);
    });
    const later = doc.paths['/later']!;
    expect(Object.keys(later)).toEqual(['get']);
    expect(later.get).toMatchObject({ summary: 'GET /later', 'x-qala-undocumented': true });
    expect(later.get!.description).toContain(UNDOCUMENTED);
    expect(Object.keys(doc.paths['/only-head']!)).toEqual(['head']);
  });

  it("writes fastify's path parameters and catch-all the OpenAPI way", () => {
    expect(openApiPath('/api/incidents/:id/acknowledge')).toEqual({ path: '/api/incidents/{id}/acknowledge', params: ['id'] });
    expect(openApiPath('/*')).toEqual({ path: '/{path}', params: ['path'] });
    expect(openApiPath('/health')).toEqual({ path: '/health', params: [] });
  });
});
