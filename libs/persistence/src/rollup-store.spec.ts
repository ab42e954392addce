import type { CountRecord, VisitRecord } from '@aisle/aggregation';
import { purgeAggregates, purgeOrphanAggregates } from './purge.js';
import { RollupStore } from './rollup-store.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

const H9 = Date.UTC(2026, 0, 1, 9);
const HOUR = 3_600_000;

function visit(i: number, extra: Partial<VisitRecord> = {}): VisitRecord {
  const startedAt = H9 + i * 5 * 60_000;
  return {
    storeId: 'a',
    visitId: `v${i}`,
    subject: `s${i}`,
    period: Date.UTC(2026, 0, 1),
    startedAt,
    endedAt: startedAt + 10 * 60_000,
    insideMs: 10 * 60_000,
    passerBy: false,
    ordinal: 1,
    returningMember: false,
    zones: [{ zoneId: 'aisle-1', enteredAt: startedAt, exitedAt: startedAt + 10 * 60_000 }],
    path: ['aisle-1'],
    heat: [[3, 600_000]],
    ...extra,
  };
}

const count = (intervalStart: number, entries: number): CountRecord => ({
  storeId: 'a',
  sensorId: 'cam',
  lineId: 'entrance',
  intervalStart,
  at: intervalStart + 10_000,
  entries,
  exits: 0,
});

describe(RollupStore.name, () => {
  let database: TestDatabase;
  let sut: RollupStore;

  beforeAll(async () => {
    database = await openTestDatabase();
    sut = new RollupStore(database.dataSource);
    await database.dataSource.query(
      `INSERT INTO stores (id, name, timezone, width, height) VALUES ('a', 'A', 'Europe/Berlin', 30, 20)`,
    );
  });
  afterAll(() => database.close());

  async function ingest(visits: VisitRecord[], counts: CountRecord[]): Promise<void> {
    await sut.saveVisits(visits);
    await sut.saveCounts(counts);
    await sut.refresh({
      storeId: 'a',
      timeZone: 'Europe/Berlin',
      visits,
      counts,
      grid: { width: 30, height: 20, cellM: 1 },
      visitFactsSince: H9 - 24 * HOUR,
    });
  }

  async function snapshot(): Promise<unknown[]> {
    return database.dataSource.query(
      `SELECT bucket, metric, zone_id, bucket_start, value, subjects, detail FROM metric_rollups
       ORDER BY bucket, metric, zone_id, bucket_start`,
    );
  }

  it('writes minute, hour and day rollups, and the same input again changes nothing', async () => {
    const visits = [0, 1, 2, 3, 4, 5].map((i) => visit(i));
    const counts = [count(H9, 4), count(H9 + 10_000, 3)];
    await ingest(visits, counts);
    const first = await snapshot();
    const hour = await sut.rows({ storeId: 'a', bucket: '1h', from: H9, to: H9 + HOUR });
    expect(hour.find((r) => r.metric === 'visits' && r.zoneId === '')).toMatchObject({
      value: 6,
      subjects: 6,
    });
    expect(hour.find((r) => r.metric === 'footfall-in' && r.zoneId === 'entrance')?.value).toBe(7);
    const day = await sut.rows({
      storeId: 'a',
      bucket: '1d',
      from: Date.UTC(2025, 11, 31, 23),
      to: Date.UTC(2026, 0, 1, 23),
    });
    expect(day.find((r) => r.metric === 'dwell' && r.zoneId === '')?.detail?.values).toHaveLength(
      6,
    );
    const minute = await sut.rows({
      storeId: 'a',
      bucket: '1m',
      from: H9,
      to: H9 + 60_000,
      metrics: ['occupancy'],
    });
    expect(minute.find((r) => r.zoneId === 'aisle-1')?.value).toBe(60_000);
    const visitRows = await sut.rows({
      storeId: 'a',
      bucket: '1h',
      from: H9,
      to: H9 + HOUR,
      metrics: ['visits'],
    });
    expect(new Set(visitRows.map((r) => r.zoneId))).toEqual(new Set(['', 'aisle-1']));
    const zoned = await sut.rows({
      storeId: 'a',
      bucket: '1h',
      from: H9,
      to: H9 + HOUR,
      metrics: ['visits'],
      zoneIds: [''],
    });
    expect(zoned).toEqual(visitRows.filter((r) => r.zoneId === ''));

    await ingest([...visits].reverse(), [...counts, ...counts]);
    expect(await snapshot()).toEqual(first);
  });

  it('takes late data into the right buckets (a re-sent counter interval replaces, not adds)', async () => {
    await ingest([visit(7)], [count(H9, 10)]);
    const hour = await sut.rows({ storeId: 'a', bucket: '1h', from: H9, to: H9 + HOUR });
    expect(hour.find((r) => r.metric === 'visits' && r.zoneId === '')?.value).toBe(7);
    expect(hour.find((r) => r.metric === 'footfall-in' && r.zoneId === '')?.value).toBe(13);
  });

  it('keeps visit metrics of hours past the device retention, recomputing only counts there', async () => {
    const late = count(H9 - 30 * HOUR, 2);
    await sut.saveCounts([late]);
    const result = await sut.refresh({
      storeId: 'a',
      timeZone: 'Europe/Berlin',
      visits: [],
      counts: [late],
      visitFactsSince: H9 - 24 * HOUR,
    });
    expect(result.countsOnlyHours).toBe(1);
    const hour = await sut.rows({
      storeId: 'a',
      bucket: '1h',
      from: H9 - 30 * HOUR,
      to: H9 - 29 * HOUR,
    });
    expect(hour.map((r) => r.metric)).toEqual(['footfall-in', 'footfall-in']);
  });

  it('purges visit facts by device retention and counts and rollups by count retention', async () => {
    const deleted = await purgeAggregates(database.dataSource, {
      storeId: 'a',
      deviceBefore: H9 + 2 * HOUR,
      countsBefore: H9 - 24 * HOUR,
    });
    expect(deleted).toBeGreaterThan(8);
    const [visits] = await database.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM agg_visits',
    );
    expect(visits?.n).toBe(0);
    const old = await sut.rows({ storeId: 'a', bucket: '1h', from: 0, to: H9 - 24 * HOUR });
    expect(old).toEqual([]);
    expect(
      (await sut.rows({ storeId: 'a', bucket: '1h', from: H9, to: H9 + HOUR })).length,
    ).toBeGreaterThan(0);
    await database.dataSource.query(`DELETE FROM stores WHERE id = 'a'`);
    expect(await purgeOrphanAggregates(database.dataSource)).toBeGreaterThan(0);
    expect(await sut.rows({ storeId: 'a', bucket: '1h', from: 0, to: H9 + HOUR })).toEqual([]);
  });
});
