import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, QalaError, type ErrorDefinition } from '../../services/contracts/errors.ts';

const DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Every way docs/errors.md and the catalogue disagree, one line each. */
function differences(doc: string, catalogue: Record<string, ErrorDefinition>): string[] {
  const problems: string[] = [];
  const documented = new Map<string, { status: number; meaning: string }>();
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const m = /^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/.exec(line);
    if (!m) {
      problems.push(`malformed row: ${line}`);
      continue;
    }
    if (documented.has(m[1]!)) problems.push(`${m[1]}: listed twice`);
    documented.set(m[1]!, { status: Number(m[2]), meaning: m[3]! });
  }
  for (const [code, d] of Object.entries(catalogue)) {
    const row = documented.get(code);
    if (!row) problems.push(`${code}: missing from the docs`);
    else {
      if (row.status !== d.status) problems.push(`${code}: status ${row.status} in the docs, ${d.status} in the code`);
      if (row.meaning !== d.meaning) problems.push(`${code}: meaning differs`);
    }
  }
  for (const code of documented.keys()) if (!(code in catalogue)) problems.push(`${code}: documented but not in the code`);
  return problems;
}

describe('error catalogue', () => {
  it('is listed in docs/errors.md exactly: every code with its status and meaning, nothing else', () => {
    expect(differences(DOC, ERROR_CODES)).toEqual([]);
  });

  it('catches a docs page that drifted: a changed status, a missing row, an extra row, a broken row', () => {
    const drifted = DOC.replace('| `ERR_INCIDENT_STATE` | 409 |', '| `ERR_INCIDENT_STATE` | 400 |')
      .replace(/^\| `ERR_NOT_FOUND` .*\n/m, '')
      .concat('| `ERR_TEAPOT` | 418 | short and stout |\n| `ERR_BROKEN` | four hundred | oops |\n');
    expect(differences(drifted, ERROR_CODES)).toEqual([
      'malformed row: | `ERR_BROKEN` | four hundred | oops |',
      'ERR_NOT_FOUND: missing from the docs',
      'ERR_INCIDENT_STATE: status 400 in the docs, 409 in the code',
      'ERR_TEAPOT: documented but not in the code',
    ]);
  });

  it('gives every code an HTTP error status and a meaning', () => {
    for (const [code, d] of Object.entries(ERROR_CODES)) {
      expect(d.status, code).toBeGreaterThanOrEqual(400);
      expect(d.status, code).toBeLessThan(600);
      expect(d.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it('answers a QalaError with the status of its code', () => {
    expect(new QalaError('ERR_INCIDENT_NOT_FOUND', 'no incident "INC-1"').status).toBe(404);
    expect(new QalaError('ERR_METHOD_NOT_ALLOWED', 'POST /health').status).toBe(405);
  });
});
