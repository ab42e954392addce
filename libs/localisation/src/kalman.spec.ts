import { GAUSSIAN_RADIUS_68 } from './locate.js';
import {
  DEFAULT_KALMAN,
  predictStationary,
  predictTrack,
  splitFixVariance,
  startTrack,
  trackUncertainty,
  updateTrack,
} from './kalman.js';
import { gaussians } from './testing/gaussians.js';

describe(updateTrack.name, () => {
  it('averages noisy fixes of a static subject and shrinks the uncertainty', () => {
    const noise = [0.8, -1.1, 0.3, -0.4, 1.2, -0.9, 0.5, -0.2, 0.7, -0.6];
    let sut = startTrack(0, 5 + noise[0]!, 5, 2);
    for (let i = 1; i < 40; i += 1) {
      sut = updateTrack(predictTrack(sut, i * 1_000), {
        x: 5 + noise[i % 10]!,
        y: 5 - noise[(i + 3) % 10]!,
        variance: 2,
      });
    }
    expect(Math.hypot(sut.s[0] - 5, sut.s[1] - 5)).toBeLessThan(0.5);
    expect(trackUncertainty(sut)).toBeLessThan(Math.sqrt(4));
  });

  it('follows a subject walking at constant speed', () => {
    let sut = startTrack(0, 0, 0, 1);
    for (let i = 1; i <= 30; i += 1) {
      sut = updateTrack(predictTrack(sut, i * 1_000), { x: i, y: 0, variance: 0.5 });
    }
    expect(sut.s[2]).toBeCloseTo(1, 1);
    expect(Math.abs(sut.s[0] - 30)).toBeLessThan(0.5);
  });

  it('keeps the state finite for absurd inputs', () => {
    const sut = updateTrack(predictTrack(startTrack(0, 0, 0, 1), 1_000), {
      x: 1e200,
      y: -1e200,
      variance: 0,
    });
    expect(sut.s.every(Number.isFinite)).toBe(true);
  });
});

describe('updateTrack with a lagged fix', () => {
  it('removes the lag of fixes that describe the subject half a window ago', () => {
    // A subject walking at 1 m/s; every fix describes where it was 2 s before the update.
    let lagged = startTrack(0, -2, 0, 0.5);
    let naive = startTrack(0, -2, 0, 0.5);
    for (let i = 1; i <= 40; i += 1) {
      const fix = { x: i - 2, y: 0, variance: 0.5 };
      lagged = updateTrack(predictTrack(lagged, i * 1_000), { ...fix, lagS: 2 });
      naive = updateTrack(predictTrack(naive, i * 1_000), fix);
    }
    expect(Math.abs(lagged.s[0] - 40)).toBeLessThan(0.3);
    expect(Math.abs(naive.s[0] - 40)).toBeGreaterThan(1.5);
  });

  it('is the plain update for lag 0 and ignores a non-finite lag', () => {
    const p = predictTrack(startTrack(0, 0, 0, 1), 1_000);
    const fix = { x: 1, y: 2, variance: 1 };
    expect(updateTrack(p, { ...fix, lagS: 0 })).toEqual(updateTrack(p, fix));
    expect(updateTrack(p, { ...fix, lagS: Number.NaN })).toEqual(updateTrack(p, fix));
  });
});

describe('updateTrack with a persistent (bias) share', () => {
  /** A subject that barely moves: the filter averages many fixes. */
  const still = { ...DEFAULT_KALMAN, accelerationNoise: 0.001 };

  function standStill(
    fixes: { x: number; y: number }[],
    variance: number,
    biasVariance: number,
    o = still,
  ) {
    let sut = startTrack(0, fixes[0]!.x, fixes[0]!.y, variance, o, biasVariance);
    for (let i = 1; i < fixes.length; i += 1) {
      sut = updateTrack(
        predictTrack(sut, i * 1_000, o),
        { ...fixes[i]!, variance, biasVariance },
        o,
      );
    }
    return sut;
  }

  it('does not average a bias away: N fixes 1 m off in the same direction stay inside the 68 % circle', () => {
    const fixes = Array.from({ length: 40 }, (_, i) => ({ x: 6 + 0.1 * Math.sin(i), y: 5 }));
    const honest = standStill(fixes, 0.1, 1);
    const naive = standStill(fixes, 1.1, 0);
    const err = (t: { s: number[] }): number => Math.hypot(t.s[0]! - 5, t.s[1]! - 5);
    expect(err(honest)).toBeCloseTo(1, 0);
    expect(err(honest)).toBeLessThanOrEqual(GAUSSIAN_RADIUS_68 * trackUncertainty(honest));
    expect(trackUncertainty(honest)).toBeGreaterThan(0.9 * Math.sqrt(2));
    // Taken as independent the same fixes claim ~√(2·1.1/40) ≈ 0.2 m: the bias falls outside.
    expect(err(naive)).toBeGreaterThan(GAUSSIAN_RADIUS_68 * trackUncertainty(naive));
  });

  it('states a 68 % circle that covers 60–76 % of subjects whose fixes share a bias (Monte Carlo)', () => {
    const gauss = gaussians(42);
    const o = { ...still, biasCorrelationS: Infinity };
    let covered = 0;
    const runs = 400;
    for (let run = 0; run < runs; run += 1) {
      const bias = { x: gauss(), y: gauss() }; // per-axis variance 1, the same for every fix
      const fixes = Array.from({ length: 30 }, () => ({
        x: 5 + bias.x + Math.SQRT1_2 * gauss(),
        y: 5 + bias.y + Math.SQRT1_2 * gauss(),
      }));
      const t = standStill(fixes, 0.5, 1, o);
      if (Math.hypot(t.s[0] - 5, t.s[1] - 5) <= GAUSSIAN_RADIUS_68 * trackUncertainty(t)) {
        covered += 1;
      }
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.6);
    expect(covered / runs).toBeLessThanOrEqual(0.76);
  });

  it('lets a bias that decorrelates with time average out again (standing subject)', () => {
    const stand = (biasCorrelationS: number) => {
      let t = startTrack(0, 5, 5, 0.1, DEFAULT_KALMAN, 1);
      for (let i = 1; i < 120; i += 1) {
        const params = { positionNoise: 0, velocityDampingS: 0.1, biasCorrelationS };
        t = updateTrack(predictStationary(t, i * 1_000, params), {
          x: 5,
          y: 5,
          variance: 0.1,
          biasVariance: 1,
        });
      }
      return trackUncertainty(t);
    };
    // 120 s of fixes: a bias lasting ~5 s is ~12 independent draws, one lasting minutes is one.
    expect(stand(Infinity)).toBeGreaterThan(0.9 * Math.sqrt(2));
    expect(stand(5)).toBeLessThan(0.5 * stand(Infinity));
    expect(stand(5)).toBeGreaterThan(Math.sqrt((2 * 1.1) / 120));
  });

  it('is the plain update without a bias share', () => {
    const p = predictTrack(startTrack(0, 0, 0, 1), 1_000);
    const fix = { x: 1, y: 2, variance: 1 };
    expect(updateTrack(p, { ...fix, biasVariance: 0 })).toEqual(updateTrack(p, fix));
    expect(startTrack(0, 1, 2, 3, DEFAULT_KALMAN, 0)).toEqual(startTrack(0, 1, 2, 3));
  });
});

describe(splitFixVariance.name, () => {
  it('keeps persistentShare·3/n of a fix from n anchors persistent and overlaps only the rest', () => {
    const o = { persistentShare: 0.5 };
    expect(splitFixVariance(2, 1.5, 3, o)).toEqual({ variance: 0.5 * 2 * 1.5, biasVariance: 1 });
    expect(splitFixVariance(2, 1, 12, o)).toEqual({ variance: 2 * 0.875, biasVariance: 0.25 });
    expect(splitFixVariance(2, 1, 2, o)).toEqual(splitFixVariance(2, 1, 3, o));
    expect(splitFixVariance(2, 1, 3, { persistentShare: 5 }).biasVariance).toBeCloseTo(1.9);
    expect(splitFixVariance(2, 1, 3, { persistentShare: 0 })).toEqual({
      variance: 2,
      biasVariance: 0,
    });
    expect(splitFixVariance(2, 1, Number.NaN, { persistentShare: Number.NaN })).toEqual({
      variance: 2,
      biasVariance: 0,
    });
  });
});
