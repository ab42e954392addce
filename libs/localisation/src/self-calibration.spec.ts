import fc from 'fast-check';
import { buildFloorGrid, cellCrossings, crossingsAt } from './floor-grid.js';
import { selfCalibrate, type CalibrationWindow } from './self-calibration.js';
import { gaussians } from './testing/gaussians.js';

/** A 4 × 3 grid of anchors over a 24 m × 16 m floor. */
const anchors = Array.from({ length: 12 }, (_, i) => ({
  id: `a${i}`,
  x: 3 + (i % 4) * 6,
  y: 2 + Math.floor(i / 4) * 6,
  z: 0,
}));
const bounds = { minX: 0, minY: 0, maxX: 24, maxY: 16 };

/** Windows of `scans` readings at random points from the true model (σ static + fast). */
function survey(params: {
  power: number;
  exponent: number;
  offsets: number[];
  sigmaDb: number;
  windows: number;
  scans: number;
  seed: number;
  /** Readings below this are not heard, dBm. */
  floor?: number;
  /** Body shadowing: a gain of this amplitude by the bearing to the anchor, random heading, dB. */
  orientationDb?: number;
}): CalibrationWindow[] {
  const floor = params.floor ?? -95;
  const draw = gaussians(params.seed);
  const uniform = (): number => 0.5 + 0.5 * Math.tanh(draw());
  return Array.from({ length: params.windows }, () => {
    const x = 1 + 22 * uniform();
    const y = 1 + 14 * uniform();
    const heading = 2 * Math.PI * uniform();
    const readings = new Map<string, number[]>();
    anchors.forEach((a, i) => {
      const d = Math.max(0.1, Math.hypot(x - a.x, y - a.y));
      const bearing = Math.atan2(a.y - y, a.x - x);
      const mu =
        params.power +
        params.offsets[i]! -
        10 * params.exponent * Math.log10(d) +
        (params.orientationDb ?? 0) * Math.cos(bearing - heading);
      const shadow = 0.8 * params.sigmaDb * draw(); // the spot's own, shared by its scans
      const values: number[] = [];
      for (let k = 0; k < params.scans; k += 1) {
        const r = mu + shadow + 0.6 * params.sigmaDb * draw();
        if (r > floor) values.push(Math.round(r));
      }
      if (values.length > 0) readings.set(a.id, values);
    });
    return { readings, scans: params.scans };
  });
}

describe(selfCalibrate.name, () => {
  const grid = buildFloorGrid({ bounds }, 1);

  it('recovers exponent, per-anchor powers and σ from readings alone (no positions)', () => {
    const offsets = anchors.map((_, i) => [3, -2, 0, 4, -3, 1, -1, 2, -4, 0, 2, -2][i]!);
    const windows = survey({
      power: -55,
      exponent: 2.8,
      offsets,
      sigmaDb: 4,
      windows: 120,
      scans: 4,
      seed: 5,
      floor: -200,
    });
    const sut = selfCalibrate({ anchors, windows, grid, deviceHeight: 0 });
    expect(sut.quality.ok).toBe(true);
    expect(sut.pathLossExponent).toBeGreaterThan(2.3);
    expect(sut.pathLossExponent).toBeLessThan(3.3);
    // Per-anchor powers: relative to their mean, within 2 dB of the truth's.
    const fitted = anchors.map(
      (a) => sut.calibrations[a.id]!.measuredPower + sut.calibrations[a.id]!.receiverOffset,
    );
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const fm = mean(fitted);
    const om = mean(offsets);
    fitted.forEach((p, i) => expect(Math.abs(p - fm - (offsets[i]! - om))).toBeLessThan(2));
    expect(sut.model.sigmaDb).toBeGreaterThan(2.5);
    expect(sut.model.sigmaDb).toBeLessThan(6);
    // 0.8² of the variance is the spot's own: averaging scans does not remove it.
    expect(sut.model.correlatedShare).toBeGreaterThan(0.4);
    expect(sut.quality.samples).toBeGreaterThan(1000);
    expect(sut.quality.reason).toBeNull();
    // No body in these readings: (almost) no orientation gain.
    expect(sut.model.orientationGainDb).toBeLessThan(1.5);
  });

  it("finds the gain of the holder's orientation (body shadowing) from readings alone", () => {
    const offsets = anchors.map(() => 0);
    const windows = survey({
      power: -55,
      exponent: 2.8,
      offsets,
      sigmaDb: 3,
      windows: 120,
      scans: 4,
      seed: 9,
      floor: -200,
      orientationDb: 6,
    });
    const sut = selfCalibrate({ anchors, windows, grid, deviceHeight: 0 });
    expect(sut.quality.ok).toBe(true);
    // A cos of amplitude 6 dB is (a, b) with a² + b² = 36, so τ ≈ 6/√2 ≈ 4.2 dB per component;
    // the spots were fitted to the same readings, which hides part of it.
    expect(sut.model.orientationGainDb).toBeGreaterThan(2);
    expect(sut.model.orientationGainDb).toBeLessThan(6);
  });

  it('keeps every fitted value inside its sanity bounds, whatever the readings', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: -30, noNaN: true }),
        fc.double({ min: 0.8, max: 6, noNaN: true }),
        fc.double({ min: 1, max: 12, noNaN: true }),
        fc.integer({ min: 1, max: 1_000 }),
        (power, exponent, sigmaDb, seed) => {
          const windows = survey({
            power,
            exponent,
            offsets: anchors.map(() => 0),
            sigmaDb,
            windows: 25,
            scans: 2,
            seed,
          });
          const sut = selfCalibrate({
            anchors,
            windows,
            grid,
            deviceHeight: 0,
            options: { rounds: 2, maxPredictiveWindows: 10 },
          });
          expect(sut.pathLossExponent).toBeGreaterThanOrEqual(1.5);
          expect(sut.pathLossExponent).toBeLessThanOrEqual(4.5);
          expect(sut.model.sigmaDb).toBeGreaterThanOrEqual(1);
          expect(sut.model.sigmaDb).toBeLessThanOrEqual(15);
          expect(sut.model.correlatedShare).toBeGreaterThanOrEqual(0);
          expect(sut.model.correlatedShare).toBeLessThanOrEqual(0.95);
          for (const c of Object.values(sut.calibrations)) {
            expect(Number.isFinite(c.measuredPower + c.receiverOffset)).toBe(true);
          }
        },
      ),
      { numRuns: 5 },
    );
  });

  it('falls back, and says why, when too few windows were heard by three anchors', () => {
    const windows = survey({
      power: -55,
      exponent: 2.5,
      offsets: anchors.map(() => 0),
      sigmaDb: 3,
      windows: 4,
      scans: 1,
      seed: 9,
    });
    const sut = selfCalibrate({ anchors, windows, grid, deviceHeight: 0 });
    expect(sut.quality.ok).toBe(false);
    expect(sut.quality.reason).toMatch(/needs 10 windows with three or more anchors heard, has \d/);
    expect(sut.pathLossExponent).toBe(2.5);
  });

  it('fits the loss of the obstacles on the path (multi-wall) from readings alone', () => {
    // Two shelves across the floor: every path crossing one loses 6 dB.
    const shelves = [
      [
        { x: 8.5, y: 0.5 },
        { x: 9.5, y: 0.5 },
        { x: 9.5, y: 15.5 },
        { x: 8.5, y: 15.5 },
      ],
      [
        { x: 14.5, y: 0.5 },
        { x: 15.5, y: 0.5 },
        { x: 15.5, y: 15.5 },
        { x: 14.5, y: 15.5 },
      ],
    ];
    const walled = buildFloorGrid({ bounds, obstacles: shelves }, 1);
    const draw = gaussians(3);
    const windows: CalibrationWindow[] = [];
    for (let w = 0; w < 90; w += 1) {
      const free = [
        [1 + 7 * Math.abs(Math.sin(w)), 1 + 14 * Math.abs(Math.cos(w * 1.3))],
        [10 + 4 * Math.abs(Math.sin(w * 0.7)), 1 + 14 * Math.abs(Math.sin(w * 2.1))],
        [16 + 7 * Math.abs(Math.cos(w * 0.9)), 1 + 14 * Math.abs(Math.cos(w * 0.4))],
      ][w % 3]!;
      const [x, y] = free as [number, number];
      const readings = new Map<string, number[]>();
      for (const a of anchors) {
        const d = Math.max(0.1, Math.hypot(x - a.x, y - a.y));
        const walls = crossingsAt(walled, a, x, y);
        readings.set(a.id, [-50 - 25 * Math.log10(d) - 6 * walls + 2 * draw()]);
      }
      windows.push({ readings, scans: 1 });
    }
    const sut = selfCalibrate({
      anchors,
      windows,
      grid: walled,
      deviceHeight: 0,
      options: { rounds: 3, maxPredictiveWindows: 10 },
    });
    expect(sut.model.obstacleLossDb).toBeGreaterThan(4);
    expect(sut.model.obstacleLossDb).toBeLessThan(8);
  });
});

describe(crossingsAt.name, () => {
  const wall = [
    { x: 4, y: -10 },
    { x: 5, y: -10 },
    { x: 5, y: 10 },
    { x: 4, y: 10 },
  ];
  const grid = buildFloorGrid(
    { bounds: { minX: 0, minY: -5, maxX: 10, maxY: 5 }, obstacles: [wall] },
    1,
  );

  it('counts an obstacle between anchor and point once, and none beside them', () => {
    expect(crossingsAt(grid, { x: 1, y: 0 }, 8, 0)).toBe(1);
    expect(crossingsAt(grid, { x: 1, y: 0 }, 3, 4)).toBe(0);
    // An anchor mounted on the obstacle does not count it.
    expect(crossingsAt(grid, { x: 4.5, y: 0 }, 8, 0)).toBe(0);
    const table = cellCrossings(grid, { x: 1, y: 0 });
    expect(table.length).toBe(grid.size);
    for (let c = 0; c < grid.size; c += 1) {
      expect(table[c]).toBe(grid.cx[c]! > 5 ? 1 : 0);
    }
  });

  it('leaves no free cell inside an obstacle and refuses an empty plan', () => {
    for (let c = 0; c < grid.size; c += 1) {
      expect(grid.cx[c]! > 4 && grid.cx[c]! < 5).toBe(false);
    }
    expect(() => buildFloorGrid({ bounds: { minX: 0, minY: 0, maxX: 0, maxY: 5 } }, 1)).toThrow(
      'floor plan: empty bounds',
    );
  });
});
