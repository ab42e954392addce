import { ConfigFileApplier, changesOf, type StoreApplyResult } from './config-file-applier.js';

const none = { created: [], updated: [], deleted: [] };

// Applying against a database is covered in test/api/config-file.e2e.ts.
describe(ConfigFileApplier.name, () => {
  describe('changesOf', () => {
    it('announces nothing when nothing changed (applying twice is silent)', () => {
      const result: StoreApplyResult = {
        storeId: 'a',
        created: false,
        storeChanged: false,
        policyChanged: false,
        zones: none,
        sensors: none,
      };
      expect(changesOf(result)).toEqual([]);
    });

    it('announces each changed part of the store', () => {
      const result: StoreApplyResult = {
        storeId: 'a',
        created: false,
        storeChanged: true,
        policyChanged: true,
        zones: { ...none, deleted: ['z'] },
        sensors: { ...none, created: ['s'] },
      };
      expect(changesOf(result)).toEqual([
        { storeId: 'a', what: 'store' },
        { storeId: 'a', what: 'policy' },
        { storeId: 'a', what: 'zones' },
        { storeId: 'a', what: 'sensors' },
      ]);
    });
  });
});
