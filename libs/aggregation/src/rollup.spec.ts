import { computeBucket, mergeRows, touchedBuckets, type RollupRow } from './rollup.js';
import { isSuppressed, suppress } from './suppression.js';
import type { CountRecord, VisitRecord } from './visit.js';

const H9 = Date.UTC(2026, 0, 1, 9);
const H10 = Date.UTC(2026, 0, 1, 10);

function visit(i: number, extra: Partial<VisitRecord> = {}): VisitRecord {
  const startedAt = H9 + i * 60_000;
  return {
    storeId: 'demo',
    visitId: `v${i}`,
    subject: `s${i}`,
    period: Date.UTC(2026, 0, 1),
    startedAt,
    endedAt: startedAt + (i + 1) * 60_000,
    insideMs: (i + 1) * 60_000,
    passerBy: false,
    ordinal: 1,
    returningMember: false,
    zones: [
      { zoneId: 'entrance', enteredAt: startedAt, exitedAt: startedAt + 30_000 },
      { zoneId: 'aisle-1', enteredAt: startedAt + 30_000, exitedAt: startedAt + (i + 1) * 60_000 },
    ],
    path: ['entrance', 'aisle-1'],
    heat: [[5, 30_000]],
    ...extra,
  };
}

const count = (intervalStart: number, entries: number, exits: number): CountRecord => ({
  storeId: 'demo',
  sensorId: 'cam',
  lineId: 'entrance',
  intervalStart,
  at: intervalStart + 10_000,
  entries,
  exits,
});

function find(rows: RollupRow[], metric: string, zoneId = ''): RollupRow | undefined {
  return rows.find((r) => r.metric === metric && r.zoneId === zoneId);
}

describe(computeBucket.name, () => {
  const visits = [
    ...[0, 1, 2, 3, 4].map((i) => visit(i)),
    visit(5, { passerBy: true, ordinal: 0, zones: [], path: [] }),
    visit(6, { subject: 's0', ordinal: 2 }),
  ];
  const counts = [count(H9, 3, 1), count(H9 + 10_000, 4, 2)];
  const hour = (input: { visits: VisitRecord[]; counts: CountRecord[] }): RollupRow[] =>
    computeBucket({
      storeId: 'demo',
      bucket: '1h',
      bucketStart: H9,
      timeZone: 'UTC',
      grid: { width: 30, height: 20, cellM: 1 },
      ...input,
    });

  it('counts visits, passers-by, unique and repeat visitors, footfall, dwell', () => {
    const rows = hour({ visits, counts });
    expect(find(rows, 'visits')).toMatchObject({ value: 6, subjects: 5 });
    expect(find(rows, 'passers-by')?.value).toBe(1);
    expect(find(rows, 'unique-visitors')?.value).toBe(5);
    expect(find(rows, 'repeat-visitors')?.value).toBe(1);
    expect(find(rows, 'footfall-in')).toMatchObject({ value: 7, subjects: 7 });
    expect(find(rows, 'footfall-out', 'entrance')?.value).toBe(3);
    expect(find(rows, 'dwell')?.detail?.values).toEqual([60, 120, 180, 240, 300, 420]);
    expect(find(rows, 'visits', 'aisle-1')?.value).toBe(6);
    expect(find(rows, 'transitions')?.detail?.counts).toEqual({ 'entrance>aisle-1': 6 });
    expect(find(rows, 'heatmap')?.detail?.cells).toEqual({ '5': [180_000, 6] });
  });

  it('is idempotent: duplicated and reordered facts give the same rows', () => {
    const once = hour({ visits, counts });
    const twice = hour({
      visits: [...visits].reverse().concat(visits),
      counts: [...counts, ...counts].reverse(),
    });
    expect(twice).toEqual(once);
  });

  it('splits occupancy of a visit across the hour boundary (and midnight alike)', () => {
    const long = visit(0, {
      startedAt: H9 + 50 * 60_000,
      endedAt: H10 + 20 * 60_000,
      zones: [{ zoneId: 'aisle-1', enteredAt: H9 + 50 * 60_000, exitedAt: H10 + 20 * 60_000 }],
    });
    const nine = hour({ visits: [long], counts: [] });
    const ten = computeBucket({
      storeId: 'demo',
      bucket: '1h',
      bucketStart: H10,
      timeZone: 'UTC',
      visits: [long],
      counts: [],
    });
    expect(find(nine, 'occupancy')?.value).toBe(10 * 60_000);
    expect(find(ten, 'occupancy')?.value).toBe(20 * 60_000);
    // the visit itself counts once, in the hour it started
    expect(find(nine, 'visits')?.value).toBe(1);
    expect(find(ten, 'visits')).toBeUndefined();
    expect(touchedBuckets({ visits: [long], counts: [], size: '1h', timeZone: 'UTC' })).toEqual([
      H9,
      H10,
    ]);
  });

  it('keeps minute rows light and can restrict to count metrics', () => {
    const minute = computeBucket({
      storeId: 'demo',
      bucket: '1m',
      bucketStart: H9,
      timeZone: 'UTC',
      visits,
      counts,
    });
    expect(new Set(minute.map((r) => r.metric))).toEqual(
      new Set(['visits', 'unique-visitors', 'occupancy', 'footfall-in', 'footfall-out']),
    );
    const onlyCounts = hour({ visits, counts, only: ['footfall-in', 'footfall-out'] } as never);
    expect(new Set(onlyCounts.map((r) => r.metric))).toEqual(
      new Set(['footfall-in', 'footfall-out']),
    );
  });
});

describe(mergeRows.name, () => {
  it('adds hours into a day', () => {
    const a = computeBucket({
      storeId: 'demo',
      bucket: '1h',
      bucketStart: H9,
      timeZone: 'UTC',
      visits: [visit(0)],
      counts: [count(H9, 2, 0)],
    });
    const b = computeBucket({
      storeId: 'demo',
      bucket: '1h',
      bucketStart: H10,
      timeZone: 'UTC',
      visits: [visit(60)],
      counts: [count(H10, 5, 1)],
    });
    const day = mergeRows([...a, ...b], { bucket: '1d', bucketStart: Date.UTC(2026, 0, 1) });
    expect(find(day, 'visits')).toMatchObject({ value: 2, bucket: '1d' });
    expect(find(day, 'footfall-in')?.value).toBe(7);
    expect(find(day, 'dwell')?.detail?.values).toEqual([60, 3660]);
    expect(find(day, 'heatmap')).toBeUndefined();
  });
});

describe(suppress.name, () => {
  it('hides figures from fewer than k subjects, but not zero', () => {
    expect(suppress(3, 3, 5)).toBeNull();
    expect(suppress(5, 5, 5)).toBe(5);
    expect(suppress(0, 0, 5)).toBe(0);
    expect(isSuppressed(4, 5)).toBe(true);
  });
});
