import fc from 'fast-check';
import { GAUSSIAN_RADIUS_68 } from './locate.js';
import {
  predictTrack,
  startTrack,
  trackUncertainty,
  updateTrack,
  type TrackState,
} from './kalman.js';
import {
  combinedTrack,
  DEFAULT_MOTION,
  predictMotion,
  startMotion,
  updateMotion,
  type MotionTrack,
} from './motion.js';

/** Deterministic standard-normal noise (Park–Miller + Box–Muller). */
function noise(seed: number): () => number {
  let s = seed;
  const u = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

function run(
  truth: (t: number) => { x: number; y: number },
  seconds: number,
  variance: number,
  seed = 3,
): { imm: MotionTrack; cv: TrackState; cvErrors: number[]; immErrors: number[] } {
  const g = noise(seed);
  const sd = Math.sqrt(variance);
  const first = truth(0);
  let imm = startMotion(0, first.x, first.y, variance);
  let cv = startTrack(0, first.x, first.y, variance);
  const cvErrors: number[] = [];
  const immErrors: number[] = [];
  for (let i = 1; i <= seconds; i += 1) {
    const at = i * 1_000;
    const p = truth(i);
    const fix = { x: p.x + sd * g(), y: p.y + sd * g(), variance };
    imm = updateMotion(predictMotion(imm, at), fix);
    cv = updateTrack(predictTrack(cv, at), fix);
    const c = combinedTrack(imm);
    immErrors.push(Math.hypot(c.s[0] - p.x, c.s[1] - p.y));
    cvErrors.push(Math.hypot(cv.s[0] - p.x, cv.s[1] - p.y));
  }
  return { imm, cv, cvErrors, immErrors };
}

const rmsOf = (v: number[]): number => Math.sqrt(v.reduce((s, e) => s + e * e, 0) / v.length);

describe('walking/standing tracker (IMM)', () => {
  it('lets a standing subject settle: far less error and uncertainty than constant velocity', () => {
    const { imm, cv, cvErrors, immErrors } = run(() => ({ x: 5, y: 5 }), 120, 4);
    const late = (v: number[]): number[] => v.slice(60);
    expect(rmsOf(late(immErrors))).toBeLessThan(0.6 * rmsOf(late(cvErrors)));
    expect(imm.pWalking).toBeLessThan(0.5);
    expect(trackUncertainty(combinedTrack(imm))).toBeLessThan(0.8 * trackUncertainty(cv));
  });

  it('keeps following a walking subject (switches to the walking model)', () => {
    const { imm, immErrors, cvErrors } = run((t) => ({ x: t, y: 2 }), 60, 1);
    expect(imm.pWalking).toBeGreaterThan(0.5);
    expect(combinedTrack(imm).s[2]).toBeCloseTo(1, 0);
    expect(rmsOf(immErrors.slice(20))).toBeLessThan(1.3 * rmsOf(cvErrors.slice(20)));
  });

  it('keeps a bias shared by all fixes inside the mixed 68 % circle', () => {
    // A subject standing at (5, 5) whose every fix is 1.5 m east of it (the same geometry's bias).
    let imm = startMotion(0, 6.5, 5, 0.2, DEFAULT_MOTION, 1.5);
    let naive = startMotion(0, 6.5, 5, 1.7);
    for (let i = 1; i <= 60; i += 1) {
      const fix = { x: 6.5 + 0.2 * Math.sin(i), y: 5 + 0.2 * Math.cos(i) };
      imm = updateMotion(predictMotion(imm, i * 1_000), {
        ...fix,
        variance: 0.2,
        biasVariance: 1.5,
      });
      naive = updateMotion(predictMotion(naive, i * 1_000), { ...fix, variance: 1.7 });
    }
    const err = (t: MotionTrack): number => {
      const c = combinedTrack(t);
      return Math.hypot(c.s[0] - 5, c.s[1] - 5);
    };
    expect(imm.pWalking).toBeLessThan(0.5);
    expect(err(imm)).toBeLessThanOrEqual(GAUSSIAN_RADIUS_68 * trackUncertainty(combinedTrack(imm)));
    expect(err(naive)).toBeGreaterThan(GAUSSIAN_RADIUS_68 * trackUncertainty(combinedTrack(naive)));
  });

  it('with the standing model off it is exactly the constant-velocity filter', () => {
    const o = { ...DEFAULT_MOTION, standing: false };
    let imm = startMotion(0, 0, 0, 1, o);
    let cv = startTrack(0, 0, 0, 1);
    for (let i = 1; i <= 10; i += 1) {
      const fix = { x: i, y: -i, variance: 1 };
      imm = updateMotion(predictMotion(imm, i * 1_000, o), fix, o);
      cv = updateTrack(predictTrack(cv, i * 1_000), fix);
    }
    expect(combinedTrack(imm).s).toEqual(cv.s);
  });

  it('never lets NaN or ∞ escape and keeps the mode probability inside its floor (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 120_000 }),
            x: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
            y: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
            variance: fc.double({ min: 0, max: 1e9, noNaN: true }),
            lagS: fc.double({ min: 0, max: 10, noNaN: true }),
            biasVariance: fc.double({ min: 0, max: 1e9, noNaN: true }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (steps) => {
          let t = 0;
          let track = startMotion(0, 0, 0, 1);
          for (const s of steps) {
            t += s.dt;
            track = updateMotion(predictMotion(track, t), s);
            const c = combinedTrack(track);
            expect([...c.s, ...c.p, ...(c.c ?? []), track.pWalking].every(Number.isFinite)).toBe(
              true,
            );
            expect(track.pWalking).toBeGreaterThanOrEqual(DEFAULT_MOTION.probabilityFloor);
            expect(track.pWalking).toBeLessThanOrEqual(1 - DEFAULT_MOTION.probabilityFloor);
            expect(trackUncertainty(c)).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });
});
