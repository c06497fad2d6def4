// Every error Qala raises on purpose carries a code from this catalogue, with the
// HTTP status it is answered with and what it means, in one definition (fastify's
// lib/errors.js). docs/errors.md lists the same rows and test/unit/errors.test.ts
// keeps the two in step. Codes that only arise in ingest, at start-up or in the
// CLI still carry the status they would get over HTTP, so no error is without one.
export interface ErrorDefinition {
  readonly status: number;
  readonly meaning: string;
}

export const ERROR_CODES = {
  ERR_CONFIG_INVALID: { status: 500, meaning: 'a configuration value is missing or malformed; start-up stops naming the variable and what it expects' },
  ERR_CONFIG_FILE: { status: 500, meaning: 'the configuration file (`QALA_CONFIG_FILE`) cannot be read or parsed' },
  ERR_USAGE: { status: 400, meaning: 'a `qala` command was given an unknown option, a missing one or a bad value; the message names the option and what it expects (exit code 2)' },
  ERR_FILE_NOT_FOUND: { status: 404, meaning: 'a file named on the command line (`--file`, `--feed`, `--rules`, the directory of `--out`) does not exist' },
  ERR_PORT_IN_USE: { status: 500, meaning: 'a port Qala must listen on is taken by another program; the message names `QALA_MQTT_PORT` or `QALA_HTTP_PORT`' },
  ERR_DATA_DIR_LOCKED: { status: 500, meaning: 'the data directory (`QALA_DATA_DIR`) is in use by another running Qala; stop that one or choose another directory' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, meaning: 'a message payload is over the size limit (`QALA_MAX_PAYLOAD_BYTES`); dead-lettered as `payload-too-large`' },
  ERR_PAYLOAD_JSON: { status: 400, meaning: 'a message payload is not valid JSON; dead-lettered as `bad-json`' },
  ERR_PAYLOAD_SCHEMA: { status: 400, meaning: "a payload does not match its device kind's schema; dead-lettered as `schema-mismatch`" },
  ERR_TOPIC_SCHEME: { status: 400, meaning: 'a topic does not follow `city/<town>/<subsystem>/<district>/<kind>/<deviceId>/<channel>`; dead-lettered as `topic-off-scheme`' },
  ERR_UNKNOWN_KIND: { status: 400, meaning: 'a topic names a device kind the registry does not know; dead-lettered as `unknown-kind`' },
  ERR_TIMESTAMP_RANGE: { status: 400, meaning: 'a reading or status is dated too far from the platform\'s clock (`QALA_MAX_CLOCK_SKEW_PAST_MS` behind, `QALA_MAX_CLOCK_SKEW_FUTURE_MS` ahead); dead-lettered as `timestamp-out-of-range`' },
  ERR_SENML_INVALID: { status: 400, meaning: 'a SenML pack breaks RFC 8428: a name outside §4.5.1, `bver` above 10 or differing within the pack, a must-understand label (ending in `_`), no or two value fields, a field of the wrong type; dead-lettered as `senml-invalid`' },
  ERR_SENML_UNSUPPORTED: { status: 400, meaning: "a valid SenML record Qala cannot store: a string (`vs`) or data (`vd`) value, a boolean for a metric that is not on/off, a sum without a value, or a unit that is not registered or does not convert to the metric's unit; dead-lettered as `senml-unsupported`" },
  ERR_SENML_CONFLICT: { status: 400, meaning: "a SenML pack names another device than its topic's, or gives two values for one metric at one time; dead-lettered as `senml-conflict`" },
  ERR_STORE_WRITE: { status: 503, meaning: 'the store refused a batch; the batch is kept and retried with backoff' },
  ERR_STORE_QUERY: { status: 500, meaning: 'a store query failed' },
  ERR_STORE_UNAVAILABLE: { status: 503, meaning: 'the store named by `QALA_STORE` cannot be reached or refuses its database at start-up (`QALA_INFLUX_URL`, `QALA_INFLUX_BUCKET`, `QALA_INFLUX_TOKEN`); the message names the setting' },
  ERR_QUERY_INVALID: { status: 400, meaning: 'an API query string has an unknown parameter or a malformed value; the message says what is accepted' },
  ERR_BODY_INVALID: { status: 400, meaning: 'an API request body is not valid JSON or does not have the expected fields' },
  ERR_BODY_TOO_LARGE: { status: 413, meaning: 'an API request body is over the size limit' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'an API request body is not `application/json`' },
  ERR_NOT_FOUND: { status: 404, meaning: 'no API route or dashboard file has that path' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, meaning: 'the path exists but not for that method; the `Allow` header lists the methods it takes' },
  ERR_UPGRADE_REQUIRED: { status: 426, meaning: 'a websocket path (`/live`, `/mqtt`) was asked for over plain HTTP; connect with a websocket client' },
  ERR_URL_INVALID: { status: 400, meaning: 'the request path is not a valid URL (bad percent-encoding)' },
  ERR_URL_TOO_LONG: { status: 414, meaning: 'a path parameter (such as an incident id) is over the length limit' },
  ERR_BAD_REQUEST: { status: 400, meaning: 'the HTTP server refused the request for a reason the other codes do not cover; the message says why' },
  ERR_INTERNAL: { status: 500, meaning: 'an unexpected error; the server log has the details under the request id given in the message' },
  ERR_SCENARIO_INVALID: { status: 400, meaning: 'a simulator scenario is malformed; the message gives the path of the bad field' },
  ERR_FEED_INVALID: { status: 400, meaning: 'a feed file (`qala replay`, `qala rules test --feed`) has a malformed line; the message gives the file and line number' },
  ERR_RULES_INVALID: { status: 400, meaning: 'a rule file is malformed (path and reason given); at start-up nothing starts, on reload the previous rules stay live' },
  ERR_ROUTES_INVALID: { status: 400, meaning: 'the incident routing file (`QALA_ROUTES_FILE`) is malformed' },
  ERR_INCIDENT_NOT_FOUND: { status: 404, meaning: 'no incident has that id' },
  ERR_INCIDENT_STATE: { status: 409, meaning: 'the incident cannot make that transition, e.g. acknowledging a resolved one' },
  ERR_INCIDENT_COMMENTS_FULL: { status: 409, meaning: 'the incident already has as many comments as it keeps (`QALA_INCIDENT_MAX_COMMENTS`)' },
  ERR_COMMENT_REQUIRED: { status: 400, meaning: 'the action needs a comment (resolving by an operator, or a comment on its own) and none or only blanks was given' },
  ERR_COMMENT_TOO_LONG: { status: 400, meaning: 'a comment is longer than `QALA_INCIDENT_COMMENT_MAX_CHARS`' },
  ERR_ASSIGNEE_INVALID: { status: 400, meaning: 'an incident cannot be assigned to that user: no such user, or one whose role or utility may not act on it' },
  ERR_SILENCE_NOT_FOUND: { status: 404, meaning: "no silence has that id (or it is another utility's)" },
  ERR_SILENCE_STATE: { status: 409, meaning: 'the silence has already ended' },
  ERR_ESCALATION_INVALID: { status: 400, meaning: 'the escalation policy file (`QALA_ESCALATION_FILE`) is malformed or names a route the routes file lacks; nothing starts' },
  ERR_DEVICE_NOT_FOUND: { status: 404, meaning: 'no registered device has that id' },
  ERR_DEVICE_EXISTS: { status: 409, meaning: 'a device with that id is already registered' },
  ERR_LIMIT_REACHED: { status: 507, meaning: 'a bounded store (device registry, users, sessions) is full; the message names the limit and its variable' },
  ERR_UNAUTHENTICATED: { status: 401, meaning: 'the request has no valid session or API token (expired, signed out, revoked or never given); log in, or send `Authorization: Bearer <token>`' },
  ERR_TOKEN_EXPIRED: { status: 401, meaning: 'an API token was given with its right secret but past its expiry (`expiresAt` in `GET /api/tokens`; set when made, `QALA_TOKEN_DEFAULT_DAYS` by default); an admin makes a new one. Over MQTT the login is refused with CONNACK 5' },
  ERR_LOGIN_FAILED: { status: 401, meaning: 'a login named an unknown user or gave the wrong password (the answer does not say which)' },
  ERR_FORBIDDEN: { status: 403, meaning: "the logged-in user's role does not allow this action, or a utility user asked by name for another utility's data (`utility=` of incidents, `kind=` of `/api/history`); the message names the roles that may, or the utility the user is held to" },
  ERR_ORIGIN_REFUSED: { status: 403, meaning: "a cross-site request: a POST or websocket upgrade whose `Origin` is neither the dashboard's own nor one of `QALA_ALLOWED_ORIGINS`" },
  ERR_RATE_LIMITED: { status: 429, meaning: 'too many failed logins or bad API tokens from one address, or failed logins for one user name (`QALA_LOGIN_ATTEMPTS_PER_MINUTE`); `Retry-After` says when to try again' },
  ERR_AUTH_BUSY: { status: 503, meaning: 'too many password checks at once: `QALA_PASSWORD_HASH_CONCURRENCY` are running and `QALA_PASSWORD_HASH_QUEUE` waiting (a login flood); `Retry-After` says when to try again, and an MQTT login is refused the same way' },
  ERR_USER_NOT_FOUND: { status: 404, meaning: 'no user has that name' },
  ERR_USER_EXISTS: { status: 409, meaning: 'a user with that name already exists' },
  ERR_LAST_ADMIN: { status: 409, meaning: 'the last admin cannot be removed: nobody could manage users any more' },
  ERR_TOKEN_NOT_FOUND: { status: 404, meaning: 'no API token has that id' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class QalaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QalaError';
    this.code = code;
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
