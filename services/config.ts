// One config schema for the whole platform, read from QALA_* environment variables
// and an optional JSON file (QALA_CONFIG_FILE). Every problem is reported at once,
// naming the variable and what it expects (fastify's initial-config-validation).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { SEGMENT } from '../devices/index.ts';
import { builtInScenarios, loadScenario } from '../simulator/scenario.ts';
import { QalaError } from './contracts/errors.ts';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** A tile URL template: http(s), with the {z}/{x}/{y} a slippy-map tile server takes (Leaflet's TileLayer). */
function validTileUrl(s: string): boolean {
  try {
    const u = new URL(s.replaceAll(/\{[sxyz]\}/g, '0'));
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['{z}', '{x}', '{y}'].every((p) => s.includes(p));
  } catch {
    return false; // not a URL at all: the refinement's message says what is expected
  }
}

/** A clock-skew window this wide is no check at all (a simulated town running ahead of the wall clock). */
export const CLOCK_SKEW_OFF = 100 * 365 * 86_400_000;

export const configSchema = z.object({
  town: z.string().regex(SEGMENT, 'a lowercase slug such as "temirtau"').default('temirtau').describe("town id, the second level of every topic (unset: the id of QALA_SCENARIO's town, so the topics, /api/town and the map are the simulated town's)"),
  httpHost: z.string().min(1).default('0.0.0.0').describe('address the dashboard/API listens on'),
  httpPort: port.default(8080).describe('HTTP port: dashboard, REST API, /live and MQTT over websocket at /mqtt'),
  mqttHost: z.string().min(1).default('0.0.0.0').describe('address the MQTT TCP listener binds'),
  mqttPort: port.default(1883).describe('MQTT over TCP port of the embedded broker'),
  brokerUrl: z.url().optional().describe('an external MQTT broker (mqtt://host:1883) instead of the embedded one; readings are acknowledged to it only once durable, while authentication, the ACL and MQTT over websocket are then that broker\'s'),
  dataDir: z.string().min(1).default('./data').describe('directory of the embedded DuckDB store'),
  store: z.enum(['duckdb', 'influxdb']).default('duckdb').describe('time-series store adapter: "duckdb" (embedded, in QALA_DATA_DIR) or "influxdb" (QALA_INFLUX_URL)'),
  influxUrl: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL such as http://localhost:8086' })
    .optional()
    .describe('InfluxDB base URL (http://localhost:8086) for QALA_STORE=influxdb: InfluxDB 1.8+, 2.x or 3 Core'),
  influxToken: z.string().min(1).optional().describe('InfluxDB credentials: an API token (2.x, 3 Core), or "user:password" (1.x with auth enabled); none when auth is off'),
  influxOrg: z.string().min(1).optional().describe('InfluxDB 2.x organisation (name or id) that owns the bucket; 1.8 and 3 Core ignore it'),
  influxBucket: z
    .string()
    .regex(/^[^/]+(\/[^/]+)?$/, '"database/retention-policy", or a database or bucket name without a slash')
    .default('qala')
    .describe('where readings go: the bucket (2.x, queried through its DBRP mapping), "database/retention-policy" or "database" (1.x, its default policy), the database (3 Core)'),
  influxTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000).describe('InfluxDB request timeout; a write that times out is kept and retried'),
  storeFlushMs: z.coerce.number().int().min(10).max(60_000).default(500).describe('how often buffered readings are written'),
  storeBatchSize: z.coerce.number().int().min(1).max(1_000_000).default(5_000).describe('readings per store write at most'),
  storeBufferMax: z.coerce.number().int().min(1_000).default(2_000_000).describe('readings held in memory while the store is down; past it acknowledgements wait (devices slow down, nothing is dropped)'),
  retentionRawMs: z.coerce.number().int().min(3_600_000).default(30 * 86_400_000).describe('how long raw readings are kept (ms of data time, counted back from the newest stored reading); older ones are deleted, their 1-minute and 1-hour rollups stay'),
  retentionMinuteMs: z.coerce.number().int().min(3_600_000).default(90 * 86_400_000).describe('how long 1-minute rollups (avg, min, max, count per device and metric) are kept'),
  retentionHourMs: z.coerce.number().int().min(3_600_000).default(5 * 365 * 86_400_000).describe('how long 1-hour rollups are kept'),
  storeMaintenanceMs: z.coerce.number().int().min(1000).max(86_400_000).default(60_000).describe('how often rollup partials are merged and data past its retention is deleted'),
  spoolCommitMs: z.coerce.number().int().min(1).max(1000).default(5).describe('group-commit interval of the ingest spool: readings are fsynced before they are acknowledged'),
  maxPayloadBytes: z.coerce.number().int().min(64).max(16 * 1024 * 1024).default(64 * 1024).describe('largest accepted message payload'),
  maxPacketBytes: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(128 * 1024).describe('largest MQTT packet: a client whose packet announces more is disconnected as soon as its fixed header arrives, before the body is buffered; must exceed QALA_MAX_PAYLOAD_BYTES (payloads between the two are dead-lettered as payload-too-large)'),
  maxConnections: z.coerce.number().int().min(1).max(1_000_000).default(10_000).describe('MQTT connections (TCP, TLS and websocket) at most; past it a new connection is closed at accept'),
  fdReserve: z.coerce.number().int().min(16).max(1_000_000).default(128).describe('file descriptors kept for the platform\'s own files (spool, store, audit, logs): QALA_MAX_CONNECTIONS is lowered, with a warning, so that MQTT connections never take them (ulimit -n less this less QALA_MAX_HTTP_CONNECTIONS)'),
  maxHttpConnections: z.coerce.number().int().min(8).max(1_000_000).default(1024).describe('HTTP connections (dashboard, API, /live and /mqtt websockets) at most; past it a new one is closed at accept'),
  maxConnectionsPerAddress: z.coerce.number().int().min(1).max(1_000_000).default(2_500).describe('MQTT connections from one remote address at most (the built-in simulator opens up to 2,000 from 127.0.0.1); past it a new connection from there is closed at accept'),
  maxDevices: z.coerce.number().int().min(1).max(10_000_000).default(250_000).describe('device ids that gateways (the simulator\'s) may publish for; past it a message for a new id is acknowledged and discarded, counted and audited'),
  maxNewDevicesPerMinute: z.coerce.number().int().min(1).max(10_000_000).default(150_000).describe('new device ids gateways may bring in one minute (the built-in simulator brings up to 100,000 at start); past it a message for a new id is acknowledged and discarded, counted and audited'),
  maxSubscriptionsPerClient: z.coerce.number().int().min(1).max(100_000).default(100).describe('topic filters one MQTT client may hold; past it a subscription gets SUBACK 0x80'),
  maxRetainedBytes: z.coerce.number().int().min(0).max(16 * 1024 * 1024).default(1024).describe('largest retained message kept (a device status is under 100 bytes); a bigger one is delivered but not retained'),
  maxRetainedMessages: z.coerce.number().int().min(0).max(10_000_000).default(200_000).describe('retained topics kept at most; past it a message on a new topic is delivered but not retained (a kept topic may still be replaced or cleared)'),
  maxOutboundBytes: z.coerce.number().int().min(64 * 1024).max(1024 ** 3).default(4 * 1024 * 1024).describe('bytes waiting unsent to one MQTT client before it is cut as a slow consumer (it never holds up the others)'),
  maxQueuedMessages: z.coerce.number().int().min(1).max(1_000_000).default(1_000).describe('QoS 1/2 messages queued for one offline persistent session (clean=false); past it new ones are dropped for that session'),
  sessionExpiryMs: z.coerce.number().int().min(1_000).max(365 * 86_400_000).default(86_400_000).describe('how long an offline persistent session (its subscriptions and queue) is kept'),
  maxClockSkewPastMs: z.coerce.number().int().min(60_000).max(CLOCK_SKEW_OFF).default(365 * 86_400_000).describe('how far in the past a device timestamp may lie (back-fill after an outage, a replayed recording); older readings are dead-lettered as timestamp-out-of-range'),
  maxClockSkewFutureMs: z.coerce.number().int().min(0).max(CLOCK_SKEW_OFF).default(5 * 60_000).describe('how far in the future a device timestamp may lie (clock drift); later readings are dead-lettered as timestamp-out-of-range (`qala start` lifts it when its simulator runs faster than real time or from another start)'),
  liveIntervalMs: z.coerce.number().int().min(50).max(10_000).default(250).describe('live hub coalescing interval per websocket client'),
  simulate: bool.default(true).describe('run the town simulator next to the platform in `qala start`'),
  scenario: z.string().min(1).default('temirtau').describe('the town: one of the 27 monotowns or a scenario JSON file; the simulator runs it, and the rules take its climate (heating chart) and local time, with or without the simulator'),
  designOutdoorC: z.coerce.number().min(-60, 'a temperature from -60 to 10 °C').max(10, 'a temperature from -60 to 10 °C').optional().describe("the town's design outdoor temperature for heating, °C (mean of the coldest five days at 0.92, SP RK 2.04-01-2017): the heating rules' chart (default: the scenario's climate; required with QALA_SIMULATE=false when the scenario has none)"),
  simSeed: z.coerce.number().int().default(42).describe('simulator random seed'),
  simSpeed: z.coerce.number().min(0.01).max(3600).default(1).describe('simulated seconds per real second'),
  simScale: z.coerce.number().positive().max(1000).default(1).describe('multiplies the scenario device counts'),
  simIntervalMs: z.coerce.number().int().min(100).default(10_000).describe('simulated ms between two readings of a simulated device'),
  simFaultRate: z.coerce.number().min(0).max(100_000).default(1).describe('multiplies the wear-calibrated random fault rates (0: scheduled faults only)'),
  simHardCases: z.coerce.number().min(0).max(1000).default(0).describe('multiplies the simulated field\'s hard cases (spikes, reboot gaps, duplicates, reordering, gateway back-fill, clock skew, report-on-change cameras, marginal points; ground truth on sim/faults), 0 for a clean feed'),
  simConnections: z
    .union([z.enum(['auto', 'per-device']), z.coerce.number().int().min(1).max(10_000)])
    .default('auto')
    .describe('"per-device" (own connection and last will each), a number of multiplexed connections, or "auto" (per-device up to 2,000 devices)'),
  simStart: z.iso.datetime({ offset: true }).optional().describe('simulated start as ISO 8601 date-time (default: now)'),
  historyMaxDevices: z.coerce.number().int().min(1).max(100_000).default(500).describe('devices /api/history reads for one chart (a kind with more is charted from the first ones by id, and the answer says how many were used)'),
  kpiMaxRangeDays: z.coerce.number().int().min(1).max(3660).default(366).describe('the longest range /api/kpis computes the city indicators over, days; a longer one is refused'),
  mapTileUrl: z
    .union([z.literal(''), z.string().refine(validTileUrl, 'an http(s) URL template with {z}, {x} and {y} (and {s} for subdomains), such as https://tiles.example.kz/{z}/{x}/{y}.png; empty for none')])
    .default('')
    .describe('a tile server the town map draws beneath its outlines, as an http(s) URL template with {z}, {x}, {y} (such as https://tiles.example.kz/{z}/{x}/{y}.png); empty: no tiles, the map draws from the platform\'s own data only and needs no internet'),
  mapTileAttribution: z.string().max(300).default('').describe('the credit the tile server asks for (such as "© OpenStreetMap contributors"), shown as text in the map\'s corner with QALA_MAP_TILE_URL'),
  rulesFile: z.string().min(1).optional().describe('rule file (YAML or JSON), reloaded on change (default: the built-in rule pack)'),
  routesFile: z.string().min(1).optional().describe('incident routing file (YAML or JSON): which utility gets what, over MQTT and webhook (default: each utility its own kinds, MQTT)'),
  escalationFile: z.string().min(1).optional().describe('escalation policy file (YAML or JSON): per utility and severity, re-notify, escalate to further routes and remind while an incident is not acknowledged (default: none, nothing escalates)'),
  freezeCheckMs: z.coerce.number().int().min(100).max(600_000).default(60_000).describe("how often open heating outages' time to freeze is estimated anew (when the district's outdoor temperature has moved by 0.5 °C or more)"),
  // No Kazakh norm for answering a social-care alarm was found. 30 minutes is our
  // assumption: the arrival time the emergency medical care rules (order ҚР ДСМ-225/2020
  // of the Minister of Health) give calls of the third urgency category (a potential
  // threat to health; 10, 15 and 60 minutes for the others, as the 2024 draft
  // amendment lists them), on the view that an unexplained press by an elderly
  // resident living alone is at least that urgent and that the service must have
  // taken it up (acknowledged it) within that time.
  careAlarmResponseMin: z.coerce.number().min(0.05).max(1440).default(30).describe("minutes within which a pressed social-care alarm must be acknowledged; past it the incident records 'deadline-missed', the social service is told again, and 10 minutes on it is escalated to the `city-control` route (if the routes file has one)"),
  escalationCheckMs: z.coerce.number().int().min(100).max(600_000).default(15_000).describe('how often unacknowledged incidents are checked for a due escalation step or reminder'),
  maxSilences: z.coerce.number().int().min(1).max(100_000).default(1_000).describe('silences and maintenance windows kept (ended ones are given up first); past it a new one is refused'),
  incidentRetentionDays: z.coerce.number().int().min(1).max(3650).default(400).describe('resolved incidents are kept this many days after resolution (searchable, and counted by the city indicators), then dropped at the next journal compaction'),
  incidentMaxComments: z.coerce.number().int().min(1).max(10_000).default(100).describe('comments one incident keeps; past it a new comment is refused'),
  incidentCommentMaxChars: z.coerce.number().int().min(1).max(10_000).default(2_000).describe('characters in one incident comment (acknowledge, resolve, assign and comment); a longer one is refused'),
  rulesSweepMs: z.coerce.number().int().min(50).max(60_000).default(1000).describe('how often absence and duration timers are checked'),
  maxRegisteredDevices: z.coerce.number().int().min(1).max(10_000_000).default(100_000).describe('devices the registry holds at most (group-enrolled devices, such as the simulator\'s, are not stored one by one)'),
  adminPassword: z.string().min(12, 'at least 12 characters').optional().describe('password of the first admin, created at first start (default: a one-time password printed once)'),
  sessionTtlMs: z.coerce.number().int().min(60_000).max(30 * 86_400_000).default(12 * 3_600_000).describe('how long a dashboard login lasts'),
  loginAttemptsPerMinute: z.coerce.number().int().min(1).max(1000).default(10).describe('failed logins allowed per minute from one address or for one user name; past it logins are refused with 429'),
  tokenDefaultDays: z.coerce.number().int().min(1).max(3650).default(90).describe('days an API token stays valid when made without expiresInDays (tokens made before tokens expired get this many days from the first start that knows expiry); after it the token is refused with 401 ERR_TOKEN_EXPIRED'),
  tokenMaxDays: z.coerce.number().int().min(1).max(3650).default(365).describe('the longest expiresInDays an API token may be made with; at least QALA_TOKEN_DEFAULT_DAYS'),
  passwordHashConcurrency: z.coerce.number().int().min(1).max(64).default(2).describe('password checks (scrypt at 128 MiB each, OWASP\'s minimum) run at once; more wait in a queue'),
  passwordHashQueue: z.coerce.number().int().min(0).max(10_000).default(32).describe('password checks waiting for a free slot at most; past it a login is refused at once with 503 ERR_AUTH_BUSY and Retry-After (a login flood cannot exhaust memory or the thread pool)'),
  trustProxy: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const bad = proxyList(v).filter((e) => !validProxyEntry(e));
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `${bad.map((b) => JSON.stringify(b)).join(', ')}: not an IP address, a CIDR block (10.0.0.0/8, fd00::/8) or one of loopback, linklocal, uniquelocal` });
    })
    .describe('comma-separated addresses or CIDR blocks of reverse proxies (nginx) whose X-Forwarded-For is believed: a request from one of them is attributed to the client it forwards for (login limits, audit, MQTT-over-websocket connections per address); off by default, when the header is ignored'),
  allowedOrigins: z.string().optional().describe('comma-separated origins (https://control.example.kz) allowed for POSTs and websockets besides the dashboard\'s own'),
  tlsCert: z.string().min(1).optional().describe('PEM certificate (chain) file: serves HTTPS/WSS and MQTT over TLS'),
  tlsKey: z.string().min(1).optional().describe('PEM private key file of tlsCert'),
  mqttTlsPort: port.default(8883).describe('MQTT over TLS port of the embedded broker (with QALA_TLS_CERT and QALA_TLS_KEY)'),
  plainListeners: bool.default(true).describe('with TLS configured, also serve plain MQTT on QALA_MQTT_PORT (false: TLS only; HTTP is HTTPS whenever TLS is configured)'),
  auditMaxBytes: z.coerce.number().int().min(4096).max(1024 ** 3).default(10 * 1024 * 1024).describe('size at which the audit log is rotated'),
  auditFiles: z.coerce.number().int().min(1).max(100).default(5).describe('rotated audit log files kept'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('log level'),
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto').describe('log lines as JSON, or readable ("auto": readable on a terminal)'),
});

/** The entries of QALA_TRUST_PROXY, trimmed, empty ones dropped. */
export const proxyList = (v: string | undefined): string[] => (v ?? '').split(',').map((e) => e.trim()).filter(Boolean);

/** What fastify's trustProxy (@fastify/proxy-addr) takes: an address, a CIDR block, or a named range. */
function validProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [addr, bits, ...rest] = entry.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export type Config = Readonly<z.infer<typeof configSchema>>;
type Key = keyof z.infer<typeof configSchema>;

/**
 * The town QALA_TOWN defaults to: the scenario's own id (a built-in town's, or a
 * scenario file's when it is a slug), so that QALA_SCENARIO=zhanaozen alone publishes
 * under city/zhanaozen/ and shows Zhanaozen's map; else the schema's default. A file
 * that cannot be read is left to the simulator, which refuses it with its reason.
 */
function townOfScenario(scenario: unknown): string | undefined {
  if (typeof scenario !== 'string' || scenario === '') return undefined;
  if (builtInScenarios().includes(scenario)) return scenario;
  try {
    const id = loadScenario(scenario).id;
    return SEGMENT.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** camelCase key → QALA_SCREAMING_SNAKE variable. */
export const envName = (key: string): string => `QALA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<Key, unknown>> = {}): Config {
  let file: Record<string, unknown> = {};
  const filePath = env.QALA_CONFIG_FILE;
  if (filePath) {
    try {
      file = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
      if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new Error('not a JSON object of settings');
    } catch (err) {
      throw new QalaError('ERR_CONFIG_FILE', `QALA_CONFIG_FILE "${filePath}": ${(err as Error).message}`, { cause: err });
    }
  }
  const raw: Record<string, unknown> = { ...file };
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[envName(key)];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  Object.assign(raw, Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)));
  if (raw.town === undefined) raw.town = townOfScenario(raw.scenario);
  const known = Object.keys(configSchema.shape);
  const unknown = Object.keys(env).filter((k) => k.startsWith('QALA_') && k !== 'QALA_CONFIG_FILE' && !known.some((key) => envName(key) === k));
  const parsed = configSchema.safeParse(raw);
  const problems: string[] = unknown.map((k) => `${k}: not a Qala setting (known: ${known.map(envName).join(', ')})`);
  // a misspelt key in the file would otherwise be dropped without a word and its default used
  for (const k of Object.keys(file).filter((k) => !known.includes(k))) {
    problems.push(`QALA_CONFIG_FILE "${filePath}": "${k}" is not a Qala setting (keys are the variables' names in camelCase without QALA_, such as httpPort for QALA_HTTP_PORT)`);
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      const desc = configSchema.shape[key as Key]?.description;
      problems.push(`${envName(key)}=${JSON.stringify(raw[key])}: ${issue.message}${desc ? ` (${desc})` : ''}`);
    }
  }
  if (problems.length > 0) {
    throw new QalaError('ERR_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (Boolean(parsed.data!.tlsCert) !== Boolean(parsed.data!.tlsKey)) {
    throw new QalaError('ERR_CONFIG_INVALID', `invalid configuration:\n  ${parsed.data!.tlsCert ? 'QALA_TLS_KEY' : 'QALA_TLS_CERT'}: required with ${parsed.data!.tlsCert ? 'QALA_TLS_CERT' : 'QALA_TLS_KEY'} (both, or neither)`);
  }
  if (parsed.data!.maxPacketBytes <= parsed.data!.maxPayloadBytes) {
    throw new QalaError('ERR_CONFIG_INVALID', `invalid configuration:\n  QALA_MAX_PACKET_BYTES=${parsed.data!.maxPacketBytes}: must exceed QALA_MAX_PAYLOAD_BYTES=${parsed.data!.maxPayloadBytes} (a packet carries the topic and headers besides the payload)`);
  }
  if (parsed.data!.store === 'influxdb' && !parsed.data!.influxUrl) {
    throw new QalaError('ERR_CONFIG_INVALID', 'invalid configuration:\n  QALA_INFLUX_URL: required with QALA_STORE=influxdb (the InfluxDB base URL, such as http://localhost:8086)');
  }
  if (parsed.data!.tokenDefaultDays > parsed.data!.tokenMaxDays) {
    throw new QalaError('ERR_CONFIG_INVALID', `invalid configuration:\n  QALA_TOKEN_DEFAULT_DAYS=${parsed.data!.tokenDefaultDays}: at most QALA_TOKEN_MAX_DAYS=${parsed.data!.tokenMaxDays} (the default lifetime of an API token cannot exceed the longest allowed)`);
  }
  if (!parsed.data!.plainListeners && !parsed.data!.tlsCert) {
    throw new QalaError('ERR_CONFIG_INVALID', 'invalid configuration:\n  QALA_PLAIN_LISTENERS=false: needs QALA_TLS_CERT and QALA_TLS_KEY (otherwise nothing would listen)');
  }
  return Object.freeze(parsed.data!);
}

/** The config table of the README, generated so it cannot drift. */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const def = (schema as z.ZodDefault<z.ZodTypeAny>).def?.defaultValue;
    return `| \`${envName(key)}\` | \`${JSON.stringify(typeof def === 'function' ? def() : def)}\` | ${schema.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
