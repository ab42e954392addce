import { DbKeyStore } from './key-store.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe(DbKeyStore.name, () => {
  let database: TestDatabase;
  let sut: DbKeyStore;

  beforeAll(async () => {
    database = await openTestDatabase();
    sut = new DbKeyStore(database.dataSource);
  });
  afterAll(() => database.close());
  afterEach(() => database.dataSource.query('DELETE FROM pseudonym_keys'));

  it('loads what it saved, as a copy the caller may zero-fill', async () => {
    const key = Buffer.from(
      '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
      'hex',
    );
    await sut.save('demo', T0, key, T0 + 25 * HOUR);

    const loaded = await sut.load('demo', T0);
    loaded!.fill(0);

    expect(await sut.load('demo', T0)).toEqual(key);
    expect(Buffer.isBuffer(loaded)).toBe(true);
  });

  it('returns null for a period or store it has no key for', async () => {
    await sut.save('demo', T0, Buffer.alloc(32, 1), T0 + HOUR);

    expect(await sut.load('demo', T0 + 24 * HOUR)).toBeNull();
    expect(await sut.load('other', T0)).toBeNull();
  });

  it('replaces the key when a period is saved again (the database follows the key in use)', async () => {
    await sut.save('demo', T0, Buffer.alloc(32, 1), T0 + HOUR);
    await sut.save('demo', T0, Buffer.alloc(32, 2), T0 + 2 * HOUR);

    expect(await sut.load('demo', T0)).toEqual(Buffer.alloc(32, 2));
  });

  it('copies the key before resolving: zero-filling it afterwards changes nothing', async () => {
    const key = Buffer.alloc(32, 7);
    await sut.save('demo', T0, key, T0 + HOUR);
    key.fill(0);

    expect(await sut.load('demo', T0)).toEqual(Buffer.alloc(32, 7));
  });

  it('destroys the keys expiring at or before now, and says how many', async () => {
    await sut.save('demo', T0, Buffer.alloc(32, 1), T0 + HOUR);
    await sut.save('demo', T0 + 24 * HOUR, Buffer.alloc(32, 2), T0 + 25 * HOUR);
    await sut.save('other', T0, Buffer.alloc(32, 3), T0 + HOUR + 1);

    expect(await sut.destroyBefore(T0 + HOUR)).toBe(1);
    expect(await sut.load('demo', T0)).toBeNull();
    expect(await sut.load('other', T0)).toEqual(Buffer.alloc(32, 3));
    expect(await sut.destroyBefore(T0 + HOUR)).toBe(0);
    expect(await sut.destroyBefore(T0 + 25 * HOUR)).toBe(2);
    expect(await sut.load('demo', T0 + 24 * HOUR)).toBeNull();
  });

  it('keeps millisecond periods apart', async () => {
    await sut.save('demo', T0 + 1, Buffer.alloc(32, 1), T0 + HOUR);

    expect(await sut.load('demo', T0)).toBeNull();
    expect(await sut.load('demo', T0 + 1)).toEqual(Buffer.alloc(32, 1));
  });
});
