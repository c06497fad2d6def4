// The page's copy of who may act is the API's: a role never sees a button the
// server would refuse, nor misses one it would accept.
import { describe, expect, it } from 'vitest';
import { MAY } from '../../../dashboards/src/access.ts';
import { ACTION_ROLES } from '../../../services/api/incident-routes.ts';
import { SILENCE_ROLES } from '../../../services/api/silence-routes.ts';

describe('page access rules', () => {
  it('equal the API routes’ roles', () => {
    const sorted = (r: readonly string[]) => [...r].sort();
    for (const action of Object.keys(ACTION_ROLES) as (keyof typeof ACTION_ROLES)[]) expect(sorted(MAY[action]), action).toEqual(sorted(ACTION_ROLES[action]));
    expect(sorted(MAY.silence)).toEqual(sorted(SILENCE_ROLES));
  });
});
