import type { DataSource } from 'typeorm';
import { purgeOrphanSightings, purgeSightings } from './purge.js';
import { openTestDatabase } from './testing.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1, 12);

describe(purgeSightings.name, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase();
    ds = database.dataSource;
  });

  afterAll(() => database.close());

  async function insert(storeId: string, ageHours: number, subject: string | null): Promise<void> {
    const at = new Date(NOW - ageHours * HOUR);
    await ds.query(
      `INSERT INTO sightings (store_id, sensor_id, kind, at, period, subject, entries) VALUES ($1, 's', $2, $3, $3, $4, $5)`,
      [storeId, subject ? 'wifi' : 'camera', at, subject, subject ? null : 1],
    );
  }

  async function remaining(): Promise<{ store_id: string; subject: string | null }[]> {
    return ds.query('SELECT store_id, subject FROM sightings ORDER BY store_id, at');
  }

  it('deletes device rows past their retention and counts past theirs, in that store only', async () => {
    await ds.query(
      `INSERT INTO stores (id, name, timezone, width, height) VALUES ('a', 'A', 'UTC', 10, 10), ('b', 'B', 'UTC', 10, 10)`,
    );
    await insert('a', 30, 'old-device');
    await insert('a', 2, 'new-device');
    await insert('a', 30, null);
    await insert('a', 24 * 500, null);
    await insert('b', 30, 'other-store');
    const deleted = await purgeSightings(ds, {
      storeId: 'a',
      deviceBefore: NOW - 24 * HOUR,
      countsBefore: NOW - 400 * 24 * HOUR,
    });
    expect(deleted).toBe(2);
    expect(await remaining()).toEqual([
      { store_id: 'a', subject: null },
      { store_id: 'a', subject: 'new-device' },
      { store_id: 'b', subject: 'other-store' },
    ]);
  });

  it('deletes every sighting of a store that no longer exists', async () => {
    await insert('gone', 1, 'x');
    await insert('gone', 1, null);
    expect(await purgeOrphanSightings(ds)).toBe(2);
    expect((await remaining()).some((r) => r.store_id === 'gone')).toBe(false);
  });
});
