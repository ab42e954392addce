import type { ApiRole } from '@aisle/persistence';
import type { Principal } from './principal.js';

/** True when the principal may reach this store: admin reaches all, others their `storeIds`. */
export function canAccessStore(principal: Principal, storeId: string): boolean {
  return principal.role === 'admin' || principal.storeIds.includes(storeId);
}

/** Stores a request addresses: the `:storeId` route parameter and a `storeId` in the body. */
export function requestedStoreIds(request: { params?: unknown; body?: unknown }): string[] {
  const ids = new Set<string>();
  for (const source of [request.params, request.body]) {
    if (source !== null && typeof source === 'object' && !Array.isArray(source)) {
      const value = (source as Record<string, unknown>)['storeId'];
      if (typeof value === 'string') ids.add(value);
    }
  }
  return [...ids];
}

export type AccessDecision = { allowed: true } | { allowed: false; message: string };

/** Role check: admin passes everything; a route without roles is admin-only. */
export function checkRole(
  principal: Principal,
  roles: readonly ApiRole[] | undefined,
): AccessDecision {
  if (principal.role === 'admin') return { allowed: true };
  if (roles?.includes(principal.role)) return { allowed: true };
  const needed = [...new Set(['admin', ...(roles ?? [])])].join(' or ');
  return {
    allowed: false,
    message: `this route needs role ${needed}; API key ${principal.keyId} has role ${principal.role}`,
  };
}

/** Store check: every store the request names must be one the key is scoped to. */
export function checkStoreAccess(
  principal: Principal,
  storeIds: readonly string[],
): AccessDecision {
  const refused = storeIds.filter((id) => !canAccessStore(principal, id));
  if (refused.length === 0) return { allowed: true };
  const scope =
    principal.storeIds.length === 0
      ? 'no store'
      : principal.storeIds.map((id) => JSON.stringify(id)).join(', ');
  return {
    allowed: false,
    message:
      `API key ${principal.keyId} (${principal.role}) may not access store ` +
      `${refused.map((id) => JSON.stringify(id)).join(', ')}: it is scoped to ${scope}`,
  };
}
