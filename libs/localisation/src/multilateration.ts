import { weightedCentroid } from './baselines.js';
import { clamp, type Box } from './geometry.js';
import { invertSmall, solveLinear } from './linear-algebra.js';
import { usableLinks, type LinkMeasurement } from './link.js';
import { MIN_RANGE_M } from './path-loss.js';

/** 10/ln(10): d(10·log10 d)/d(ln d). */
const DB_PER_NEPER = 10 / Math.LN10;
/** Huber's tuning constant (95 % efficiency under Gaussian noise), in σ units. */
export const HUBER_K = 1.345;
/** Cauchy's tuning constant (95 % efficiency under Gaussian noise), in σ units. */
export const CAUCHY_K = 2.385;
/** Levenberg–Marquardt iteration cap: 2–3 parameters converge in well under 20 from a centroid start. */
const MAX_ITERATIONS = 60;
/** Stop when a step moves the position less than this, metres. */
const STEP_TOLERANCE_M = 1e-5;

export type RobustLoss = 'huber' | 'cauchy' | 'none';

/** What is known of the subject's transmit-power offset (dB above the calibration's typical device). */
export interface TxPrior {
  mean: number;
  /** 0: known exactly (not estimated); Infinity: no prior (free third parameter). */
  sigmaDb: number;
}

export interface MultilaterationInput {
  links: readonly LinkMeasurement[];
  /** Shadowing σ of one reading, dB. */
  sigmaDb: number;
  /** Height of the device above the floor, metres (phones: ~1.2). */
  deviceHeight: number;
  tx: TxPrior;
  loss?: RobustLoss;
  /** Positions are kept inside this box (the floor plan plus a margin). */
  bounds?: Box;
  /** Extra start points (e.g. the previous fix); the weighted centroid and strongest anchor are always tried. */
  starts?: readonly { x: number; y: number }[];
  /**
   * A Gaussian prior on the position (mean, per-axis variance m²): the solver then returns the
   * maximum a-posteriori position, and the covariance is the posterior's. Without it: maximum likelihood.
   */
  positionPrior?: { x: number; y: number; variance: number };
}

export interface MultilaterationResult {
  x: number;
  y: number;
  /** Estimated transmit-power offset, dB. */
  txOffset: number;
  /** Position covariance, m² (the x/y block of the inverse Fisher information at the solution). */
  covariance: { xx: number; xy: number; yy: number };
  /** Variance of `txOffset`, dB² (0 when it was known). */
  txVariance: number;
  /** √(σx² + σy²): 1-σ radial (DRMS) uncertainty, metres. */
  uncertainty: number;
  /** Robust cost at the solution (½Σρ(residual/σ)). */
  cost: number;
  iterations: number;
  converged: boolean;
}

interface Model {
  ax: Float64Array;
  ay: Float64Array;
  dz2: Float64Array;
  p0: Float64Array;
  n: Float64Array;
  rssi: Float64Array;
  /** 1/s_i where s_i = σ/√weight. */
  invS: Float64Array;
  count: number;
}

/**
 * Weighted non-linear least squares on the log-distance model, in the RSSI domain (the maximum-
 * likelihood estimator under log-normal shadowing): minimises Σ ρ((rssiᵢ − μᵢ(x, y, b))/sᵢ) with
 * μᵢ = Pᵢ + b − 10·nᵢ·log10(dᵢ), by Levenberg–Marquardt with iteratively reweighted robust loss,
 * from the weighted centroid and the strongest anchor. The transmit-power offset b is a third
 * parameter unless `tx.sigmaDb` is 0. Returns null when nothing finite can be computed (no usable
 * link, singular information); the caller falls back.
 */
export function multilaterate(input: MultilaterationInput): MultilaterationResult | null {
  const links = usableLinks(input.links);
  if (links.length === 0 || !(input.sigmaDb > 0) || !Number.isFinite(input.deviceHeight)) {
    return null;
  }
  const model = buildModel(links, input);
  const fitTx = input.tx.sigmaDb !== 0 && Number.isFinite(input.tx.mean);
  const txMean = Number.isFinite(input.tx.mean) ? input.tx.mean : 0;
  const priorW = fitTx && Number.isFinite(input.tx.sigmaDb) ? 1 / input.tx.sigmaDb ** 2 : 0;
  const loss = input.loss ?? 'huber';
  const pp = input.positionPrior;
  const prior: PositionPrior =
    pp && [pp.x, pp.y].every(Number.isFinite) && pp.variance > 0 && Number.isFinite(pp.variance)
      ? { x: pp.x, y: pp.y, w: 1 / pp.variance }
      : { x: 0, y: 0, w: 0 };
  const starts: { x: number; y: number }[] = [];
  const centroid = weightedCentroid(links, { deviceHeight: input.deviceHeight });
  if (centroid) starts.push(centroid);
  let strongest = links[0] as LinkMeasurement;
  for (const l of links) {
    if (
      l.rssi - l.anchor.calibration.measuredPower >
      strongest.rssi - strongest.anchor.calibration.measuredPower
    ) {
      strongest = l;
    }
  }
  if (centroid) {
    // Nudged off the anchor towards the centroid, so the gradient is defined.
    starts.push({
      x: strongest.anchor.x + 0.1 * (centroid.x - strongest.anchor.x) + 0.01,
      y: strongest.anchor.y + 0.1 * (centroid.y - strongest.anchor.y) + 0.01,
    });
  }
  for (const s of input.starts ?? []) {
    if (Number.isFinite(s.x) && Number.isFinite(s.y)) starts.push(s);
  }
  let best: MultilaterationResult | null = null;
  for (const start of starts) {
    const result = levenbergMarquardt({
      model,
      start,
      fitTx,
      txMean,
      priorW,
      prior,
      loss,
      bounds: input.bounds,
    });
    if (result && (!best || result.cost < best.cost)) best = result;
  }
  return best;
}

function buildModel(links: readonly LinkMeasurement[], input: MultilaterationInput): Model {
  const count = links.length;
  const m: Model = {
    ax: new Float64Array(count),
    ay: new Float64Array(count),
    dz2: new Float64Array(count),
    p0: new Float64Array(count),
    n: new Float64Array(count),
    rssi: new Float64Array(count),
    invS: new Float64Array(count),
    count,
  };
  links.forEach((l, i) => {
    m.ax[i] = l.anchor.x;
    m.ay[i] = l.anchor.y;
    m.dz2[i] = (l.anchor.z - input.deviceHeight) ** 2;
    m.p0[i] = l.anchor.calibration.measuredPower + l.anchor.calibration.receiverOffset;
    m.n[i] = l.anchor.calibration.pathLossExponent;
    m.rssi[i] = l.rssi;
    m.invS[i] = Math.sqrt(l.weight) / input.sigmaDb;
  });
  return m;
}

/** Position prior as the solver uses it: mean and per-axis information (1/variance; 0: none). */
interface PositionPrior {
  x: number;
  y: number;
  w: number;
}

function rho(e: number, loss: RobustLoss): number {
  const a = Math.abs(e);
  switch (loss) {
    case 'huber':
      return a <= HUBER_K ? 0.5 * e * e : HUBER_K * a - 0.5 * HUBER_K * HUBER_K;
    case 'cauchy':
      return 0.5 * CAUCHY_K * CAUCHY_K * Math.log1p((e / CAUCHY_K) ** 2);
    case 'none':
      return 0.5 * e * e;
  }
}

/** IRLS weight ρ'(e)/e. */
function robustWeight(e: number, loss: RobustLoss): number {
  const a = Math.abs(e);
  switch (loss) {
    case 'huber':
      return a <= HUBER_K ? 1 : HUBER_K / a;
    case 'cauchy':
      return 1 / (1 + (e / CAUCHY_K) ** 2);
    case 'none':
      return 1;
  }
}

function cost(
  m: Model,
  theta: readonly [number, number, number],
  loss: RobustLoss,
  txMean: number,
  priorW: number,
  prior: PositionPrior,
): number {
  const [x, y, b] = theta;
  let c = 0.5 * prior.w * ((x - prior.x) ** 2 + (y - prior.y) ** 2);
  for (let i = 0; i < m.count; i += 1) {
    const d2 = Math.max(MIN_RANGE_M ** 2, (x - m.ax[i]!) ** 2 + (y - m.ay[i]!) ** 2 + m.dz2[i]!);
    const mu = m.p0[i]! + b - 5 * m.n[i]! * Math.log10(d2);
    c += rho((m.rssi[i]! - mu) * m.invS[i]!, loss);
  }
  return c + 0.5 * priorW * (b - txMean) ** 2;
}

/** Normal equations at θ: H = JᵀΩJ (+ prior), g = JᵀΩe (+ prior), both 3×3 / 3. */
function normalEquations(
  m: Model,
  theta: readonly [number, number, number],
  loss: RobustLoss,
): { h: number[][]; g: number[] } {
  const [x, y, b] = theta;
  const h = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const g = [0, 0, 0];
  for (let i = 0; i < m.count; i += 1) {
    const dx = x - m.ax[i]!;
    const dy = y - m.ay[i]!;
    const d2raw = dx * dx + dy * dy + m.dz2[i]!;
    const d2 = Math.max(MIN_RANGE_M ** 2, d2raw);
    const mu = m.p0[i]! + b - 5 * m.n[i]! * Math.log10(d2);
    const s = m.invS[i]!;
    const e = (m.rssi[i]! - mu) * s;
    const w = robustWeight(e, loss);
    const k = d2raw > MIN_RANGE_M ** 2 ? (-DB_PER_NEPER * m.n[i]!) / d2 : 0;
    const j0 = k * dx * s;
    const j1 = k * dy * s;
    const j2 = s;
    const jr = [j0, j1, j2];
    for (let r = 0; r < 3; r += 1) {
      g[r] = g[r]! + w * jr[r]! * e;
      const hr = h[r]!;
      for (let c = 0; c < 3; c += 1) hr[c] = hr[c]! + w * jr[r]! * jr[c]!;
    }
  }
  return { h, g };
}

function levenbergMarquardt(params: {
  model: Model;
  start: { x: number; y: number };
  fitTx: boolean;
  txMean: number;
  priorW: number;
  prior: PositionPrior;
  loss: RobustLoss;
  bounds: Box | undefined;
}): MultilaterationResult | null {
  const { model, fitTx, txMean, priorW, prior, loss, bounds } = params;
  const addPrior = (h: number[][], g: number[] | null, t: readonly number[]): void => {
    h[0]![0] = h[0]![0]! + prior.w;
    h[1]![1] = h[1]![1]! + prior.w;
    if (g) {
      g[0] = g[0]! + prior.w * (prior.x - t[0]!);
      g[1] = g[1]! + prior.w * (prior.y - t[1]!);
    }
  };
  const dim = fitTx ? 3 : 2;
  const project = (t: [number, number, number]): [number, number, number] =>
    bounds
      ? [clamp(t[0], bounds.minX, bounds.maxX), clamp(t[1], bounds.minY, bounds.maxY), t[2]]
      : t;
  let theta = project([params.start.x, params.start.y, txMean]);
  if (fitTx) theta[2] = bestTxOffset(model, theta, txMean, priorW);
  let current = cost(model, theta, loss, txMean, priorW, prior);
  let lambda = 1e-2;
  let iterations = 0;
  let converged = false;
  for (; iterations < MAX_ITERATIONS; iterations += 1) {
    const { h, g } = normalEquations(model, theta, loss);
    addPrior(h, g, theta);
    if (fitTx) {
      h[2]![2] = h[2]![2]! + priorW;
      g[2] = g[2]! + priorW * (txMean - theta[2]);
    }
    let accepted = false;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const a: number[][] = [];
      for (let r = 0; r < dim; r += 1) {
        const row: number[] = [];
        for (let c = 0; c < dim; c += 1) {
          const v = h[r]![c]!;
          row.push(r === c ? v + lambda * Math.max(v, 1e-9) : v);
        }
        a.push(row);
      }
      const delta = solveLinear(a, g.slice(0, dim));
      if (!delta) {
        lambda *= 10;
        continue;
      }
      const next = project([
        theta[0] + delta[0]!,
        theta[1] + delta[1]!,
        fitTx ? theta[2] + delta[2]! : theta[2],
      ]);
      const nextCost = cost(model, next, loss, txMean, priorW, prior);
      if (Number.isFinite(nextCost) && nextCost <= current) {
        const moved = Math.hypot(next[0] - theta[0], next[1] - theta[1]);
        theta = next;
        const improvement = current - nextCost;
        current = nextCost;
        lambda = Math.max(1e-9, lambda / 3);
        accepted = true;
        if (moved < STEP_TOLERANCE_M && improvement < 1e-10 * (1 + current)) converged = true;
        break;
      }
      lambda *= 4;
    }
    if (!accepted) {
      converged = true; // no descent direction left: a (local) minimum at this precision
      break;
    }
    if (converged) break;
  }
  const { h } = normalEquations(model, theta, loss);
  addPrior(h, null, theta);
  let cov: number[][] | null;
  if (fitTx) {
    h[2]![2] = h[2]![2]! + priorW;
    cov = invertSmall(h);
  } else {
    cov = invertSmall([
      [h[0]![0]!, h[0]![1]!],
      [h[1]![0]!, h[1]![1]!],
    ]);
  }
  if (!cov) return null;
  const xx = cov[0]![0]!;
  const yy = cov[1]![1]!;
  const xy = cov[0]![1]!;
  const txVariance = fitTx ? cov[2]![2]! : 0;
  const uncertainty = Math.sqrt(xx + yy);
  const values = [theta[0], theta[1], theta[2], xx, yy, xy, txVariance, uncertainty, current];
  if (!values.every(Number.isFinite) || xx < 0 || yy < 0) return null;
  return {
    x: theta[0],
    y: theta[1],
    txOffset: theta[2],
    covariance: { xx, xy, yy },
    txVariance,
    uncertainty,
    cost: current,
    iterations,
    converged,
  };
}

/** Closed-form best b for a fixed position (least squares with the prior), as the start value. */
function bestTxOffset(
  m: Model,
  theta: readonly [number, number, number],
  txMean: number,
  priorW: number,
): number {
  let num = priorW * txMean;
  let den = priorW;
  for (let i = 0; i < m.count; i += 1) {
    const d2 = Math.max(
      MIN_RANGE_M ** 2,
      (theta[0] - m.ax[i]!) ** 2 + (theta[1] - m.ay[i]!) ** 2 + m.dz2[i]!,
    );
    const w = m.invS[i]! ** 2;
    num += w * (m.rssi[i]! - (m.p0[i]! - 5 * m.n[i]! * Math.log10(d2)));
    den += w;
  }
  const b = num / den;
  return Number.isFinite(b) ? b : txMean;
}
