import { occupancyCrossings } from './occupancy.js';

describe(occupancyCrossings.name, () => {
  it('reports upward and downward crossings, one per threshold', () => {
    expect(
      occupancyCrossings({ zoneId: null, previous: 4, occupancy: 21, thresholds: [20, 5, 50] }),
    ).toEqual([
      { zoneId: null, previous: 4, occupancy: 21, threshold: 5, direction: 'up' },
      { zoneId: null, previous: 4, occupancy: 21, threshold: 20, direction: 'up' },
    ]);
    expect(
      occupancyCrossings({ zoneId: 'a', previous: 20, occupancy: 4, thresholds: [5, 20] }).map(
        (c) => [c.threshold, c.direction],
      ),
    ).toEqual([
      [20, 'down'],
      [5, 'down'],
    ]);
  });

  it('says nothing when no threshold is crossed', () => {
    expect(
      occupancyCrossings({ zoneId: null, previous: 6, occupancy: 9, thresholds: [5, 10] }),
    ).toEqual([]);
    expect(
      occupancyCrossings({ zoneId: null, previous: 5, occupancy: 5, thresholds: [5] }),
    ).toEqual([]);
  });
});
