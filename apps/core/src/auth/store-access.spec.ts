import type { Principal } from './principal.js';
import { canAccessStore, checkRole, checkStoreAccess, requestedStoreIds } from './store-access.js';

const manager: Principal = { keyId: 'k1', role: 'store-manager', storeIds: ['a'] };
const admin: Principal = { keyId: 'k0', role: 'admin', storeIds: [] };

describe('store access', () => {
  it('lets admin reach every store and scoped keys only theirs', () => {
    expect(canAccessStore(admin, 'anything')).toBe(true);
    expect(canAccessStore(manager, 'a')).toBe(true);
    expect(canAccessStore(manager, 'b')).toBe(false);
  });

  it('finds the store in the :storeId parameter and in the body', () => {
    expect(requestedStoreIds({ params: { storeId: 'a' }, body: { storeId: 'b' } })).toEqual([
      'a',
      'b',
    ]);
    expect(requestedStoreIds({ params: {}, body: [{ storeId: 'x' }] })).toEqual([]);
    expect(requestedStoreIds({ params: { id: 'a' }, body: undefined })).toEqual([]);
  });

  it('refuses a foreign store with a message naming the key, the store and the scope', () => {
    const sut = checkStoreAccess(manager, ['a', 'b']);
    expect(sut).toEqual({
      allowed: false,
      message: 'API key k1 (store-manager) may not access store "b": it is scoped to "a"',
    });
    expect(checkStoreAccess(manager, ['a'])).toEqual({ allowed: true });
    expect(checkStoreAccess(admin, ['b'])).toEqual({ allowed: true });
  });

  it('checks roles; admin always passes and no roles means admin only', () => {
    expect(checkRole(admin, undefined)).toEqual({ allowed: true });
    expect(checkRole(manager, ['store-manager'])).toEqual({ allowed: true });
    expect(checkRole(manager, undefined)).toEqual({
      allowed: false,
      message: 'this route needs role admin; API key k1 has role store-manager',
    });
    expect(checkRole(manager, ['integrator'])).toMatchObject({
      allowed: false,
      message: expect.stringContaining('admin or integrator'),
    });
  });
});
