// /openapi.json against the server's own route table: every route fastify registered
// is in the document with a summary and the security its config.access declares, and
// the query parameters and body fields it lists are the ones the handler accepts.
import SwaggerParser from '@apidevtools/swagger-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../services/api/openapi.ts';
import type { Platform } from '../../services/platform.ts';
import { baseUrl, client, loginAs, tokenFor, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

type Operation = {
  summary: string;
  security: Record<string, string[]>[];
  'x-qala-access': unknown;
  'x-qala-undocumented'?: boolean;
  'x-qala-websocket'?: boolean;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, unknown>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

describe('/openapi.json', () => {
  let platform: Platform;
  let admin: Login;
  let doc: Doc;
  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    admin = await tokenFor(platform, 'admin', 'openapi');
    const res = await client(platform, admin)('/openapi.json');
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });

  it('lists every registered route, and nothing else, with a summary and the security its access declares', () => {
    expect(doc.openapi).toBe('3.1.0');
    // fastify answers HEAD beside every GET under the same access (auth-routes.test.ts); the GET documents both
    const routes = platform.api.routes.filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(30);
    const undocumented: string[] = [];
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url).path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url} is not in /openapi.json`).toBeDefined();
      if (op!['x-qala-undocumented'] || !op!.summary) undocumented.push(`${r.method} ${r.url}`);
      expect(op!['x-qala-access'], `${r.method} ${r.url}`).toEqual(r.access);
      // OpenAPI 3.1.0 §4.8.10.1: [] lifts security; otherwise the session cookie or a bearer token
      expect(op!.security, `${r.method} ${r.url}`).toEqual(r.access === 'public' ? [] : [{ session: [] }, { token: [] }]);
      if (Array.isArray(r.access)) expect(op!.responses['403'], `${r.method} ${r.url}`).toBeDefined();
    }
    expect(undocumented, 'routes without config.summary: give each a one-line summary in its route options').toEqual([]);
    expect(operations().length).toBe(routes.length);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['session', 'token']);
  });

  it('is valid OpenAPI 3.1 (swagger-parser, against the specification\'s schema)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("lists the query parameters each handler accepts, as the handler's own refusal names them", async () => {
    const checked: string[] = [];
    for (const { path, method, op } of operations()) {
      if (!op.responses['400'] || op['x-qala-websocket']) continue;
      const url = path.replace(/\{[^}]+\}/g, 'openapi-probe');
      const res = await client(platform, admin)(`${url}?openapi_probe=1`, { method: method.toUpperCase(), ...(method === 'post' ? { body: {} } : {}) });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, body.error.code], `${method} ${path}`).toEqual([400, 'ERR_QUERY_INVALID']);
      const documented = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const accepted = /\(accepted: ([^)]*)\)/.exec(body.error.message)?.[1]?.split(', ') ?? [];
      if (!documented.length) expect(body.error.message, `${method} ${path}`).toContain('this path takes no parameters');
      expect(accepted, `${method} ${path}`).toEqual(documented);
      checked.push(`${method} ${path}`);
    }
    expect(checked.length).toBeGreaterThan(25);
  });

  it('lists the body fields each handler accepts, as its own refusal names them', async () => {
    // an incident to act on, raised as the rules would, so the actions' handlers reach their bodies
    const at = Date.now();
    platform.events.emit('ruleSignalled', {
      type: 'raised', ruleId: 'openapi-probe', title: 'probe', severity: 'major', autoResolve: false, asset: 'wp-probe', district: 'old-town',
      subsystem: 'utilities', utility: 'water', kind: 'water-pressure', devices: ['wp-probe'], evidence: [{ deviceId: 'wp-probe', ts: at, metrics: { pressure: 1 } }], at, flaps: 0,
    });
    const incident = platform.incidents.list({ state: 'open' }).find((i) => i.asset === 'wp-probe')!;
    const checked: string[] = [];
    for (const { path, method, op } of operations()) {
      const json = op.requestBody?.content['application/json'];
      if (!json) continue;
      const url = path.replace('/api/incidents/{id}', `/api/incidents/${incident.id}`).replace(/\{[^}]+\}/g, 'openapi-probe');
      const res = await client(platform, admin)(url, { method: method.toUpperCase(), body: { openapi_probe: 1 } });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, body.error.code], `${method} ${path}: ${body.error.message}`).toEqual([400, 'ERR_BODY_INVALID']);
      const documented = Object.keys(json.schema.properties ?? {});
      const accepted = /\(accepted: ([^)]*)\)/.exec(body.error.message)?.[1]?.split(', ') ?? [];
      if (!documented.length) expect(body.error.message, `${method} ${path}`).toContain('this path takes no fields');
      expect(accepted, `${method} ${path}`).toEqual(documented);
      checked.push(`${method} ${path}`);
    }
    expect(checked.length).toBeGreaterThan(10);
  });

  it('serves the explorer and its Swagger UI files from this server, to a logged-in user only', async () => {
    const viewer = await loginAs(platform, 'viewer');
    const page = await client(platform, viewer)('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"|url: '([^']+)'/g)].map((m) => m[1] ?? m[2]!);
    expect(refs.length).toBe(3);
    for (const ref of refs) {
      // relative to the page, and on this server: no internet needed
      const url = new URL(ref, `${baseUrl(platform)}/api/docs`);
      expect(url.origin).toBe(baseUrl(platform));
      const res = await client(platform, viewer)(url.pathname);
      expect(res.status, url.pathname).toBe(200);
      expect((await res.arrayBuffer()).byteLength, url.pathname).toBeGreaterThan(1000);
    }
    for (const path of ['/openapi.json', '/api/docs', '/api/docs/swagger-ui-bundle.js']) {
      expect((await fetch(`${baseUrl(platform)}${path}`)).status, path).toBe(401);
    }
  });
});
