import { lockKey, winner } from './store-ownership.js';

const stores = Array.from({ length: 200 }, (_, i) => `store-${i}`);

describe('store ownership (rendezvous hashing)', () => {
  it('gives every store exactly one owner, the same whatever order the workers are listed in', () => {
    const workers = ['w-a', 'w-b', 'w-c'];
    for (const store of stores) {
      expect(winner(workers, store)).toBe(winner([...workers].reverse(), store));
    }
  });

  it('spreads stores over workers', () => {
    const counts = new Map<string, number>();
    for (const store of stores) {
      const w = winner(['w-a', 'w-b'], store)!;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    expect(counts.get('w-a')).toBeGreaterThan(60);
    expect(counts.get('w-b')).toBeGreaterThan(60);
  });

  it('moves only the stores the joining worker wins, and only the dead worker’s when one dies', () => {
    const before = new Map(stores.map((s) => [s, winner(['w-a', 'w-b'], s)]));
    const joined = new Map(stores.map((s) => [s, winner(['w-a', 'w-b', 'w-c'], s)]));
    for (const store of stores) {
      if (joined.get(store) !== before.get(store)) expect(joined.get(store)).toBe('w-c');
    }
    const died = new Map(stores.map((s) => [s, winner(['w-a', 'w-c'], s)]));
    for (const store of stores) {
      if (joined.get(store) !== 'w-b') expect(died.get(store)).toBe(joined.get(store));
    }
  });

  it('keys locks by group and store (64-bit, signed)', () => {
    expect(lockKey('g', 's')).toBe(lockKey('g', 's'));
    expect(lockKey('g', 's')).not.toBe(lockKey('h', 's'));
    expect(BigInt(lockKey('g', 's'))).toBeLessThan(2n ** 63n);
  });
});
