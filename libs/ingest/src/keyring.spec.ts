import { FakeClock } from '@aisle/sdk/testing';
import {
  InMemoryKeyStore,
  KEY_BYTES,
  LATE_GRACE_MS,
  PseudonymKeyring,
  periodEnd,
  periodOf,
  type KeyStore,
} from './keyring.js';

const HOUR = 3_600_000;
const MIDNIGHT = Date.UTC(2026, 0, 1);
const T0 = MIDNIGHT + 9 * HOUR;

function setup(store: KeyStore = new InMemoryKeyStore()) {
  const clock = new FakeClock(T0);
  const errors: { error: unknown; storeId: string; period: number }[] = [];
  const sut = new PseudonymKeyring({
    store,
    clock,
    onError: (error, { storeId, period }) => errors.push({ error, storeId, period }),
  });
  return { sut, clock, store, errors };
}

const isZero = (key: Buffer) => key.every((b) => b === 0);

describe(periodOf.name, () => {
  it('aligns periods to UTC midnight', () => {
    expect(periodOf(T0, 24)).toBe(MIDNIGHT);
    expect(periodOf(T0, 6)).toBe(MIDNIGHT + 6 * HOUR);
    expect(periodOf(T0, 1)).toBe(T0);
    expect(periodOf(MIDNIGHT - 1, 24)).toBe(MIDNIGHT - 24 * HOUR);
  });

  it('never lets a period cross midnight, even when the hours do not divide the day', () => {
    expect(periodOf(MIDNIGHT + 23 * HOUR, 5)).toBe(MIDNIGHT + 20 * HOUR);
    expect(periodEnd(MIDNIGHT + 20 * HOUR, 5)).toBe(MIDNIGHT + 24 * HOUR);
    expect(periodOf(MIDNIGHT + 24 * HOUR + 1, 5)).toBe(MIDNIGHT + 24 * HOUR);
  });

  it.each([0, 25, 48, 1.5, Number.NaN])('refuses rotationHours %p', (hours) => {
    expect(() => periodOf(T0, hours)).toThrow(RangeError);
  });
});

describe(PseudonymKeyring.name, () => {
  it('creates the current period key synchronously, keeps it, and saves it in the background', async () => {
    const { sut, store } = setup();
    const first = sut.keyFor('store-1', T0, 24);
    expect(first?.period).toBe(MIDNIGHT);
    expect(first?.key).toHaveLength(KEY_BYTES);
    expect(sut.keyFor('store-1', T0 - HOUR, 24)).toBe(first);
    await sut.flush();
    expect(await store.load('store-1', MIDNIGHT)).toEqual(first?.key);
  });

  it('keeps one key per store', () => {
    const { sut } = setup();
    expect(sut.keyFor('store-1', T0, 24)?.key).not.toEqual(sut.keyFor('store-2', T0, 24)?.key);
  });

  it('creates the next period key early, but nothing further ahead', () => {
    const { sut } = setup();
    expect(sut.keyFor('store-1', MIDNIGHT + 24 * HOUR + 1, 24)?.period).toBe(MIDNIGHT + 24 * HOUR);
    expect(sut.keyFor('store-1', MIDNIGHT + 48 * HOUR, 24)).toBeNull();
  });

  it('never creates a key for a past period', async () => {
    const { sut, store } = setup();
    expect(sut.keyFor('store-1', MIDNIGHT - 1, 24)).toBeNull();
    await sut.prepare('store-1', MIDNIGHT - 1, 24);
    expect(sut.size).toBe(0);
    expect(await store.load('store-1', MIDNIGHT - 24 * HOUR)).toBeNull();
  });

  it('prepare() loads the key a previous run saved, so pseudonyms survive a restart', async () => {
    const store = new InMemoryKeyStore();
    const before = setup(store).sut;
    await before.prepare('store-1', T0, 24);
    const saved = Buffer.from(before.keyFor('store-1', T0, 24)!.key);

    const { sut } = setup(store);
    await sut.prepare('store-1', T0, 24);
    expect(sut.keyFor('store-1', T0, 24)?.key).toEqual(saved);
  });

  it('prepare() keeps a key keyFor() created while it was loading', async () => {
    const { sut } = setup();
    const preparing = sut.prepare('store-1', T0, 24);
    const meanwhile = sut.keyFor('store-1', T0, 24);
    await preparing;
    expect(sut.keyFor('store-1', T0, 24)).toBe(meanwhile);
  });

  it('serves a late observation of the previous period within the grace, then destroys the key', async () => {
    const { sut, clock, store } = setup();
    const old = sut.keyFor('store-1', T0, 24)!;
    const oldKey = old.key;
    const nextMidnight = MIDNIGHT + 24 * HOUR;

    clock.set(nextMidnight + LATE_GRACE_MS - 1);
    expect((await sut.rotate(clock.now())).destroyed).toBe(0);
    expect(sut.keyFor('store-1', nextMidnight - 1000, 24)).toBe(old);

    clock.set(nextMidnight + LATE_GRACE_MS);
    await sut.flush();
    expect(await sut.rotate(clock.now())).toEqual({ destroyed: 1, deleted: 1 });
    expect(isZero(oldKey)).toBe(true);
    expect(sut.keyFor('store-1', nextMidnight - 1000, 24)).toBeNull();
    expect(await store.load('store-1', MIDNIGHT)).toBeNull();
    // The new period gets a fresh key, not the old one back.
    expect(sut.keyFor('store-1', clock.now(), 24)?.period).toBe(nextMidnight);
  });

  it('refuses an expired key even before rotate() runs, and zero-fills it', () => {
    const { sut, clock } = setup();
    const { key } = sut.keyFor('store-1', T0, 24)!;
    clock.set(MIDNIGHT + 24 * HOUR + LATE_GRACE_MS);
    expect(sut.keyFor('store-1', T0, 24)).toBeNull();
    expect(isZero(key)).toBe(true);
  });

  it('reports a failed background save to onError and retries it on the next prepare()', async () => {
    const store = new InMemoryKeyStore();
    let failures = 1;
    const failing: KeyStore = {
      load: (s, p) => store.load(s, p),
      destroyBefore: (now) => store.destroyBefore(now),
      save: async (s, p, k, e) => {
        if (failures-- > 0) {
          throw new Error('database is down');
        }
        await store.save(s, p, k, e);
      },
    };
    const { sut, errors } = setup(failing);
    const created = sut.keyFor('store-1', T0, 24);
    expect(created).not.toBeNull();
    await sut.flush();
    expect(errors).toEqual([
      { error: new Error('database is down'), storeId: 'store-1', period: MIDNIGHT },
    ]);
    expect(store.size).toBe(0);

    await sut.prepare('store-1', T0, 24);
    expect(await store.load('store-1', MIDNIGHT)).toEqual(created?.key);
  });

  it('survives an onError that throws', async () => {
    const sut = new PseudonymKeyring({
      store: {
        load: async () => null,
        save: () => Promise.reject(new Error('down')),
        destroyBefore: async () => 0,
      },
      clock: new FakeClock(T0),
      onError: () => {
        throw new Error('logger broke');
      },
    });
    expect(sut.keyFor('store-1', T0, 24)).not.toBeNull();
    await expect(sut.flush()).resolves.toBeUndefined();
  });

  it('refuses a stored key of the wrong size', async () => {
    const store = new InMemoryKeyStore();
    await store.save('store-1', MIDNIGHT, Buffer.alloc(16, 1), MIDNIGHT + 25 * HOUR);
    const { sut } = setup(store);
    await expect(sut.prepare('store-1', T0, 24)).rejects.toThrow('has 16 bytes, not 32');
  });
});

describe(InMemoryKeyStore.name, () => {
  it('keeps a copy and zero-fills what it destroys', async () => {
    const sut = new InMemoryKeyStore();
    const key = Buffer.alloc(32, 9);
    await sut.save('store-1', MIDNIGHT, key, MIDNIGHT + 10);
    key.fill(0);
    const loaded = await sut.load('store-1', MIDNIGHT);
    expect(loaded?.every((b) => b === 9)).toBe(true);
    expect(await sut.destroyBefore(MIDNIGHT + 9)).toBe(0);
    expect(await sut.destroyBefore(MIDNIGHT + 10)).toBe(1);
    expect(await sut.load('store-1', MIDNIGHT)).toBeNull();
  });
});
