// Query strings and bodies checked against a strict zod object, with messages that
// name the parameter, the value given and what is accepted.
import { z } from 'zod';
import { QalaError, type ErrorCode } from '../contracts/errors.ts';

/** No parameters at all: for routes that take none. */
export const noQuery = z.object({}).strict();

/** `one of a, b, c` as the message of an enum. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `one of ${values.join(', ')}` });

function describeIssues(schema: z.ZodObject, raw: unknown, issues: readonly z.core.$ZodIssue[], what: 'parameter' | 'field'): string {
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const known = Object.keys(schema.shape);
  const accepted = known.length ? `accepted: ${known.join(', ')}` : `this path takes no ${what}s`;
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown ${what}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (${accepted})`;
      }
      const key = issue.path.map(String).join('.');
      if (!key) return issue.message;
      const value = given[String(issue.path[0])];
      if (Array.isArray(value) && what === 'parameter') return `${key}: given ${value.length} times; give it once`;
      if (value === undefined) return `${key} is required: ${schema.shape[String(issue.path[0])]?.description ?? issue.message}`;
      return `${key}=${JSON.stringify(value)}: ${issue.message}`;
    })
    .join('; ');
}

function parseWith<S extends z.ZodObject>(code: ErrorCode, what: 'parameter' | 'field', schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new QalaError(code, describeIssues(schema, raw, r.error.issues, what), { cause: r.error });
  return r.data;
}

/** The parsed query, or ERR_QUERY_INVALID naming every problem. */
export const parseQuery = <S extends z.ZodObject>(schema: S, raw: unknown): z.infer<S> => parseWith('ERR_QUERY_INVALID', 'parameter', schema, raw ?? {});

/** The parsed JSON body, or ERR_BODY_INVALID naming every problem. */
export const parseBody = <S extends z.ZodObject>(schema: S, raw: unknown): z.infer<S> => {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new QalaError('ERR_BODY_INVALID', `the body must be a JSON object with ${Object.keys(schema.shape).join(', ')}`);
  }
  return parseWith('ERR_BODY_INVALID', 'field', schema, raw ?? {});
};
