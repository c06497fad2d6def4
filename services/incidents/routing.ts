// Which utility hears of which incident, and how: from a routes file (YAML or JSON,
// QALA_ROUTES_FILE) or, by default, every utility gets the incidents of the kinds
// it owns, over MQTT.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { KIND_IDS, SEGMENT, SUBSYSTEMS, UTILITIES } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { Incident } from '../contracts/index.ts';

export const routeSchema = z
  .object({
    /** the topic level city/<town>/incidents/<utility>/... and the webhook's owner */
    utility: z.string().regex(SEGMENT, 'a lowercase slug such as water'),
    match: z
      .object({
        utilities: z.array(z.enum(UTILITIES)).optional(),
        subsystems: z.array(z.enum(SUBSYSTEMS)).optional(),
        kinds: z.array(z.enum(KIND_IDS as [string, ...string[]])).optional(),
        districts: z.array(z.string()).optional(),
        severities: z.array(z.enum(['critical', 'major', 'minor', 'warning'])).optional(),
      })
      .strict()
      .default({}),
    mqtt: z.boolean().default(true),
    webhook: z
      .object({
        url: z.url(),
        /** HMAC-SHA256 key; or name an environment variable with secretEnv */
        secret: z.string().min(16).optional(),
        secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
      })
      .strict()
      .refine((w) => (w.secret === undefined) !== (w.secretEnv === undefined), 'give exactly one of secret or secretEnv')
      .optional(),
  })
  .strict();

export type Route = z.infer<typeof routeSchema>;
export const routesFileSchema = z
  .object({ routes: z.array(routeSchema).min(1) })
  .strict()
  .superRefine((f, ctx) => {
    // a webhook's secret is looked up by its route's utility, so that must be unique
    const seen = new Set<string>();
    f.routes.forEach((r, i) => {
      if (!r.webhook) return;
      if (seen.has(r.utility)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'utility'], message: `a second webhook route for "${r.utility}"; give each its own utility name` });
      seen.add(r.utility);
    });
  });

/** Without a routes file: each utility gets what it owns, over MQTT. */
export const defaultRoutes = (): Route[] => UTILITIES.map((u) => ({ utility: u, match: { utilities: [u] }, mqtt: true }));

export function loadRoutes(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Route[] {
  if (!path) return defaultRoutes();
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new QalaError('ERR_ROUTES_INVALID', `routes file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const r = routesFileSchema.safeParse(doc);
  if (!r.success) {
    throw new QalaError('ERR_ROUTES_INVALID', `${path} is invalid:\n  ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  r.data.routes.forEach((route, i) => {
    const name = route.webhook?.secretEnv;
    if (name && !env[name]) throw new QalaError('ERR_ROUTES_INVALID', `${path}: routes.${i}.webhook.secretEnv names ${name}, which is not set`);
  });
  return r.data.routes;
}

export function routeMatches(route: Route, i: Incident): boolean {
  const m = route.match;
  return (
    (!m.utilities || m.utilities.includes(i.utility as never)) &&
    (!m.subsystems || m.subsystems.includes(i.subsystem as never)) &&
    (!m.kinds || m.kinds.includes(i.kind)) &&
    (!m.districts || m.districts.includes(i.district)) &&
    (!m.severities || m.severities.includes(i.severity))
  );
}

export function webhookSecret(route: Route, env: NodeJS.ProcessEnv = process.env): string {
  return route.webhook?.secret ?? env[route.webhook?.secretEnv ?? ''] ?? '';
}
