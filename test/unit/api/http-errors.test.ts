import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { FASTIFY_CODES } from '../../../services/api/http-errors.ts';

// fastify's client errors that cannot reach a client of Qala's API, and why.
const UNREACHABLE: Record<string, string> = {
  FST_ERR_VALIDATION: 'the API validates with zod, never with fastify route schemas',
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: 'raised at set-up, when a parser is added after listen',
  FST_ERR_ROUTE_MISSING_CONTENT: 'no longer thrown by fastify 5',
};

const clientErrors = Object.entries(errorCodes)
  .filter(([, E]) => {
    const status = (new (E as new (...a: string[]) => { statusCode?: number })('a', 'b', 'c')).statusCode ?? 500;
    return status >= 400 && status < 500;
  })
  .map(([code]) => code);

describe('fastify error mapping', () => {
  it('names only codes fastify has', () => {
    for (const code of Object.keys(FASTIFY_CODES)) expect(Object.keys(errorCodes), code).toContain(code);
  });

  it('maps every fastify client error to a Qala code, or says why it cannot reach a client', () => {
    expect(clientErrors.length).toBeGreaterThan(5);
    expect(clientErrors.filter((code) => !(code in FASTIFY_CODES) && !(code in UNREACHABLE))).toEqual([]);
  });
});
