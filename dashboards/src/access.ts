// What the logged-in role may do on the page: a copy of the API's access rules
// (services/api/incident-routes.ts ACTION_ROLES, silence-routes.ts SILENCE_ROLES),
// kept equal by test/unit/dashboards/access.test.ts. The page offers a button only
// to a role that may press it; the server checks again and records who acted.
import type { Role } from '../../services/contracts/index.ts';

export const MAY = {
  acknowledge: ['admin', 'operator', 'utility'],
  resolve: ['admin', 'operator'],
  comment: ['admin', 'operator', 'utility'],
  assign: ['admin', 'operator', 'utility'],
  silence: ['admin', 'operator', 'utility'],
} as const satisfies Record<string, readonly Role[]>;

export type PageAction = keyof typeof MAY;

export const may = (role: Role, action: PageAction): boolean => (MAY[action] as readonly Role[]).includes(role);
