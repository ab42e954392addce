import fc from 'fast-check';
import { buildFloorGrid, isBlocked } from './floor-grid.js';
import {
  DEFAULT_ROBUST_MODEL,
  gridPosterior,
  normalCdf,
  type RobustModel,
} from './grid-posterior.js';
import type { Anchor, LinkMeasurement } from './link.js';
import { expectedRssi } from './path-loss.js';
import { gaussians } from './testing/gaussians.js';

const cal = { measuredPower: -50, pathLossExponent: 2.5, receiverOffset: 0 };
const anchorAt = (id: string, x: number, y: number, z = 0): Anchor => ({
  id,
  x,
  y,
  z,
  calibration: cal,
});
const square = [
  anchorAt('a', 0, 0),
  anchorAt('b', 20, 0),
  anchorAt('c', 20, 15),
  anchorAt('d', 0, 15),
];
const bounds = { minX: -1, minY: -1, maxX: 21, maxY: 16 };
const model = (over: Partial<RobustModel> = {}): RobustModel => ({
  ...DEFAULT_ROBUST_MODEL,
  radiusScale: 1,
  ...over,
});

function linksAt(
  anchors: readonly Anchor[],
  at: { x: number; y: number },
  noise: (i: number) => number = () => 0,
): LinkMeasurement[] {
  return anchors.map((anchor, i) => ({
    anchor,
    rssi:
      expectedRssi({
        calibration: anchor.calibration,
        distance: Math.hypot(at.x - anchor.x, at.y - anchor.y, anchor.z),
      }) + noise(i),
    weight: 1,
  }));
}

describe(gridPosterior.name, () => {
  const grid = buildFloorGrid({ bounds }, 1);

  it('finds the point of noise-free readings wherever it is (σ small: the fine grid resolves it)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 19, noNaN: true }),
        fc.double({ min: 1, max: 14, noNaN: true }),
        (x, y) => {
          const sut = gridPosterior({
            grid,
            links: linksAt(square, { x, y }),
            tx: { mean: 0, sigmaDb: 0 },
            deviceHeight: 0,
            model: model({ sigmaDb: 0.3 }),
          })!;
          // Within ~2 m of an anchor the σ = 0.3 dB posterior is sharper than the refinement step
          // and the fix can stay on the 1 m cell's centre (seen: (1.2032, 1) → (1.5, 1.0), 0.3000…
          // m off): there the bound is half a cell's diagonal. Elsewhere the fine grid resolves it.
          const nearAnchor = square.some((a) => Math.hypot(x - a.x, y - a.y) < 2);
          expect(Math.hypot(sut.x - x, sut.y - y)).toBeLessThan(nearAnchor ? Math.SQRT1_2 : 0.3);
        },
      ),
      { numRuns: 40, examples: [[1.2032, 1]] },
    );
  });

  it('moves with the layout: shifting anchors, plan and readings shifts the fix by the same', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: -50, max: 50 }),
        fc.double({ min: 2, max: 18, noNaN: true }),
        fc.double({ min: 2, max: 13, noNaN: true }),
        (dx, dy, x, y) => {
          const noise = (i: number): number => [3, -4, 2, -1][i]!;
          const at = (shiftX: number, shiftY: number) => {
            const anchors = square.map((a) => ({ ...a, x: a.x + shiftX, y: a.y + shiftY }));
            const g = buildFloorGrid(
              {
                bounds: {
                  minX: bounds.minX + shiftX,
                  minY: bounds.minY + shiftY,
                  maxX: bounds.maxX + shiftX,
                  maxY: bounds.maxY + shiftY,
                },
              },
              1,
            );
            return gridPosterior({
              grid: g,
              links: linksAt(anchors, { x: x + shiftX, y: y + shiftY }, noise),
              tx: { mean: 0, sigmaDb: 6 },
              deviceHeight: 0,
              model: model(),
            })!;
          };
          const base = at(0, 0);
          const moved = at(dx, dy);
          expect(moved.x - dx).toBeCloseTo(base.x, 6);
          expect(moved.y - dy).toBeCloseTo(base.y, 6);
          expect(moved.radius68).toBeCloseTo(base.radius68, 6);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('states a 68 % radius that holds the truth 60–76 % of the time when the model is right', () => {
    const draw = gaussians(11);
    const sigma = 4;
    let covered68 = 0;
    let covered95 = 0;
    const trials = 300;
    for (let t = 0; t < trials; t += 1) {
      // Uniform over the plan (the solver's prior), from the same deterministic stream.
      const truth = {
        x: bounds.minX + (bounds.maxX - bounds.minX) * normalCdf(draw()),
        y: bounds.minY + (bounds.maxY - bounds.minY) * normalCdf(draw()),
      };
      const fix = gridPosterior({
        grid,
        links: linksAt(square, truth, () => sigma * draw()),
        tx: { mean: 0, sigmaDb: 0 },
        deviceHeight: 0,
        model: model({ sigmaDb: sigma, huberK: Infinity }),
      })!;
      const error = Math.hypot(fix.x - truth.x, fix.y - truth.y);
      if (error <= fix.radius68) covered68 += 1;
      if (error <= fix.radius95) covered95 += 1;
    }
    expect(covered68 / trials).toBeGreaterThan(0.6);
    expect(covered68 / trials).toBeLessThan(0.76);
    expect(covered95 / trials).toBeGreaterThan(0.9);
  });

  it('lets one reflected reading (+25 dB) pull the fix less than a Gaussian model does', () => {
    const truth = { x: 14, y: 5 };
    const anchors = [...square, anchorAt('e', 10, 7.5), anchorAt('f', 5, 10)];
    const links = linksAt(anchors, truth, (i) => (i === 3 ? 25 : 0));
    const fixWith = (huberK: number) =>
      gridPosterior({
        grid,
        links,
        tx: { mean: 0, sigmaDb: 0 },
        deviceHeight: 0,
        model: model({ sigmaDb: 4, huberK }),
      })!;
    const robust = fixWith(2);
    const gaussian = fixWith(Infinity);
    const errorOf = (f: { x: number; y: number }) => Math.hypot(f.x - truth.x, f.y - truth.y);
    expect(errorOf(robust)).toBeLessThan(errorOf(gaussian) * 0.8);
  });

  it('never puts its most probable cell inside an obstacle, and keeps every fix in the plan', () => {
    const shelf = [
      { x: 8, y: 3 },
      { x: 12, y: 3 },
      { x: 12, y: 12 },
      { x: 8, y: 12 },
    ];
    const blocked = buildFloorGrid({ bounds, obstacles: [shelf] }, 1);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 19, noNaN: true }),
        fc.double({ min: 1, max: 14, noNaN: true }),
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (x, y, noise) => {
          const sut = gridPosterior({
            grid: blocked,
            links: linksAt(square, { x, y }, (i) => noise[i]!),
            tx: { mean: 0, sigmaDb: 6 },
            deviceHeight: 0,
            model: model(),
          })!;
          expect(isBlocked(blocked, sut.mode)).toBe(false);
          expect(sut.x).toBeGreaterThanOrEqual(bounds.minX);
          expect(sut.x).toBeLessThanOrEqual(bounds.maxX);
          expect(sut.y).toBeGreaterThanOrEqual(bounds.minY);
          expect(sut.y).toBeLessThanOrEqual(bounds.maxY);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('takes an unheard anchor as evidence of distance only when the model censors', () => {
    // Heard by a and b alone, equally: the line between them; an unheard d (top left) pushes right.
    const links = linksAt([square[0]!, square[1]!], { x: 10, y: 4 });
    const fix = (censoring: RobustModel['censoring']) =>
      gridPosterior({
        grid,
        links,
        unheard: [square[3]!],
        tx: { mean: 0, sigmaDb: 0 },
        deviceHeight: 0,
        model: model({ sigmaDb: 4, censoring }),
      })!;
    const free = fix(null);
    const censored = fix({ floorDbm: -80, missProbability: 0.1 });
    const fromD = (f: { x: number; y: number }) => Math.hypot(f.x - 0, f.y - 15);
    expect(fromD(censored)).toBeGreaterThan(fromD(free) + 0.5);
    // Always missed: unheard says nothing.
    const useless = fix({ floorDbm: -80, missProbability: 1 });
    expect(useless.x).toBeCloseTo(free.x, 9);
    expect(useless.y).toBeCloseTo(free.y, 9);
  });

  it("integrates out the holder's orientation: a shadowed side moves the fix less, and the radius says so", () => {
    // Eight anchors around a 20 × 15 m floor; the body takes up to 6 dB from the anchors behind it.
    const ring = [
      ...square,
      anchorAt('e', 10, 0),
      anchorAt('f', 20, 7.5),
      anchorAt('g', 10, 15),
      anchorAt('h', 0, 7.5),
    ];
    const draw = gaussians(11);
    const errors = { plain: [] as number[], oriented: [] as number[] };
    const covered = { plain: 0, oriented: 0 };
    const runs = 60;
    for (let k = 0; k < runs; k += 1) {
      const at = { x: 5 + 10 * ((k * 0.618) % 1), y: 4 + 7 * ((k * 0.382) % 1) };
      const heading = (2 * Math.PI * k) / runs;
      const links = linksAt(ring, at, (i) => {
        const a = ring[i]!;
        return 6 * Math.cos(Math.atan2(a.y - at.y, a.x - at.x) - heading) + 2 * draw();
      });
      for (const [name, tau] of [
        ['plain', 0],
        ['oriented', 4],
      ] as const) {
        const fix = gridPosterior({
          grid,
          links,
          tx: { mean: 0, sigmaDb: 6 },
          deviceHeight: 0,
          model: model({ sigmaDb: 2, orientationGainDb: tau }),
        })!;
        const e = Math.hypot(fix.x - at.x, fix.y - at.y);
        errors[name].push(e);
        if (e <= fix.radius68) covered[name] += 1;
      }
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(errors.oriented)).toBeLessThan(mean(errors.plain));
    // Without the term the 68 % radius is far too tight; with it, near its rate.
    expect(covered.plain / runs).toBeLessThan(0.5);
    expect(covered.oriented / runs).toBeGreaterThan(0.55);
    expect(covered.oriented / runs).toBeLessThan(0.9);
    // τ = 0 is exactly the model without the term.
    const links = linksAt(ring, { x: 7, y: 6 }, () => 2 * draw());
    const a = gridPosterior({
      grid,
      links,
      tx: { mean: 0, sigmaDb: 6 },
      deviceHeight: 0,
      model: model(),
    })!;
    const b = gridPosterior({
      grid,
      links,
      tx: { mean: 0, sigmaDb: 6 },
      deviceHeight: 0,
      model: model({ orientationGainDb: 0 }),
    })!;
    expect(b.x).toBe(a.x);
    expect(b.y).toBe(a.y);
  });

  it('returns null without usable links', () => {
    expect(
      gridPosterior({
        grid,
        links: [{ anchor: square[0]!, rssi: NaN, weight: 1 }],
        tx: { mean: 0, sigmaDb: 6 },
        deviceHeight: 0,
        model: model(),
      }),
    ).toBeNull();
  });
});

describe(normalCdf.name, () => {
  it('is a symmetric, increasing CDF with the known quantiles', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    fc.assert(
      fc.property(
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (z, step) => {
          expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 7);
          expect(normalCdf(z + step)).toBeGreaterThanOrEqual(normalCdf(z) - 1e-12);
        },
      ),
    );
  });
});
