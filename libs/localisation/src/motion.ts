import {
  DEFAULT_KALMAN,
  predictStationary,
  predictTrack,
  startTrack,
  updateTrackWithLikelihood,
  type KalmanOptions,
  type PositionFix,
  type TrackState,
} from './kalman.js';

/**
 * Two motion hypotheses mixed by an interacting-multiple-model (IMM) filter (Blom & Bar-Shalom
 * 1988): "walking" (constant velocity, white acceleration, {@link predictTrack}) and "standing"
 * ({@link predictStationary}: the position only drifts slowly, velocity decays to zero). A shopper
 * browsing a shelf is explained far better by the second, so its fixes are averaged over many
 * seconds instead of being chased by a velocity fitted to noise; a walking shopper keeps the
 * constant-velocity filter. Mode switches follow a two-state Markov chain in continuous time.
 */
export interface MotionOptions {
  kalman: KalmanOptions;
  /** False: the walking (constant-velocity) model alone, as a plain Kalman filter. */
  standing: boolean;
  /** Random-walk density of a standing subject's position, m²/s. */
  stationaryPositionNoise: number;
  /** A standing subject's velocity decays with this time constant, s. */
  velocityDampingS: number;
  /** Mean time a subject keeps walking before stopping, s. */
  meanWalkS: number;
  /** Mean time a subject keeps standing before walking on, s. */
  meanStandS: number;
  /** Mode probabilities are kept inside [floor, 1 − floor], so neither hypothesis is ever ruled out. */
  probabilityFloor: number;
}

export const DEFAULT_MOTION: MotionOptions = {
  kalman: DEFAULT_KALMAN,
  standing: true,
  stationaryPositionNoise: 0.02,
  velocityDampingS: 0.5,
  meanWalkS: 15,
  meanStandS: 15,
  probabilityFloor: 1e-3,
};

export interface MotionTrack {
  at: number;
  walking: TrackState;
  standing: TrackState;
  /** Probability of the walking hypothesis. */
  pWalking: number;
}

export function startMotion(
  at: number,
  x: number,
  y: number,
  variance: number,
  o: MotionOptions = DEFAULT_MOTION,
  biasVariance = 0,
): MotionTrack {
  return {
    at,
    walking: startTrack(at, x, y, variance, o.kalman, biasVariance),
    standing: startTrack(at, x, y, variance, o.kalman, biasVariance),
    pWalking: o.standing ? 0.5 : 1,
  };
}

/** IMM interaction (mixing with the Markov switch over dt) followed by each model's prediction. */
export function predictMotion(
  track: MotionTrack,
  at: number,
  o: MotionOptions = DEFAULT_MOTION,
): MotionTrack {
  const dt = Math.max(0, (at - track.at) / 1000);
  if (dt === 0) return track;
  if (!o.standing) {
    const walking = predictTrack(track.walking, at, o.kalman);
    return { at, walking, standing: walking, pWalking: 1 };
  }
  const a = 1 / Math.max(1e-3, o.meanWalkS); // walking → standing rate
  const b = 1 / Math.max(1e-3, o.meanStandS); // standing → walking rate
  const decay = 1 - Math.exp(-(a + b) * dt);
  const pWS = (a / (a + b)) * decay;
  const pSW = (b / (a + b)) * decay;
  const pw = track.pWalking;
  const ps = 1 - pw;
  const cw = pw * (1 - pWS) + ps * pSW;
  const cs = 1 - cw;
  // μ_{i|j}: probability that the subject was in i given it is now in j.
  const wFromW = cw > 0 ? (pw * (1 - pWS)) / cw : 1;
  const sFromS = cs > 0 ? (ps * (1 - pSW)) / cs : 1;
  const walking = mix(track.walking, track.standing, wFromW);
  const standing = mix(track.standing, track.walking, sFromS);
  return {
    at,
    walking: predictTrack(walking, at, o.kalman),
    standing: predictStationary(standing, at, {
      positionNoise: o.stationaryPositionNoise,
      velocityDampingS: o.velocityDampingS,
      biasCorrelationS: o.kalman.biasCorrelationS,
    }),
    pWalking: clampProbability(cw, o.probabilityFloor),
  };
}

/** Both models' measurement updates; the mode probabilities follow their likelihoods. */
export function updateMotion(
  track: MotionTrack,
  fix: PositionFix,
  o: MotionOptions = DEFAULT_MOTION,
): MotionTrack {
  const w = updateTrackWithLikelihood(track.walking, fix, o.kalman);
  if (!o.standing) return { at: track.at, walking: w.track, standing: w.track, pWalking: 1 };
  const s = updateTrackWithLikelihood(track.standing, fix, o.kalman);
  const m = Math.max(w.logLikelihood, s.logLikelihood);
  const lw = track.pWalking * Math.exp(w.logLikelihood - m);
  const ls = (1 - track.pWalking) * Math.exp(s.logLikelihood - m);
  const p = lw + ls > 0 && Number.isFinite(lw + ls) ? lw / (lw + ls) : track.pWalking;
  return {
    at: track.at,
    walking: w.track,
    standing: s.track,
    pWalking: clampProbability(p, o.probabilityFloor),
  };
}

/**
 * The IMM output: the probability-weighted mean and covariance (spread of the means included;
 * the covariance with the persistent bias mixes linearly, the bias having mean 0 in both models).
 */
export function combinedTrack(track: MotionTrack): TrackState {
  return mixState(track.walking, track.standing, track.pWalking, track.at);
}

function mix(own: TrackState, other: TrackState, ownShare: number): TrackState {
  return mixState(own, other, ownShare, own.at);
}

function mixState(a: TrackState, b: TrackState, shareA: number, at: number): TrackState {
  const wa = Number.isFinite(shareA) ? Math.min(1, Math.max(0, shareA)) : 0.5;
  const wb = 1 - wa;
  const s: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i += 1) s[i] = wa * a.s[i]! + wb * b.s[i]!;
  const p = new Array<number>(16);
  for (let r = 0; r < 4; r += 1) {
    const dar = a.s[r]! - s[r]!;
    const dbr = b.s[r]! - s[r]!;
    for (let c = 0; c < 4; c += 1) {
      p[r * 4 + c] =
        wa * (a.p[r * 4 + c]! + dar * (a.s[c]! - s[c]!)) +
        wb * (b.p[r * 4 + c]! + dbr * (b.s[c]! - s[c]!));
    }
  }
  if (!a.c && !b.c) return { at, s, p };
  const c = new Array<number>(8);
  for (let i = 0; i < 8; i += 1) c[i] = wa * (a.c?.[i] ?? 0) + wb * (b.c?.[i] ?? 0);
  return { at, s, p, c };
}

function clampProbability(p: number, floor: number): number {
  const f = Math.min(0.5, Math.max(0, floor));
  return Number.isFinite(p) ? Math.min(1 - f, Math.max(f, p)) : 0.5;
}
