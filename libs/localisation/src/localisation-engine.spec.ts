import type { PositionUpdate } from '@aisle/sdk';
import { LocalisationEngine, type EngineSighting } from './localisation-engine.js';
import { expectedRssi } from './path-loss.js';

const sensors = [
  { id: 's1', x: 2, y: 2 },
  { id: 's2', x: 18, y: 2 },
  { id: 's3', x: 18, y: 12 },
  { id: 's4', x: 2, y: 12 },
  { id: 's5', x: 10, y: 7 },
];
const zones = [
  {
    id: 'left',
    polygon: [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 14 },
      { x: 0, y: 14 },
    ],
  },
  {
    id: 'right',
    polygon: [
      { x: 10, y: 0 },
      { x: 20, y: 0 },
      { x: 20, y: 14 },
      { x: 10, y: 14 },
    ],
  },
];
const cal = { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 };
/** Deterministic ±2 dB "noise". */
const wobble = (i: number): number => 2 * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

function sightingsAt(params: {
  subject: string;
  at: number;
  x: number;
  y: number;
  tx?: number;
  seed?: number;
}): EngineSighting[] {
  return sensors.map((s, i) => ({
    storeId: 'shop',
    sensorId: s.id,
    subject: params.subject,
    period: 0,
    kind: 'ble',
    at: params.at,
    rssi:
      expectedRssi({
        calibration: cal,
        distance: Math.hypot(params.x - s.x, params.y - s.y, 1.3),
        txOffset: params.tx ?? 0,
      }) + wobble((params.seed ?? 0) + i + params.at / 1000),
  }));
}

describe(LocalisationEngine.name, () => {
  function engine(
    options: ConstructorParameters<typeof LocalisationEngine>[0] = {},
  ): LocalisationEngine {
    const sut = new LocalisationEngine(options);
    sut.setStore({ storeId: 'shop', sensors, zones });
    return sut;
  }

  it('turns sightings into tracked positions with uncertainty and a zone', () => {
    const sut = engine();
    let last: PositionUpdate | null = null;
    for (let t = 0; t < 20_000; t += 1_000) {
      for (const s of sightingsAt({ subject: 'aa', at: t, x: 15, y: 9, tx: 3 })) sut.add(s);
      const updates = sut.update(t + 500);
      expect(updates).toHaveLength(1);
      last = updates[0]!;
    }
    if (!last) throw new Error('no update');
    expect(last).toMatchObject({
      storeId: 'shop',
      subject: 'aa',
      kind: 'ble',
      zoneId: 'right',
      method: 'multilateration',
      sensorCount: 5,
    });
    expect(Math.hypot(last.x - 15, last.y - 9)).toBeLessThan(1.5);
    expect(last.uncertainty).toBeGreaterThan(0);
    expect(last.uncertainty).toBeLessThan(3);
  });

  it('still locates a subject whose sightings reach it later than its window (pipeline lag)', () => {
    const sut = engine();
    let last: PositionUpdate | null = null;
    for (let t = 0; t < 10_000; t += 1_000) {
      for (const s of sightingsAt({ subject: 'late', at: t, x: 15, y: 9 })) sut.add(s);
      // Each second's readings arrive 2.5 s after they were taken: longer than the tracked window.
      const updates = sut.update(t + 2_500);
      expect(updates).toHaveLength(1);
      last = updates[0]!;
    }
    expect(last?.zoneId).toBe('right');
    expect(Math.hypot(last!.x - 15, last!.y - 9)).toBeLessThan(3);
  });

  it('only updates subjects heard since the last update', () => {
    const sut = engine();
    for (const s of sightingsAt({ subject: 'aa', at: 0, x: 5, y: 5 })) sut.add(s);
    expect(sut.update(100)).toHaveLength(1);
    expect(sut.update(1_100)).toHaveLength(0);
  });

  it('rejects sightings for unknown stores, unknown sensors and non-finite values, and counts them', () => {
    const sut = engine();
    const good = sightingsAt({ subject: 'aa', at: 0, x: 5, y: 5 })[0]!;
    expect(sut.add({ ...good, storeId: 'other' })).toBe(false);
    expect(sut.add({ ...good, sensorId: 'nope' })).toBe(false);
    expect(sut.add({ ...good, rssi: NaN })).toBe(false);
    expect(sut.add({ ...good, at: Infinity })).toBe(false);
    expect(sut.stats().rejected).toBe(4);
    expect(sut.update(0)).toHaveLength(0);
  });

  it('never emits a non-finite position, whatever the readings', () => {
    const sut = engine();
    const extremes = [-127, 20, -1e9, 1e9, -0.0001];
    extremes.forEach((rssi, i) => {
      for (const s of sensors) {
        sut.add({
          storeId: 'shop',
          sensorId: s.id,
          subject: 'x',
          period: 0,
          kind: 'wifi',
          at: i * 1_000,
          rssi,
        });
      }
      for (const u of sut.update(i * 1_000 + 1)) {
        for (const v of [u.x, u.y, u.uncertainty]) expect(Number.isFinite(v)).toBe(true);
      }
    });
  });

  it('does not flap zones for a subject standing on the boundary', () => {
    const sut = engine();
    const seen: (string | null)[] = [];
    for (let t = 0; t < 120_000; t += 1_000) {
      for (const s of sightingsAt({ subject: 'still', at: t, x: 10.2, y: 7, seed: 7 })) sut.add(s);
      seen.push(sut.update(t + 200)[0]!.zoneId);
    }
    const flaps = seen.filter((z, i) => i > 0 && z !== seen[i - 1]).length;
    expect(flaps).toBe(0);
  });

  it('settles on a standing subject: its uncertainty shrinks well below a single fix', () => {
    const sut = engine();
    let first = Infinity;
    let last = Infinity;
    for (let t = 0; t < 60_000; t += 1_000) {
      for (const s of sightingsAt({ subject: 'still', at: t, x: 6, y: 5, seed: 3 })) sut.add(s);
      const [u] = sut.updateDetailed(t + 200);
      if (t === 0) first = u!.fix.uncertainty;
      last = u!.position.uncertainty;
      expect(Math.hypot(u!.position.x - 6, u!.position.y - 5)).toBeLessThan(3);
    }
    expect(last).toBeLessThan(0.6 * first);
  });

  it('keeps up with a walking subject (fixes describe the readings’ mean time)', () => {
    const lagged = (options: ConstructorParameters<typeof LocalisationEngine>[0]): number => {
      const sut = engine({ trackedWindowMs: 4_000, ...options });
      let error = 0;
      for (let t = 0; t <= 14_000; t += 1_000) {
        const x = 3 + t / 1_000;
        for (const s of sightingsAt({ subject: 'walker', at: t, x, y: 7, seed: 5 })) sut.add(s);
        const [u] = sut.update(t + 100);
        error = Math.abs(u!.x - x);
      }
      return error;
    };
    expect(lagged({})).toBeLessThan(lagged({ lagCompensation: false }));
  });

  it('dates each fix at its readings’ mean time, the position at the update', () => {
    const sut = engine({ trackedWindowMs: 4_000 });
    for (const t of [0, 1_000, 2_000]) {
      for (const s of sightingsAt({ subject: 'walker', at: t, x: 5 + t / 1_000, y: 7 })) {
        sut.add(s);
      }
    }
    const [u] = sut.updateDetailed(2_500);
    expect(u!.fixAt).toBe(1_000);
    expect(u!.position.at).toBe(2_500);
  });

  it('evicts idle subjects and caps how many it tracks', () => {
    const sut = engine({ idleMs: 60_000, maxSubjects: 10 });
    for (let i = 0; i < 25; i += 1) {
      for (const s of sightingsAt({ subject: `s${i}`, at: 0, x: 5, y: 5 })) sut.add(s);
    }
    expect(sut.stats().subjects).toBe(10);
    sut.update(1_000);
    sut.update(70_000);
    expect(sut.stats().subjects).toBe(0);
  });

  it('at the cap drops the least recently heard 1/64 at once, and counts them', () => {
    const sut = engine({ idleMs: 3_600_000, maxSubjects: 640 });
    for (let i = 0; i < 640; i += 1) {
      sut.add({
        storeId: 'shop',
        sensorId: 's1',
        subject: `s${i}`,
        period: 1,
        kind: 'wifi',
        rssi: -60,
        at: i,
      });
    }
    expect(sut.stats()).toMatchObject({ subjects: 640, evicted: 0 });
    sut.add({
      storeId: 'shop',
      sensorId: 's1',
      subject: 'new',
      period: 1,
      kind: 'wifi',
      rssi: -60,
      at: 1_000,
    });
    // 10 of 640 gone (s0…s9, the least recently heard), then the new one tracked.
    expect(sut.stats()).toMatchObject({ subjects: 631, evicted: 10 });
    const kept = new Set(sut.update(2_000).map((u) => u.subject));
    expect(kept.has('s9')).toBe(false);
    expect(kept.has('s10')).toBe(true);
    expect(kept.has('new')).toBe(true);
  });

  it('keeps stores apart and forgets a removed store', () => {
    const sut = engine();
    sut.setStore({ storeId: 'other', sensors, zones });
    for (const s of sightingsAt({ subject: 'aa', at: 0, x: 5, y: 5 })) {
      sut.add(s);
      sut.add({ ...s, storeId: 'other' });
    }
    expect(sut.stats().subjects).toBe(2);
    sut.removeStore('other');
    const updates = sut.update(10);
    expect(updates.map((u) => u.storeId)).toEqual(['shop']);
  });
  it('recalibrates a store in place: tracks survive and the next fixes use the new model', () => {
    // Readings made with a 3 dB hotter receiver on s1 and exponent 3 instead of the configured 2.5.
    const truth = { ...cal, pathLossExponent: 3 };
    const readings = (at: number): EngineSighting[] =>
      sensors.map((s) => ({
        storeId: 'shop',
        sensorId: s.id,
        subject: 'aa',
        period: 0,
        kind: 'ble',
        at,
        rssi:
          expectedRssi({ calibration: truth, distance: Math.hypot(6 - s.x, 4 - s.y, 1.3) }) +
          (s.id === 's1' ? 3 : 0),
      }));
    const sut = engine({ tracking: false });
    for (const s of readings(0)) sut.add(s);
    const before = sut.update(500)[0]!;
    expect(
      sut.recalibrate(
        'shop',
        sensors.map((s) => ({
          ...s,
          pathLossExponent: 3,
          receiverOffset: s.id === 's1' ? 3 : 0,
        })),
      ),
    ).toBe(true);
    expect(sut.stats().subjects).toBe(1);
    for (const s of readings(1_000)) sut.add(s);
    const after = sut.update(1_500)[0]!;
    const errorBefore = Math.hypot(before.x - 6, before.y - 4);
    const errorAfter = Math.hypot(after.x - 6, after.y - 4);
    expect(errorAfter).toBeLessThan(0.5);
    expect(errorAfter).toBeLessThan(errorBefore / 2);
    expect(sut.recalibrate('shop', sensors.slice(1))).toBe(false);
    expect(sut.recalibrate('nowhere', sensors)).toBe(false);
  });
});
