import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateSurveyCrossValidated,
  knn,
  parseUjiObstacles,
  radiusScaleCrossValidated,
} from './survey-cv.js';
import { parseUjiSurvey } from './uji-survey.js';

const DIR = join(process.cwd(), '..', 'shared', 'data', 'uji-ble-library');
const read = (path: string): string => readFileSync(join(DIR, path), 'utf8');

describe(evaluateSurveyCrossValidated.name, () => {
  const survey = parseUjiSurvey({
    dep: read('dep/lib.csv'),
    rss: read('rss/lib_rss.csv'),
    crd: read('rss/lib_crd.csv'),
    ids: read('rss/lib_ids.csv'),
  });
  const obstacles = parseUjiObstacles(read('obs/lib.csv'));

  it('reads the shelves and pillars of the survey (33 polygons)', () => {
    expect(obstacles).toHaveLength(33);
    expect(obstacles.every((o) => o.length >= 5)).toBe(true);
  });

  it('self-calibrates on half the points without their positions and beats the baselines on the other half (collection set 2, every 2nd scan)', () => {
    const sut = evaluateSurveyCrossValidated({
      survey,
      obstacles,
      options: { every: 2, sets: ['2'] },
    });
    // Two folds, each fitted from 58 windows without a single position.
    expect(sut.fits).toHaveLength(2);
    for (const fit of sut.fits) {
      expect(fit.quality.ok).toBe(true);
      expect(fit.pathLossExponent).toBeGreaterThan(1.5);
      expect(fit.pathLossExponent).toBeLessThan(4.5);
      expect(fit.sigmaDb).toBeGreaterThan(2);
      expect(fit.sigmaDb).toBeLessThan(10);
    }
    const { singleScan, window } = sut;
    expect(singleScan.fixes).toBeGreaterThan(250);
    // One scan: better median than nearest and centroid, and a much shorter tail.
    expect(singleScan.aisle.median).toBeLessThan(singleScan.bestBaselineMedian);
    expect(singleScan.aisle.p95).toBeLessThan(singleScan.centroid.p95);
    expect(singleScan.aisle.p95).toBeLessThan(singleScan.leastSquares.p95);
    // Self-calibration is as good as a fit to the surveyed positions (within 5 %).
    expect(singleScan.aisle.median).toBeLessThan(1.05 * singleScan.aisleSurveyed.median);
    // Per-point windows: level with the centroid's median (±5 %), a shorter tail.
    expect(window.aisle.median).toBeLessThan(1.05 * window.centroid.median);
    expect(window.aisle.p95).toBeLessThan(window.centroid.p95);
    // Fingerprinting needs the training positions and still does worse between surveyed points.
    expect(singleScan.knn.median).toBeGreaterThan(singleScan.aisle.median);
    // The stated radii mean something: more fixes inside the 95 % one than the 68 % one.
    expect(singleScan.aisle.coverage95!).toBeGreaterThan(singleScan.aisle.coverage68!);
    // With the holder's orientation integrated out, the 68 % radius covers near its rate, one
    // scan and window alike (without it: 0.56 and 0.41 on the whole survey).
    for (const r of [singleScan, window]) {
      expect(r.aisle.coverage68!).toBeGreaterThan(0.55);
      expect(r.aisle.coverage68!).toBeLessThan(0.85);
    }
    expect(sut.fits.every((f) => f.orientationGainDb > 0.3)).toBe(true);
    // The long tail is the scans that caught only one to three beacons.
    const few = singleScan.bySensorsHeard['1-3'];
    const many = singleScan.bySensorsHeard['4+'];
    expect(few.fixes + many.fixes).toBe(singleScan.fixes);
    expect(few.aisle.median).toBeGreaterThan(many.aisle.median);
    expect(many.aisle.p95 / many.aisle.median).toBeLessThan(singleScan.aisleTailRatio);
  });
});

describe(radiusScaleCrossValidated.name, () => {
  it('learns the scale on the other data sets and judges it on the held-out one', () => {
    // Set a: errors = radius (needs k = 1); b: errors = 2 × radius (needs k = 2).
    const a = Array.from({ length: 100 }, (_, i) => ({ error: (i + 1) / 100, radius: 1 }));
    const b = Array.from({ length: 100 }, (_, i) => ({ error: (2 * (i + 1)) / 100, radius: 1 }));
    const sut = radiusScaleCrossValidated(
      [
        { name: 'a', samples: a },
        { name: 'b', samples: b },
      ],
      0.68,
    );
    // Held out a: the scale learned on b alone (1.36) covers all of a; and the other way round.
    expect(sut.heldOut[0]!.scale).toBeCloseTo(1.36, 2);
    expect(sut.heldOut[0]!.coverage).toBe(1);
    expect(sut.heldOut[1]!.scale).toBeCloseTo(0.68, 2);
    expect(sut.heldOut[1]!.coverage).toBe(0.34);
    expect(sut.pooledScale).toBeGreaterThan(0.68);
    expect(sut.pooledScale).toBeLessThan(1.36);
  });
});

describe(knn.name, () => {
  it('averages the positions of the k closest fingerprints', () => {
    const prints = [
      { x: 0, y: 0, v: [-50, -80] },
      { x: 10, y: 0, v: [-80, -50] },
      { x: 2, y: 0, v: [-55, -75] },
    ];
    expect(knn([-52, -78], prints, 2)).toEqual({ x: 1, y: 0 });
    expect(knn([-52, -78], [], 2)).toBeNull();
  });
});
