// A utility user's scope: a user with the role `utility` is bound to one utility
// (services/access/users.ts) and sees that utility's network only: its devices (the
// kinds the catalog gives to it), their readings and figures, and its incidents.
// Everyone else (admin, operator, engineer, viewer) sees the whole town. One place
// says so for every route and the /live stream (README: Security, HTTP).
import { DEVICE_KINDS, type DeviceKind } from '../../devices/index.ts';
import { QalaError } from '../contracts/errors.ts';
import type { DeviceState } from '../contracts/index.ts';
import type { UserPrincipal } from './ports.ts';

type Scoped = Pick<UserPrincipal, 'role' | 'utility'>;

/** The utility a user is held to, or undefined for a user who sees the whole town. */
export const utilityScope = (p: Scoped): string | undefined => (p.role === 'utility' ? (p.utility ?? '') : undefined);

const UTILITY_OF_KIND = new Map(DEVICE_KINDS.map((k) => [k.id, k.utility as string]));

/** Whether a user may see a device kind: any, but a utility user only its own network's (the catalog's owner of the kind). */
export const kindVisibleTo = (p: Scoped, kind: string): boolean => {
  const u = utilityScope(p);
  return u === undefined || UTILITY_OF_KIND.get(kind) === u;
};

/** Whose devices a user sees: everyone's, but a utility user only those of its own network. */
export const visibleTo = (p: Scoped) => (device: Pick<DeviceState, 'kind'>): boolean => kindVisibleTo(p, device.kind);

/**
 * A kind the user named in a query: another utility's is refused (403), as naming
 * another utility in an incident filter is: the catalog is public (/api/kinds), so
 * refusing tells nothing a utility user did not know, and says why the answer is not
 * the chart it asked for instead of an empty one that looks like a dead network.
 */
export function refuseOtherNetwork(p: Scoped & { name: string }, kind: Pick<DeviceKind, 'id' | 'utility'>): void {
  const u = utilityScope(p);
  if (u !== undefined && kind.utility !== u) {
    throw new QalaError('ERR_FORBIDDEN', `${p.name} sees only the devices of utility ${u}; kind=${kind.id} belongs to utility ${kind.utility}`);
  }
}
