/**
 * Constant-velocity Kalman filter in the floor plane: state (x, y, vx, vy), white-acceleration
 * process noise, position measurements with isotropic variance. Pure data: `predict`/`update`
 * return new states; time is an argument (epoch ms).
 *
 * A fix's error is split in two: an independent part (`PositionFix.variance`) and a persistent
 * part (`PositionFix.biasVariance`: the geometry's bias at this spot, the same in the next fix)
 * that averaging does not remove. The persistent part is a unit bias u (2-D, Gauss–Markov with
 * correlation time `biasCorrelationS`) times the fix's own bias standard deviation; it is
 * *considered* (Schmidt–Kalman), not estimated: the filter keeps the covariance `c` between its
 * error and u, so N fixes sharing one bias leave a covariance that still covers that bias.
 */
export interface TrackState {
  at: number;
  /** x, y, vx, vy. */
  s: [number, number, number, number];
  /** 4×4 covariance, row-major. */
  p: number[];
  /** 4×2 covariance between the state's error (truth − estimate) and the unit bias u (absent: 0). */
  c?: number[];
}

export interface KalmanOptions {
  /** Spectral density of the white acceleration, m²/s³ (≈ how briskly shoppers change pace). */
  accelerationNoise: number;
  /** Initial velocity variance, (m/s)². */
  initialSpeedVariance: number;
  /** Innovations beyond this squared Mahalanobis distance are down-weighted (χ²₂ 99.9 %: 13.8). */
  gate: number;
  /** Speeds are capped at this, m/s (people do not run in a store). */
  maxSpeed: number;
  /**
   * How much of a fix's error persists from one fix to the next (its bias at this spot and
   * geometry, the same in the next fix) for a fix from 3 anchors; a fix from n anchors keeps
   * `persistentShare`·3/n of its variance persistent ({@link splitFixVariance}). 0: none.
   */
  persistentShare: number;
  /** The persistent part decorrelates with this time constant, s (Infinity: never). */
  biasCorrelationS: number;
}

export const DEFAULT_KALMAN: KalmanOptions = {
  accelerationNoise: 0.5,
  initialSpeedVariance: 1,
  gate: 13.8,
  maxSpeed: 3,
  persistentShare: 0.4,
  biasCorrelationS: 60,
};

/**
 * A fix of per-axis variance `variance` from `anchors` anchors as a {@link PositionFix}'s two
 * parts: the persistent one (not reduced by averaging, nor inflated by overlap) and the independent
 * rest times `overlap` (the number of fixes each reading enters). The persistent share is
 * `persistentShare`·3/n, at most 0.95: three anchors only just pin x, y and the device's transmit
 * offset, so such a fix is all geometry (the same bias while the subject stays near), while each
 * further anchor adds readings whose noise the next fix draws afresh.
 */
export function splitFixVariance(
  variance: number,
  overlap: number,
  anchors: number,
  o: Pick<KalmanOptions, 'persistentShare'> = DEFAULT_KALMAN,
): { variance: number; biasVariance: number } {
  const k = Number.isFinite(o.persistentShare) ? Math.max(0, o.persistentShare) : 0;
  const n = Number.isFinite(anchors) ? Math.max(3, anchors) : 3;
  const share = Math.min(0.95, (k * 3) / n);
  return { variance: (1 - share) * variance * overlap, biasVariance: share * variance };
}

/** A track at a first fix; `biasVariance` is the fix's persistent part (the track's error shares it). */
export function startTrack(
  at: number,
  x: number,
  y: number,
  variance: number,
  o = DEFAULT_KALMAN,
  biasVariance = 0,
): TrackState {
  const b = Number.isFinite(biasVariance) ? Math.max(0, biasVariance) : 0;
  const p = new Array<number>(16).fill(0);
  p[0] = variance + b;
  p[5] = variance + b;
  p[10] = o.initialSpeedVariance;
  p[15] = o.initialSpeedVariance;
  if (b === 0) return { at, s: [x, y, 0, 0], p };
  // error = truth − fix = −(√b·u + noise): cov(error, u) = −√b on the position rows.
  const c = new Array<number>(8).fill(0);
  c[0] = -Math.sqrt(b);
  c[3] = -Math.sqrt(b);
  return { at, s: [x, y, 0, 0], p, c };
}

/** cov(F·error, ρ·u) for F = [[1,0,k,0],[0,1,0,k],[0,0,m,0],[0,0,0,m]]. */
function propagateBias(
  c: number[] | undefined,
  k: number,
  m: number,
  rho: number,
): number[] | undefined {
  if (!c) return undefined;
  return [
    rho * (c[0]! + k * c[4]!),
    rho * (c[1]! + k * c[5]!),
    rho * (c[2]! + k * c[6]!),
    rho * (c[3]! + k * c[7]!),
    rho * m * c[4]!,
    rho * m * c[5]!,
    rho * m * c[6]!,
    rho * m * c[7]!,
  ];
}

function biasCorrelation(dt: number, correlationS: number | undefined): number {
  if (correlationS === undefined || !(correlationS > 0)) return 1;
  return Math.exp(-dt / correlationS);
}

export function predictTrack(track: TrackState, at: number, o = DEFAULT_KALMAN): TrackState {
  const dt = Math.max(0, (at - track.at) / 1000);
  if (dt === 0) return track;
  const [x, y, vx, vy] = track.s;
  const p = track.p;
  // F = [[1,0,dt,0],[0,1,0,dt],[0,0,1,0],[0,0,0,1]]; P' = F P Fᵀ + Q.
  const fp = new Array<number>(16);
  for (let c = 0; c < 4; c += 1) {
    fp[c] = p[c]! + dt * p[8 + c]!;
    fp[4 + c] = p[4 + c]! + dt * p[12 + c]!;
    fp[8 + c] = p[8 + c]!;
    fp[12 + c] = p[12 + c]!;
  }
  const next = new Array<number>(16);
  for (let r = 0; r < 4; r += 1) {
    next[r * 4 + 0] = fp[r * 4 + 0]! + dt * fp[r * 4 + 2]!;
    next[r * 4 + 1] = fp[r * 4 + 1]! + dt * fp[r * 4 + 3]!;
    next[r * 4 + 2] = fp[r * 4 + 2]!;
    next[r * 4 + 3] = fp[r * 4 + 3]!;
  }
  const q = o.accelerationNoise;
  const q11 = (q * dt ** 3) / 3;
  const q13 = (q * dt ** 2) / 2;
  const q33 = q * dt;
  next[0] = next[0]! + q11;
  next[5] = next[5]! + q11;
  next[2] = next[2]! + q13;
  next[8] = next[8]! + q13;
  next[7] = next[7]! + q13;
  next[13] = next[13]! + q13;
  next[10] = next[10]! + q33;
  next[15] = next[15]! + q33;
  const c = propagateBias(track.c, dt, 1, biasCorrelation(dt, o.biasCorrelationS));
  return { at, s: [x + vx * dt, y + vy * dt, vx, vy], p: next, ...(c ? { c } : {}) };
}

/** A position fix for {@link updateTrack}: covariance `variance`·I (m²), measured `lagS` before the track's time. */
export interface PositionFix {
  x: number;
  y: number;
  /** Per-axis variance of the fix's independent error, m². */
  variance: number;
  /** Per-axis variance of its persistent error (shared with the fixes before it), m² (default 0). */
  biasVariance?: number;
  /**
   * How long before the track's time the fix describes the subject, seconds (default 0). A fix
   * averaged over a window of readings describes the position at the readings' mean time, not at
   * the window's end: the measurement is then H = [I, −lag·I] (position minus velocity·lag).
   */
  lagS?: number;
}

/** Measurement update with a position fix of covariance r·I (m²). */
export function updateTrack(track: TrackState, fix: PositionFix, o = DEFAULT_KALMAN): TrackState {
  return updateTrackWithLikelihood(track, fix, o).track;
}

/**
 * {@link updateTrack} with the log-likelihood of the fix under the predicted state (Gaussian
 * innovation density, after the soft gate), for weighing motion models against each other.
 */
export function updateTrackWithLikelihood(
  track: TrackState,
  fix: PositionFix,
  o = DEFAULT_KALMAN,
): { track: TrackState; logLikelihood: number } {
  const p = track.p;
  const lag = fix.lagS !== undefined && Number.isFinite(fix.lagS) ? Math.max(0, fix.lagS) : 0;
  const sb =
    fix.biasVariance !== undefined && Number.isFinite(fix.biasVariance)
      ? Math.sqrt(Math.max(0, fix.biasVariance))
      : 0;
  const c = track.c ?? (sb > 0 ? new Array<number>(8).fill(0) : undefined);
  // H = [1 0 −lag 0; 0 1 0 −lag], measurement z = H·x + sb·u + noise. The columns of
  // cov(error, innovation): P[:,0] − lag·P[:,2] + sb·C[:,0], P[:,1] − lag·P[:,3] + sb·C[:,1].
  const ph0: number[] = [];
  const ph1: number[] = [];
  for (let row = 0; row < 4; row += 1) {
    ph0.push(p[row * 4 + 0]! - lag * p[row * 4 + 2]! + (c ? sb * c[row * 2]! : 0));
    ph1.push(p[row * 4 + 1]! - lag * p[row * 4 + 3]! + (c ? sb * c[row * 2 + 1]! : 0));
  }
  // H·C (2×2): rows 0/1 of C minus lag·rows 2/3.
  const hc = c
    ? [c[0]! - lag * c[4]!, c[1]! - lag * c[5]!, c[2]! - lag * c[6]!, c[3]! - lag * c[7]!]
    : [0, 0, 0, 0];
  // H·(PHᵀ + sb·C) + sb·(H·C)ᵀ + sb² = HPHᵀ + sb(HC + (HC)ᵀ) + sb².
  const hph00 = ph0[0]! - lag * ph0[2]! + sb * hc[0]! + sb * sb;
  const hph01 = ph1[0]! - lag * ph1[2]! + sb * hc[2]!;
  const hph11 = ph1[1]! - lag * ph1[3]! + sb * hc[3]! + sb * sb;
  const ix = fix.x - (track.s[0] - lag * track.s[2]);
  const iy = fix.y - (track.s[1] - lag * track.s[3]);
  let r = Math.max(1e-6, Number.isFinite(fix.variance) ? fix.variance : 1e6);
  // S = HPHᵀ + R (2×2).
  let s00 = hph00 + r;
  const s01 = hph01;
  let s11 = hph11 + r;
  let det = s00 * s11 - s01 * s01;
  let d2 = (s11 * ix * ix - 2 * s01 * ix * iy + s00 * iy * iy) / det;
  if (d2 > o.gate) {
    // Soft gate: an implausible jump is believed only as much as it is plausible.
    r *= d2 / o.gate;
    s00 = hph00 + r;
    s11 = hph11 + r;
    det = s00 * s11 - s01 * s01;
    d2 = (s11 * ix * ix - 2 * s01 * ix * iy + s00 * iy * iy) / det;
  }
  const logLikelihood = -0.5 * d2 - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  const i00 = s11 / det;
  const i01 = -s01 / det;
  const i11 = s00 / det;
  // K = cov(error, innovation) S⁻¹ (4×2).
  const k: number[] = [];
  for (let row = 0; row < 4; row += 1) {
    const a = ph0[row]!;
    const b = ph1[row]!;
    k.push(a * i00 + b * i01, a * i01 + b * i11);
  }
  const s: [number, number, number, number] = [0, 0, 0, 0];
  for (let row = 0; row < 4; row += 1) {
    s[row] = track.s[row]! + k[row * 2]! * ix + k[row * 2 + 1]! * iy;
  }
  // P' = P − K S Kᵀ = P − K·cov(error, innovation)ᵀ.
  const next = new Array<number>(16);
  for (let row = 0; row < 4; row += 1) {
    for (let col = 0; col < 4; col += 1) {
      next[row * 4 + col] =
        p[row * 4 + col]! - k[row * 2]! * ph0[col]! - k[row * 2 + 1]! * ph1[col]!;
    }
  }
  // Symmetrise (round-off) so long runs stay positive semi-definite.
  for (let row = 0; row < 4; row += 1) {
    for (let col = row + 1; col < 4; col += 1) {
      const v = 0.5 * (next[row * 4 + col]! + next[col * 4 + row]!);
      next[row * 4 + col] = v;
      next[col * 4 + row] = v;
    }
  }
  // The bias is considered, not estimated: C' = (I − KH)·C − sb·K.
  let nextC: number[] | undefined;
  if (c) {
    nextC = new Array<number>(8);
    for (let row = 0; row < 4; row += 1) {
      for (let j = 0; j < 2; j += 1) {
        nextC[row * 2 + j] =
          c[row * 2 + j]! -
          k[row * 2]! * hc[j]! -
          k[row * 2 + 1]! * hc[2 + j]! -
          sb * k[row * 2 + j]!;
      }
    }
  }
  const speed = Math.hypot(s[2], s[3]);
  if (speed > o.maxSpeed) {
    s[2] *= o.maxSpeed / speed;
    s[3] *= o.maxSpeed / speed;
  }
  const state: TrackState = { at: track.at, s, p: next, ...(nextC ? { c: nextC } : {}) };
  if ([...s, ...next, ...(nextC ?? []), logLikelihood].every(Number.isFinite)) {
    return { track: state, logLikelihood };
  }
  return { track: startTrack(track.at, fix.x, fix.y, r, o, sb * sb), logLikelihood: -1e6 };
}

/**
 * Prediction under the "standing still" hypothesis: the position only drifts (random walk of
 * `positionNoise` m²/s: a browsing shopper sways, the phone moves in the hand), any velocity dies
 * away with time constant `velocityDampingS` (F = diag(1, 1, α, α), α = e^(−dt/τ)).
 */
export function predictStationary(
  track: TrackState,
  at: number,
  params: { positionNoise: number; velocityDampingS: number; biasCorrelationS?: number },
): TrackState {
  const dt = Math.max(0, (at - track.at) / 1000);
  if (dt === 0) return track;
  const alpha = Math.exp(-dt / Math.max(1e-3, params.velocityDampingS));
  const f = [1, 1, alpha, alpha];
  const p = track.p;
  const next = new Array<number>(16);
  for (let r = 0; r < 4; r += 1) {
    for (let c = 0; c < 4; c += 1) next[r * 4 + c] = f[r]! * p[r * 4 + c]! * f[c]!;
  }
  const q = Math.max(0, params.positionNoise) * dt;
  next[0] = next[0]! + q;
  next[5] = next[5]! + q;
  const [x, y, vx, vy] = track.s;
  const c = propagateBias(track.c, 0, alpha, biasCorrelation(dt, params.biasCorrelationS));
  return { at, s: [x, y, alpha * vx, alpha * vy], p: next, ...(c ? { c } : {}) };
}

/** 1-σ radial (DRMS) position uncertainty of a track, metres. */
export function trackUncertainty(track: TrackState): number {
  return Math.sqrt(Math.max(0, track.p[0]! + track.p[5]!));
}
