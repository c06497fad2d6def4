// Every error Qala raises on purpose carries a code from this list; docs/errors.md
// lists the same codes and test/unit/errors.test.ts keeps the two in step.
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: 'a configuration value is missing or malformed',
  ERR_CONFIG_FILE: 'the configuration file cannot be read or parsed',
  ERR_PAYLOAD_TOO_LARGE: 'a message payload is over the size limit',
  ERR_PAYLOAD_JSON: 'a message payload is not valid JSON',
  ERR_PAYLOAD_SCHEMA: 'a message payload does not match its device kind schema',
  ERR_TOPIC_SCHEME: 'a topic does not follow the city/<town>/... scheme',
  ERR_UNKNOWN_KIND: 'a topic names a device kind the registry does not know',
  ERR_STORE_WRITE: 'the store refused a batch; it is kept and retried',
  ERR_STORE_QUERY: 'a store query failed',
  ERR_QUERY_INVALID: 'an API query parameter is malformed',
  ERR_SCENARIO_INVALID: 'a simulator scenario is malformed',
  ERR_FEED_INVALID: 'a feed file line is malformed',
  ERR_RULES_INVALID: 'a rule file is malformed; the previous rules stay live',
  ERR_ROUTES_INVALID: 'the incident routing file is malformed',
  ERR_INCIDENT_NOT_FOUND: 'no incident has that id',
  ERR_INCIDENT_STATE: 'the incident cannot make that transition',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class QalaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QalaError';
    this.code = code;
  }
}
