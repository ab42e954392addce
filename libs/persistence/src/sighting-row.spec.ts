import type { CameraSighting, RadioSighting } from '@aisle/sdk';
import fc from 'fast-check';
import { isoTime, sightingProblem, toSightingRow, toSightingValues } from './sighting-row.js';

const T0 = Date.UTC(2026, 0, 1, 9);
const radio: RadioSighting = {
  storeId: 'demo',
  sensorId: 's1',
  kind: 'wifi',
  at: T0 + 1234,
  period: T0,
  subject: 'ab12',
  rssi: -61,
  randomized: true,
};
const camera: CameraSighting = {
  storeId: 'demo',
  sensorId: 'cam',
  kind: 'camera',
  at: T0 + 60_000,
  period: T0,
  lineId: 'door',
  entries: 3,
  exits: 1,
  intervalStart: T0,
};

describe(toSightingRow.name, () => {
  it('maps a radio sighting, optional fields null and flags false', () => {
    expect(toSightingRow(radio)).toEqual({
      storeId: 'demo',
      sensorId: 's1',
      kind: 'wifi',
      at: new Date(T0 + 1234),
      period: new Date(T0),
      subject: 'ab12',
      rssi: -61,
      randomized: true,
      beacon: false,
      channel: null,
      txPower: null,
      fingerprint: null,
      lineId: null,
      zoneId: null,
      entries: null,
      exits: null,
      occupancy: null,
      intervalStart: null,
    });
  });

  it('keeps every optional radio field', () => {
    const row = toSightingRow({
      ...radio,
      kind: 'ble',
      beacon: true,
      channel: 37,
      txPower: -59,
    });

    expect(row).toMatchObject({
      kind: 'ble',
      beacon: true,
      channel: 37,
      txPower: -59,
    });
  });

  it('never stores the element fingerprint or the sequence number (in-memory association only)', () => {
    const row = toSightingRow({ ...radio, fingerprint: 'keyed-fp', seq: 4001 });

    expect(row.fingerprint).toBeNull();
    expect(JSON.stringify(row)).not.toMatch(/keyed-fp|4001/);
  });

  it('maps a camera sighting without radio fields', () => {
    expect(toSightingRow({ ...camera, zoneId: 'z1', occupancy: 7, subject: 'track' })).toEqual({
      storeId: 'demo',
      sensorId: 'cam',
      kind: 'camera',
      at: new Date(T0 + 60_000),
      period: new Date(T0),
      subject: 'track',
      rssi: null,
      randomized: false,
      beacon: false,
      channel: null,
      txPower: null,
      fingerprint: null,
      lineId: 'door',
      zoneId: 'z1',
      entries: 3,
      exits: 1,
      occupancy: 7,
      intervalStart: new Date(T0),
    });
  });

  it('stores RSSI and TX power in whole dB', () => {
    expect(toSightingRow({ ...radio, rssi: -67.4, txPower: -58.6 })).toMatchObject({
      rssi: -67,
      txPower: -59,
    });
  });
});

describe(toSightingValues.name, () => {
  it('is the row with epoch-ms times', () => {
    const values = toSightingValues({ ...camera, at: T0 + 1.9 });

    expect(values).toMatchObject({ at: T0 + 1, period: T0, intervalStart: T0 });
    expect(toSightingRow({ ...camera, at: T0 + 1.9 }).at).toEqual(new Date(T0 + 1));
  });
});

describe(sightingProblem.name, () => {
  it('accepts well-formed rows', () => {
    expect(sightingProblem(toSightingValues(radio))).toBeNull();
    expect(sightingProblem(toSightingValues(camera))).toBeNull();
  });

  it.each([
    ['an empty store id', { ...radio, storeId: '' }, /storeId/],
    ['a NUL in the subject', { ...radio, subject: 'a\u0000b' }, /subject contains a NUL/],
    ['an RSSI beyond smallint', { ...radio, rssi: 40000 }, /rssi must be an integer/],
    ['a non-finite RSSI', { ...radio, rssi: NaN }, /rssi/],
    ['a fractional channel', { ...radio, channel: 1.5 }, /channel/],
    ['a count beyond integer', { ...camera, entries: 2 ** 31 }, /entries/],
    ['an invalid time', { ...radio, at: NaN }, /at must be a valid time/],
    ['a time past year 9999', { ...radio, at: Date.UTC(10000, 0, 1) }, /at must be a valid time/],
    ['an unknown kind', { ...radio, kind: 'lidar' as 'wifi' }, /kind/],
  ])('names the field for %s', (_name, sighting, problem) => {
    expect(sightingProblem(toSightingValues(sighting))).toMatch(problem);
  });
});

describe(isoTime.name, () => {
  it('formats like toISOString for every time in years 1..9999', () => {
    const min = new Date(0).setUTCFullYear(1, 0, 1);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [min, max, 0, -1, 59_999, 60_000, T0, T0 + 999]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('stays right when times of a few minutes alternate (its per-minute cache)', () => {
    // A row's `at` and its day-aligned `period`, and a third minute now and then.
    const minutes = [T0 - (T0 % 86_400_000), T0, T0 + 3 * 60_000];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 59_999 })), {
          minLength: 1,
          maxLength: 50,
        }),
        (times) => {
          for (const [m, offset] of times) {
            const ms = minutes[m]! - (minutes[m]! % 60_000) + offset;
            expect(isoTime(ms)).toBe(new Date(ms).toISOString());
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
