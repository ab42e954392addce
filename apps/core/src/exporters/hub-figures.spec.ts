import { STORE_ZONE, type RollupRow } from '@aisle/aggregation';
import { FakeClock } from '@aisle/sdk/testing';
import type { StoreSnapshot } from '../stores/store-snapshot.js';
import { HubFigures } from './hub-figures.js';

const NOW = Date.UTC(2026, 11, 7, 15, 0, 0);
const DAY = Date.UTC(2026, 11, 7, 0, 0, 0);

const store = {
  id: 's1',
  name: 'Store 1',
  timezone: 'UTC',
  zones: [
    { id: 'entrance', name: 'Entrance', tags: ['entrance'] },
    { id: 'pharmacy', name: 'Pharmacy', tags: ['pharmacy', 'sensitive'] },
    { id: 'checkout', name: 'Checkout', tags: [] },
  ],
  sensors: [
    { id: 'cam', storeId: 's1', domain: 'camera-counter', enabled: true },
    { id: 'old', storeId: 's1', domain: 'aisle-mqtt', enabled: false },
  ],
} as unknown as StoreSnapshot;

function row(metric: RollupRow['metric'], value: number, subjects = value): RollupRow {
  return {
    storeId: 's1',
    zoneId: STORE_ZONE,
    bucket: '1d',
    bucketStart: DAY,
    metric,
    value,
    subjects,
    detail: null,
  };
}

describe(HubFigures.name, () => {
  function sut(rows: RollupRow[], live: { store: number; zones: [string, number][] }): HubFigures {
    return new HubFigures({
      directory: {
        get: (id) => (id === 's1' ? store : undefined),
        storeIds: () => ['s1'],
        minSubjects: () => 5,
      },
      clock: new FakeClock(NOW),
      rollups: { rows: () => Promise.resolve(rows) },
      liveOccupancy: () => ({ store: live.store, zones: new Map(live.zones) }),
      sensorAvailability: () => [{ sensorId: 'cam', available: true }],
    });
  }

  it('suppresses every figure from fewer than k subjects, and leaves sensitive zones out', async () => {
    const figures = await sut([row('footfall-in', 3), row('footfall-out', 12)], {
      store: 4,
      zones: [
        ['entrance', 0],
        ['checkout', 6],
      ],
    }).read('s1');
    expect(figures).toMatchObject({
      storeId: 's1',
      k: 5,
      occupancy: [
        { zoneId: null, value: null },
        { zoneId: 'checkout', value: 6 },
        { zoneId: 'entrance', value: 0 },
      ],
      footfallInToday: null,
      footfallOutToday: 12,
      sensors: [{ sensorId: 'cam', domain: 'camera-counter', available: true }],
    });
    expect(JSON.stringify(figures)).not.toMatch(/pharmacy/i);
  });

  it('reads today as 0 when nothing was counted yet, and is undefined for an unknown store', async () => {
    const figures = await sut([], { store: 0, zones: [] }).read('s1');
    expect(figures?.footfallInToday).toBe(0);
    expect(figures?.footfallOutToday).toBe(0);
    expect(await sut([], { store: 0, zones: [] }).read('nope')).toBeUndefined();
  });
});
