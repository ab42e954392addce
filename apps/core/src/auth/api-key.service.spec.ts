import { ApiKeyService, apiKeyInputErrors } from './api-key.service.js';

// The service's database behaviour (hashing, revocation, bootstrap admin) is covered against a
// real database in test/api/auth.e2e.ts; these are its pure input rules.
describe(ApiKeyService.name, () => {
  describe('apiKeyInputErrors', () => {
    it('accepts an admin without stores and scoped roles with stores', () => {
      expect(apiKeyInputErrors({ name: 'a', role: 'admin' })).toEqual([]);
      expect(apiKeyInputErrors({ name: 'm', role: 'store-manager', storeIds: ['a'] })).toEqual([]);
      expect(apiKeyInputErrors({ name: 's', role: 'subscriber' })).toEqual([]);
    });

    it('refuses stores on an admin key and a scoped key without stores', () => {
      expect(apiKeyInputErrors({ name: 'a', role: 'admin', storeIds: ['a'] })).toEqual([
        expect.objectContaining({ field: 'storeIds', message: expect.stringContaining('admin') }),
      ]);
      expect(apiKeyInputErrors({ name: 'i', role: 'integrator', storeIds: [] })).toEqual([
        expect.objectContaining({
          field: 'storeIds',
          message: expect.stringContaining('at least one'),
        }),
      ]);
    });

    it('names each bad store id by index', () => {
      expect(
        apiKeyInputErrors({ name: 'm', role: 'store-manager', storeIds: ['ok', 'Not OK'] }),
      ).toEqual([expect.objectContaining({ field: 'storeIds[1]', value: 'Not OK' })]);
    });
  });
});
