import { weightedCentroid } from './baselines.js';
import { crossingsAt, type FloorGrid } from './floor-grid.js';
import {
  DEFAULT_ROBUST_MODEL,
  gridPosterior,
  normalCdf,
  type GridFix,
  type RobustModel,
} from './grid-posterior.js';
import { solveLinear } from './linear-algebra.js';
import type { Anchor, LinkMeasurement } from './link.js';
import { MIN_RANGE_M, type CalibrationSample, type PathLossCalibration } from './path-loss.js';

/** One window of unlabelled readings: what the anchors heard of one subject at one spot. */
export interface CalibrationWindow {
  /** Anchor id → raw readings, dBm. */
  readings: ReadonlyMap<string, readonly number[]>;
  /** Scans (listening intervals) in the window: an anchor with fewer readings missed the rest. */
  scans: number;
}

export interface SelfCalibrationOptions {
  /** Localise → refit rounds. */
  rounds: number;
  /** Exponent used to start, and kept when the data cannot determine it. */
  initialExponent: number;
  /** Sanity bounds on the fitted exponent. */
  exponentRange: readonly [number, number];
  /** Prior spread of an anchor's 1-m power around the fleet's, dB (shrinks poorly heard anchors). */
  offsetPriorDb: number;
  /** Sanity bounds on σ, dB. */
  sigmaRange: readonly [number, number];
  /** Fewer usable windows (three or more anchors heard) than this: fall back. */
  minWindows: number;
  /**
   * Below this spread of the samples' log-distances (10·log10 d, dB) the exponent and the powers
   * cannot be told apart: the exponent stays at `initialExponent`.
   */
  minLogDistanceSpreadDb: number;
  /** Quantile of the heard readings taken as the sensitivity floor. */
  floorQuantile: number;
  /** Sanity bounds on the loss per obstacle crossed, dB. */
  obstacleLossRange: readonly [number, number];
  /** Windows used for the predictive (leave-one-anchor-out) σ at most (it costs a fix per link). */
  maxPredictiveWindows: number;
  /** Bounds on the fitted orientation gain τ (body shadowing), dB. */
  orientationGainRange: readonly [number, number];
  /** Windows need this many anchors heard to say anything about the orientation gain. */
  minOrientationLinks: number;
}

export const DEFAULT_SELF_CALIBRATION: SelfCalibrationOptions = {
  rounds: 5,
  initialExponent: 2.5,
  exponentRange: [1.5, 4.5],
  offsetPriorDb: 6,
  sigmaRange: [1, 15],
  minWindows: 10,
  minLogDistanceSpreadDb: 1.5,
  floorQuantile: 0.01,
  obstacleLossRange: [0, 12],
  maxPredictiveWindows: 200,
  orientationGainRange: [0, 8],
  minOrientationLinks: 7,
};

export interface SelfCalibrationQuality {
  /** False: the fit was refused (see `reason`) and the fall-back model is returned. */
  ok: boolean;
  /** Why the fit was refused or restricted; null when the full fit was accepted. */
  reason: string | null;
  rounds: number;
  windows: number;
  samples: number;
  /** Standard deviation of the samples' 10·log10 d at the estimated positions, dB. */
  logDistanceSpreadDb: number;
  /** Standard error of the fitted exponent. */
  exponentSe: number;
  /** Exponent change in the last round (converged when small). */
  lastExponentChange: number;
  /** Share of samples more than 3 scales from the model. */
  outlierShare: number;
}

export interface SelfCalibration {
  /** Per anchor: the fitted 1-m power (common part in measuredPower, the rest as receiverOffset). */
  calibrations: Record<string, PathLossCalibration>;
  /** The fitted measurement model (σ, correlated share, censoring) for {@link gridPosterior}. */
  model: RobustModel;
  measuredPower: number;
  pathLossExponent: number;
  quality: SelfCalibrationQuality;
}

interface Sample {
  anchor: number;
  /** Mean of the window's readings. */
  rssi: number;
  count: number;
  logD: number;
  /** Obstacles on the path. */
  walls: number;
}

/**
 * Self-calibration without ground truth (alternating / hard EM): place every window with the
 * current model, fit each anchor's 1-m power (shrunk towards the fleet's), a common exponent,
 * σ, the share of σ that averaging does not remove, the sensitivity floor and the miss rate to the
 * readings at those places; repeat. Readings at known distances (reference beacons) join every
 * round's fit as labelled samples. The exponent is bounded and kept at its start value when the
 * geometry cannot determine it; with too few windows the fall-back (start exponent, powers from
 * the data, σ 6 dB) is returned with `quality.ok` false.
 */
export function selfCalibrate(params: {
  anchors: readonly { id: string; x: number; y: number; z: number }[];
  windows: readonly CalibrationWindow[];
  grid: FloorGrid;
  deviceHeight: number;
  references?: readonly CalibrationSample[];
  options?: Partial<SelfCalibrationOptions>;
  /** Fixed constants of the robust model (Huber k, radius scale). */
  base?: RobustModel;
}): SelfCalibration {
  const o = { ...DEFAULT_SELF_CALIBRATION, ...params.options };
  const base = params.base ?? DEFAULT_ROBUST_MODEL;
  const anchors = params.anchors;
  const index = new Map(anchors.map((a, i) => [a.id, i]));
  const windows = params.windows.filter(
    (w) => [...w.readings].filter(([id, r]) => index.has(id) && r.length > 0).length >= 3,
  );
  const heardAll = windows
    .flatMap((w) => [...w.readings.values()].flat())
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const references = (params.references ?? []).filter(
    (r) => index.has(r.sensorId) && Number.isFinite(r.rssi) && r.distance > 0,
  );
  const quality: SelfCalibrationQuality = {
    ok: false,
    reason: null,
    rounds: 0,
    windows: windows.length,
    samples: 0,
    logDistanceSpreadDb: 0,
    exponentSe: NaN,
    lastExponentChange: NaN,
    outlierShare: 0,
  };
  // Fall-back: the start exponent, one power for all from the strongest readings' median (at ~1 m).
  const strongest = windows
    .map((w) => Math.max(...[...w.readings.values()].flat()))
    .sort((a, b) => a - b);
  const fallbackPower = strongest.length > 0 ? strongest[Math.floor(strongest.length / 2)]! : -60;
  let powers = anchors.map(() => fallbackPower);
  let exponent = o.initialExponent;
  let obstacleLossDb = 0;
  let model: RobustModel = {
    ...base,
    sigmaDb: 6,
    censoring: null,
    obstacleLossDb: 0,
  };
  const predict = (i: number, p: { x: number; y: number }): number => {
    const a = anchors[i]!;
    const d = Math.max(MIN_RANGE_M, Math.hypot(p.x - a.x, p.y - a.y, a.z - params.deviceHeight));
    const walls = obstacleLossDb > 0 ? crossingsAt(params.grid, a, p.x, p.y) : 0;
    return powers[i]! - 10 * exponent * Math.log10(d) - obstacleLossDb * walls;
  };
  const locateWindow = (w: CalibrationWindow): GridFix | null => {
    const heard = new Set(w.readings.keys());
    return gridPosterior({
      grid: params.grid,
      links: linksOf(w),
      unheard: anchors.flatMap((a, i) => (heard.has(a.id) ? [] : [toAnchor(i)])),
      unheardScans: w.scans,
      tx: { mean: 0, sigmaDb: 0 },
      deviceHeight: params.deviceHeight,
      // The E-step needs the posterior itself, not the radius a user is told.
      model: { ...model, radiusScale: 1 },
    });
  };
  const result = (): SelfCalibration => {
    const common = powers.reduce((s, p) => s + p, 0) / Math.max(1, powers.length);
    return {
      calibrations: Object.fromEntries(
        anchors.map((a, i) => [
          a.id,
          {
            measuredPower: common,
            pathLossExponent: exponent,
            receiverOffset: powers[i]! - common,
          },
        ]),
      ),
      model,
      measuredPower: common,
      pathLossExponent: exponent,
      quality,
    };
  };
  if (windows.length < o.minWindows && references.length < 20) {
    quality.reason = `needs ${o.minWindows} windows with three or more anchors heard, has ${windows.length}`;
    return result();
  }
  const toAnchor = (i: number): Anchor => ({
    ...anchors[i]!,
    calibration: { measuredPower: powers[i]!, pathLossExponent: exponent, receiverOffset: 0 },
  });
  const linksOf = (w: CalibrationWindow): LinkMeasurement[] =>
    [...w.readings].flatMap(([id, r]) => {
      const i = index.get(id);
      return i === undefined || r.length === 0
        ? []
        : [{ anchor: toAnchor(i), rssi: mean(r), weight: r.length }];
    });
  let restricted: string | null = null;
  for (let round = 0; round <= o.rounds; round += 1) {
    // E-step (hard): each window's position under the current model (round 0: the centroid).
    const positions = windows.map((w) => {
      const links = linksOf(w);
      if (round === 0) return weightedCentroid(links, { deviceHeight: params.deviceHeight });
      // The most probable spot, not the posterior mean: the mean is pulled towards the middle of
      // the floor, which lengthens the short ranges, shortens the long ones and so flattens the
      // fitted exponent (on simulated readings: 2.1 for a true 2.8; with the mode 2.9).
      return locateWindow(w)?.mode ?? null;
    });
    const samples: Sample[] = [];
    windows.forEach((w, k) => {
      const p = positions[k];
      if (!p) return;
      for (const [id, r] of w.readings) {
        const i = index.get(id);
        if (i === undefined || r.length === 0) continue;
        const a = anchors[i]!;
        const d = Math.max(
          MIN_RANGE_M,
          Math.hypot(p.x - a.x, p.y - a.y, a.z - params.deviceHeight),
        );
        samples.push({
          anchor: i,
          rssi: mean(r),
          count: r.length,
          logD: 10 * Math.log10(d),
          walls: crossingsAt(params.grid, a, p.x, p.y),
        });
      }
    });
    for (const r of references) {
      samples.push({
        anchor: index.get(r.sensorId)!,
        rssi: r.rssi,
        count: 1,
        logD: 10 * Math.log10(Math.max(MIN_RANGE_M, r.distance)),
        walls: 0,
      });
    }
    const spread = sd(samples.map((s) => s.logD));
    const fitN = spread >= o.minLogDistanceSpreadDb;
    if (!fitN) {
      restricted = `log-distance spread ${spread.toFixed(2)} dB is too small to fit the exponent`;
    }
    const fitWalls =
      (params.grid.plan.obstacles ?? []).length > 0 && sd(samples.map((x) => x.walls)) > 0.3;
    const fit = fitPowers(samples, anchors.length, {
      exponent: fitN ? null : exponent,
      walls: fitWalls,
      wallRange: o.obstacleLossRange,
      range: o.exponentRange,
      offsetPriorDb: o.offsetPriorDb,
      model,
    });
    if (!fit) {
      quality.reason = 'the readings do not determine the model (singular fit)';
      return result();
    }
    if (fit.clamped) restricted = `fitted exponent hit its bound (${fit.exponent.toFixed(2)})`;
    quality.lastExponentChange = Math.abs(fit.exponent - exponent);
    powers = fit.powers;
    exponent = fit.exponent;
    obstacleLossDb = fit.wallLoss;
    quality.exponentSe = fit.exponentSe;
    quality.rounds = round;
    quality.samples = samples.length;
    quality.logDistanceSpreadDb = spread;
    // Noise: σ (Student-t scale of one reading) and the share of it a window's mean keeps.
    const noise = fitNoise(windows, positions, index, predict, base.huberK);
    const orientationGainDb = clamp(
      fitOrientationGain(windows, positions, index, predict, anchors, model, o.minOrientationLinks),
      o.orientationGainRange[0],
      o.orientationGainRange[1],
    );
    const sigmaDb = clamp(noise.sigma, o.sigmaRange[0], o.sigmaRange[1]);
    quality.outlierShare = noise.outlierShare;
    const floorDbm = heardAll.length > 0 ? quantileOf(heardAll, o.floorQuantile) : -100;
    const missProbability = fitMissRate(windows, positions, anchors, predict, floorDbm, sigmaDb);
    model = {
      ...base,
      sigmaDb,
      correlatedShare: noise.correlatedShare,
      linkCorrelation: noise.linkCorrelation,
      obstacleLossDb,
      orientationGainDb,
      censoring: missProbability === null ? null : { floorDbm, missProbability },
    };
  }
  // σ as a prediction error: each anchor's readings against the position the OTHER anchors give.
  // Residuals at positions fitted to the same readings are too small (the fit absorbs part of the
  // noise), and a σ that small makes every stated radius too tight.
  const predictive = predictiveSigma(
    windows.slice(0, o.maxPredictiveWindows),
    (w, skip) => {
      const heard = new Set(w.readings.keys());
      return gridPosterior({
        grid: params.grid,
        links: linksOf(w).filter((l) => l.anchor.id !== skip),
        unheard: anchors.flatMap((a, i) => (heard.has(a.id) ? [] : [toAnchor(i)])),
        unheardScans: w.scans,
        tx: { mean: 0, sigmaDb: 0 },
        deviceHeight: params.deviceHeight,
        model: { ...model, radiusScale: 1 },
      });
    },
    index,
    predict,
  );
  if (predictive !== null && windows.length >= o.minWindows) {
    model = {
      ...model,
      sigmaDb: clamp(Math.max(model.sigmaDb, predictive), o.sigmaRange[0], o.sigmaRange[1]),
    };
  }
  quality.ok = true;
  quality.reason = restricted;
  return result();
}

function fitPowers(
  samples: readonly Sample[],
  anchorCount: number,
  o: {
    exponent: number | null;
    walls: boolean;
    wallRange: readonly [number, number];
    range: readonly [number, number];
    offsetPriorDb: number;
    model: RobustModel;
  },
): {
  powers: number[];
  exponent: number;
  exponentSe: number;
  wallLoss: number;
  clamped: boolean;
} | null {
  // rssi = a_i − n·L − A·W; a_i ~ N(P, τ²), P free. Unknowns: a_0..a_{k−1}, P, [n], [A].
  // Student-t IRLS weights; n and A, when outside their bounds, are held at the bound.
  const solve = (
    n: number | null,
    wall: number | null,
    weights: Float64Array,
  ): { a: number[]; n: number; wall: number; nVar: number } | null => {
    const pi = anchorCount;
    const ni = n === null ? anchorCount + 1 : -1;
    const wi = wall === null ? anchorCount + 1 + (n === null ? 1 : 0) : -1;
    const dim = anchorCount + 1 + (n === null ? 1 : 0) + (wall === null ? 1 : 0);
    const m = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    const v = new Array<number>(dim).fill(0);
    const tau = 1 / (o.offsetPriorDb * o.offsetPriorDb);
    for (let i = 0; i < anchorCount; i += 1) {
      m[i]![i]! += tau;
      m[i]![pi]! -= tau;
      m[pi]![i]! -= tau;
      m[pi]![pi]! += tau;
    }
    const cols: number[] = [];
    const vals: number[] = [];
    samples.forEach((s, k) => {
      const w = weights[k]!;
      let y = s.rssi;
      if (n !== null) y += n * s.logD;
      if (wall !== null) y += wall * s.walls;
      cols.length = 0;
      vals.length = 0;
      cols.push(s.anchor);
      vals.push(1);
      if (ni >= 0) {
        cols.push(ni);
        vals.push(-s.logD);
      }
      if (wi >= 0) {
        cols.push(wi);
        vals.push(-s.walls);
      }
      for (let r = 0; r < cols.length; r += 1) {
        v[cols[r]!]! += w * vals[r]! * y;
        for (let c = 0; c < cols.length; c += 1) m[cols[r]!]![cols[c]!]! += w * vals[r]! * vals[c]!;
      }
    });
    m[pi]![pi]! += 1e-9;
    const sol = solveLinear(m, v);
    if (!sol) return null;
    let nVar = NaN;
    if (ni >= 0) {
      const e = new Array<number>(dim).fill(0);
      e[ni] = 1;
      const col = solveLinear(m, e);
      nVar = col ? col[ni]! : NaN;
    }
    return {
      a: sol.slice(0, anchorCount),
      n: n ?? sol[ni]!,
      wall: wall ?? (wi >= 0 ? sol[wi]! : 0),
      nVar,
    };
  };
  const s2 = o.model.sigmaDb * o.model.sigmaDb;
  const rho = o.model.correlatedShare;
  const k = o.model.huberK;
  const base = Float64Array.from(samples, (s) => 1 / (s2 * (rho + (1 - rho) / s.count)));
  let weights = Float64Array.from(base);
  const wallStart = o.walls ? null : 0;
  let fit = solve(o.exponent, wallStart, weights);
  for (let it = 0; it < 4 && fit; it += 1) {
    const f = fit;
    weights = Float64Array.from(samples, (s, j) => {
      const e2 = (s.rssi - (f.a[s.anchor]! - f.n * s.logD - f.wall * s.walls)) ** 2 * base[j]!;
      // Huber IRLS weight: 1 inside ±k σ, k/|z| beyond.
      const z = Math.sqrt(e2);
      return base[j]! * (z <= k ? 1 : k / z);
    });
    fit = solve(o.exponent, wallStart, weights);
  }
  if (!fit) return null;
  let clamped = false;
  if (fit.wall < o.wallRange[0] || fit.wall > o.wallRange[1]) {
    fit = solve(o.exponent, clamp(fit.wall, o.wallRange[0], o.wallRange[1]), weights);
    if (!fit) return null;
  }
  if (fit.n < o.range[0] || fit.n > o.range[1]) {
    clamped = true;
    fit = solve(clamp(fit.n, o.range[0], o.range[1]), o.walls ? fit.wall : 0, weights);
    if (!fit) return null;
  }
  if (![...fit.a, fit.n, fit.wall].every(Number.isFinite)) return null;
  return {
    powers: fit.a,
    exponent: fit.n,
    exponentSe: Math.sqrt(Math.max(0, fit.nVar)),
    wallLoss: fit.wall,
    clamped,
  };
}

function fitNoise(
  windows: readonly CalibrationWindow[],
  positions: readonly ({ x: number; y: number } | null)[],
  index: ReadonlyMap<string, number>,
  predict: (i: number, p: { x: number; y: number }) => number,
  huberK: number,
): { sigma: number; correlatedShare: number; linkCorrelation: number; outlierShare: number } {
  const residuals: number[] = [];
  const perWindow: { e: number; k: number }[][] = [];
  let within = 0;
  let withinDof = 0;
  windows.forEach((w, k) => {
    const p = positions[k];
    if (!p) return;
    const means: { e: number; k: number }[] = [];
    perWindow.push(means);
    for (const [id, r] of w.readings) {
      const i = index.get(id);
      if (i === undefined || r.length === 0) continue;
      const mu = predict(i, p);
      means.push({ e: mean(r) - mu, k: r.length });
      for (const v of r) residuals.push(v - mu);
      if (r.length >= 2) {
        // Robust within-window spread: the median absolute deviation, scaled to a variance.
        const med = median(r);
        const mad = median(r.map((v) => Math.abs(v - med)));
        within += (1.4826 * mad) ** 2 * (r.length - 1);
        withinDof += r.length - 1;
      }
    }
  });
  if (residuals.length === 0) {
    return { sigma: 6, correlatedShare: 0, linkCorrelation: 0, outlierShare: 0 };
  }
  // σ of the Gaussian core: the median absolute residual, scaled (robust to the tails).
  const centre = median(residuals);
  const sigma = Math.max(1e-3, 1.4826 * median(residuals.map((e) => Math.abs(e - centre))));
  const totalVariance = sigma * sigma;
  // Residuals beyond the Huber corner are the tails the model lets through with less weight.
  const tail = huberK > 0 ? huberK : Infinity;
  const fast = withinDof > 0 ? within / withinDof : totalVariance;
  const correlatedShare = clamp(1 - fast / totalVariance, 0, 0.95);
  const outlierShare =
    residuals.filter((e) => Math.abs(e - centre) > Math.max(3, tail) * sigma).length /
    residuals.length;
  // Correlation between links of one window: mean product of standardised (clipped) residuals.
  let cross = 0;
  let pairs = 0;
  let own = 0;
  let singles = 0;
  for (const means of perWindow) {
    let sum = 0;
    let sq = 0;
    for (const { e, k } of means) {
      const z = clamp(
        e / Math.sqrt(totalVariance * (correlatedShare + (1 - correlatedShare) / k)),
        -3,
        3,
      );
      sum += z;
      sq += z * z;
    }
    cross += sum * sum - sq;
    pairs += means.length * (means.length - 1);
    own += sq;
    singles += means.length;
  }
  const linkCorrelation = pairs > 0 && own > 0 ? clamp(cross / pairs / (own / singles), 0, 0.5) : 0;
  return { sigma, correlatedShare, linkCorrelation, outlierShare };
}

/**
 * The orientation gain τ (dB) by the method of moments: per window with enough anchors, the
 * residuals at its estimated spot are regressed (weighted by the model's noise) on
 * [1, cos θ, sin θ] of the bearings θ to the anchors; the mean squared directional amplitude less
 * what the noise alone gives (the regression's own variance) is 2τ². 0 without such windows.
 */
function fitOrientationGain(
  windows: readonly CalibrationWindow[],
  positions: readonly ({ x: number; y: number } | null)[],
  index: ReadonlyMap<string, number>,
  predict: (i: number, p: { x: number; y: number }) => number,
  anchors: readonly { x: number; y: number }[],
  model: RobustModel,
  minLinks: number,
): number {
  const s2 = model.sigmaDb * model.sigmaDb;
  const rho = model.correlatedShare;
  let excess = 0;
  let count = 0;
  const dim = 5;
  windows.forEach((w, k) => {
    const p = positions[k];
    if (!p || w.readings.size < minLinks) return;
    const m = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    const v = new Array<number>(dim).fill(0);
    for (const [id, r] of w.readings) {
      const i = index.get(id);
      if (i === undefined || r.length === 0) continue;
      const a = anchors[i]!;
      const d = Math.hypot(a.x - p.x, a.y - p.y);
      if (!(d > 1e-6)) continue;
      const c = (a.x - p.x) / d;
      const sn = (a.y - p.y) / d;
      const dd = Math.max(MIN_RANGE_M, d);
      // [tx offset, orientation cos, sin, position gradient x, y]: the spot was fitted to these
      // same readings, which removed their component along the gradient; regressing on it too
      // keeps that removal from hiding the orientation term.
      const x = [1, c, sn, c / dd, sn / dd];
      const wt = 1 / (s2 * (rho + (1 - rho) / r.length));
      const e = mean(r) - predict(i, p);
      for (let u = 0; u < dim; u += 1) {
        v[u]! += wt * x[u]! * e;
        for (let z = 0; z < dim; z += 1) m[u]![z]! += wt * x[u]! * x[z]!;
      }
    }
    const sol = solveLinear(m, v);
    const ca = solveLinear(m, [0, 1, 0, 0, 0]);
    const cb = solveLinear(m, [0, 0, 1, 0, 0]);
    if (!sol || !ca || !cb || ![...sol, ca[1]!, cb[2]!].every(Number.isFinite)) return;
    // A poorly conditioned window (anchors all on one side) says little: skip it.
    if (ca[1]! + cb[2]! > 2 * s2) return;
    excess += (sol[1]! ** 2 + sol[2]! ** 2 - ca[1]! - cb[2]!) / 2;
    count += 1;
  });
  return count >= 5 ? Math.sqrt(Math.max(0, excess / count)) : 0;
}

/**
 * The chance that a scan misses an anchor that should have heard the subject (EM over every
 * window × anchor: a miss is explained by the floor, Φ((floor − μ)/σ), or by π). Null when no
 * window says anything about it (every anchor heard in every scan).
 */
function fitMissRate(
  windows: readonly CalibrationWindow[],
  positions: readonly ({ x: number; y: number } | null)[],
  anchors: readonly { id: string; x: number; y: number; z: number }[],
  predict: (i: number, p: { x: number; y: number }) => number,
  floorDbm: number,
  sigmaDb: number,
): number | null {
  const below: number[] = [];
  const heard: number[] = [];
  const missed: number[] = [];
  windows.forEach((w, k) => {
    const p = positions[k];
    if (!p) return;
    anchors.forEach((a, i) => {
      const mu = predict(i, p);
      const h = Math.min(w.scans, w.readings.get(a.id)?.length ?? 0);
      below.push(normalCdf((floorDbm - mu) / sigmaDb));
      heard.push(h);
      missed.push(Math.max(0, w.scans - h));
    });
  });
  const total = heard.reduce((s, h, i) => s + h + missed[i]!, 0);
  const totalMissed = missed.reduce((s, m) => s + m, 0);
  if (total === 0 || totalMissed === 0) return null;
  let pi = 0.3;
  for (let it = 0; it < 50; it += 1) {
    let acc = 0;
    for (let i = 0; i < below.length; i += 1) {
      if (missed[i]! === 0) continue;
      acc += (missed[i]! * pi) / (pi + (1 - pi) * below[i]!);
    }
    pi = clamp(acc / total, 0.01, 0.99);
  }
  return pi;
}

/**
 * Leave-one-anchor-out prediction error of single readings (robust: scaled median absolute
 * deviation), dB; null without a window of three or more anchors.
 */
function predictiveSigma(
  windows: readonly CalibrationWindow[],
  locateWithout: (w: CalibrationWindow, skip: string) => { x: number; y: number } | null,
  index: ReadonlyMap<string, number>,
  predict: (i: number, p: { x: number; y: number }) => number,
): number | null {
  const residuals: number[] = [];
  for (const w of windows) {
    if (w.readings.size < 3) continue;
    for (const [id, r] of w.readings) {
      const i = index.get(id);
      if (i === undefined || r.length === 0) continue;
      const p = locateWithout(w, id);
      if (!p) continue;
      const mu = predict(i, p);
      for (const v of r) residuals.push(v - mu);
    }
  }
  if (residuals.length < 10) return null;
  const centre = median(residuals);
  return 1.4826 * median(residuals.map((e) => Math.abs(e - centre)));
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function quantileOf(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))]!;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
