import type { Role } from './types';

/**
 * What each role may do, mirroring the API's `@Roles` (admin may do everything). The console
 * offers nothing the API would refuse; the API stays the judge.
 */
const ALLOWED: Record<string, readonly Role[]> = {
  'stores.list': ['store-manager', 'integrator'],
  'stores.create': [],
  'stores.edit': ['store-manager'],
  'zones.edit': ['store-manager'],
  'zones.view': ['store-manager', 'integrator'],
  'sensors.edit': ['store-manager', 'integrator'],
  'floorPlan.edit': ['store-manager'],
  live: ['store-manager', 'integrator'],
  analytics: ['store-manager', 'integrator', 'subscriber'],
  policy: ['store-manager'],
  fixedDevices: ['store-manager', 'integrator'],
  audit: [],
  members: [],
  webhooks: ['subscriber', 'loyalty'],
  plugins: ['store-manager', 'integrator'],
};

export type Capability = keyof typeof ALLOWED;

export function can(role: Role, capability: Capability): boolean {
  return role === 'admin' || (ALLOWED[capability]?.includes(role) ?? false);
}
