import {
  cellCrossings,
  cellLogDistances,
  crossingsAt,
  isBlocked,
  type FloorGrid,
} from './floor-grid.js';
import type { Anchor, LinkMeasurement } from './link.js';
import { usableLinks } from './link.js';
import type { TxPrior } from './multilateration.js';
import { MIN_RANGE_M } from './path-loss.js';

/**
 * The measurement model of the robust solver. Everything here is either fitted from the data
 * ({@link selfCalibrate}) or a fixed constant of the method (one set for every store and survey).
 */
export interface RobustModel {
  /** Standard deviation of one reading around the path-loss model (its Gaussian core), dB. */
  sigmaDb: number;
  /**
   * Huber's noise density: Gaussian within ±k·σ, Laplace (exponential) tails beyond, so a
   * reflected or blocked reading 10σ off pulls a fix no harder than one 2σ off. In σ units.
   */
  huberK: number;
  /**
   * Share of a reading's variance that averaging over a window does not remove (shadowing by the
   * building is the same for every reading at one spot; only fast fading averages out):
   * var(mean of k) = σ²·(ρ + (1 − ρ)/k).
   */
  correlatedShare: number;
  /**
   * An anchor that did not hear the subject says the subject is probably far from it — unless the
   * reading was simply missed (scans are short, advertisements collide), which happens with
   * `missProbability` wherever the subject is: P(unheard | x) = π + (1 − π)·Φ((floor − μ(x))/σ).
   * Null: unheard anchors carry no information.
   */
  censoring: { floorDbm: number; missProbability: number } | null;
  /**
   * Correlation of the errors of different links of one fix (the body of the person holding the
   * phone shadows every anchor behind it; the phone's own gain varies): m links then carry the
   * information of m / (1 + (m − 1)·r) independent ones, which tempers the likelihood accordingly.
   */
  linkCorrelation: number;
  /**
   * The posterior's radii are multiplied by this (its covariance by the square) for the errors the
   * model does not describe (a wrong exponent, multipath that depends on the spot). The point
   * estimate is not affected. One constant for every store and survey, chosen by cross-validation
   * (see the README), never per data set.
   */
  radiusScale: number;
  /**
   * Extra loss per obstacle of the floor plan on the straight path (multi-wall model: shelves of
   * goods attenuate 2.4 GHz), dB; fitted by {@link selfCalibrate}, 0 without obstacles.
   */
  obstacleLossDb: number;
  /**
   * The body of the person holding the phone (and the phone's own antenna pattern) weakens the
   * anchors on one side of it: a gain a·cos θ + b·sin θ by the bearing θ to each anchor, with an
   * unknown orientation, so (a, b) ~ N(0, τ²) each are integrated out per fix (like the transmit
   * offset). Unmodelled, it shifts every fix of a many-anchor scan away from the shadowed side
   * while the posterior narrows as if the links were independent. τ in dB; fitted by
   * {@link selfCalibrate}; 0: no such term (and no cost).
   */
  orientationGainDb: number;
}

/**
 * The model a store starts with (self-calibration replaces σ, ρ, r, censoring and the obstacle
 * loss with fitted values). The two constants of the method, one set for every store and survey:
 * k = 2 (Huber; between the survey's best, Gaussian, and the robustness a store needs — see the
 * README) and the radius scale, learned by leave-one-data-set-out cross-validation over the
 * simulated store and the survey's collection sets (`npm run bench -- localisation`).
 */
export const DEFAULT_ROBUST_MODEL: RobustModel = {
  sigmaDb: 4,
  huberK: 2,
  correlatedShare: 0,
  linkCorrelation: 0,
  censoring: null,
  radiusScale: 1.1,
  obstacleLossDb: 0,
  orientationGainDb: 0,
};

export interface GridFix {
  /** Posterior mean, metres. */
  x: number;
  y: number;
  /** Posterior covariance, m². */
  covariance: { xx: number; xy: number; yy: number };
  /** √(σx² + σy²), metres. */
  uncertainty: number;
  /** Radius around (x, y) holding 68 % / 95 % of the posterior mass, metres. */
  radius68: number;
  radius95: number;
  /** Most probable cell. */
  mode: { x: number; y: number };
  /** Transmit-power offset at the mean (profiled), dB, and its variance (0 when it was known). */
  txOffset: number;
  txVariance: number;
  /** Heard links used. */
  links: number;
}

/** The coarse pass keeps the region within this many nats of its peak (e^−20 ≈ 2·10⁻⁹). */
const COARSE_MARGIN_NATS = 20;
/** Refinements of a sharp posterior at most (each 2.5× finer: 1 m → 0.4 → 0.16 → 0.064 m). */
const REFINE_LEVELS = 3;
/** Fine grid around a sharp posterior: this many points per side. */
const REFINE_POINTS = 11;

// Scratch buffers reused across calls (the solver is synchronous and nothing in them escapes a
// call): the fine grid's points and weights, and the posterior over the floor grid.
const FINE_X = new Float64Array(REFINE_POINTS * REFINE_POINTS);
const FINE_Y = new Float64Array(REFINE_POINTS * REFINE_POINTS);
const FINE_W = new Float64Array(REFINE_POINTS * REFINE_POINTS);
let gridScratch = new Float64Array(0);
let coarseScratch = new Float64Array(0);
const BINS = new Float64Array(512);

/**
 * Bayesian fix on the floor grid: prior = uniform over free cells (inside the store, outside
 * obstacles) × an optional Gaussian position prior (the tracker's prediction); likelihood = Student-t
 * per heard link (the device's transmit-power offset profiled out per cell, with its prior) × the
 * censored term per unheard anchor. Returns the posterior mean, covariance and mass radii; a sharp
 * posterior (spread below 1.5 cells) is re-evaluated on a fine grid around it, so the grid step
 * does not limit precision. Null when no link is usable.
 */
export function gridPosterior(params: {
  grid: FloorGrid;
  links: readonly LinkMeasurement[];
  /** Anchors of the store that did not hear the subject in the window (censoring). */
  unheard?: readonly Anchor[];
  /** Scans the window held: an unheard anchor missed all of them (default 1). */
  unheardScans?: number;
  /**
   * Per heard link (same order as `links`), the scans of the window in which its anchor missed
   * the subject: the mean of the readings that were heard is biased towards strong ones, and the
   * misses say so (censoring; used only when the model censors).
   */
  linkMisses?: readonly number[];
  tx: TxPrior;
  deviceHeight: number;
  model: RobustModel;
  positionPrior?: { x: number; y: number; variance: number };
}): GridFix | null {
  const links = usableLinks(params.links);
  if (links.length === 0) return null;
  const { grid, model, deviceHeight } = params;
  const misses =
    params.linkMisses &&
    params.linkMisses.length === params.links.length &&
    links.length === params.links.length
      ? params.linkMisses
      : null;
  const ev = makeEvaluator(
    links,
    params.unheard ?? [],
    params.unheardScans ?? 1,
    misses,
    params.tx,
    model,
  );
  const pp = params.positionPrior;
  const priorW =
    pp && Number.isFinite(pp.x) && Number.isFinite(pp.y) && pp.variance > 0 ? 0.5 / pp.variance : 0;
  const wall = model.obstacleLossDb > 0 && (grid.plan.obstacles ?? []).length > 0;
  const tableOf = (a: Anchor, g: FloorGrid = grid): Float64Array => {
    const logD = cellLogDistances(g, a, deviceHeight);
    if (!wall) return logD;
    // Effective log-distance: n·L + A·W = n·(L + A·W/n).
    const w = cellCrossings(g, a);
    const k = model.obstacleLossDb / a.calibration.pathLossExponent;
    const out = new Float64Array(g.size);
    for (let c = 0; c < g.size; c += 1) out[c] = logD[c]! + k * w[c]!;
    return out;
  };
  const pointLoss = (a: Anchor, x: number, y: number): number =>
    logDistance(a, x, y, deviceHeight) +
    (wall
      ? (model.obstacleLossDb / a.calibration.pathLossExponent) * crossingsAt(grid, a, x, y)
      : 0);
  const tables = links.map((l) => tableOf(l.anchor));
  const unheardTables = ev.unheard.map((a) => tableOf(a));
  const size = grid.size;
  if (gridScratch.length < size) gridScratch = new Float64Array(size);
  const lp = gridScratch;
  let best = -Infinity;
  let bestI = 0;
  const { ld, uld } = ev;
  const nl = tables.length;
  const nu = unheardTables.length;
  const evaluate = (g: FloorGrid, t: Float64Array[], ut: Float64Array[], c: number): number => {
    for (let i = 0; i < nl; i += 1) ld[i] = t[i]![c]!;
    for (let j = 0; j < nu; j += 1) uld[j] = ut[j]![c]!;
    ev.x = g.cx[c]!;
    ev.y = g.cy[c]!;
    let v = ev.logLikelihood();
    if (priorW > 0) v -= priorW * ((g.cx[c]! - pp!.x) ** 2 + (g.cy[c]! - pp!.y) ** 2);
    return v;
  };
  // Coarse pass: only the region where the coarse posterior is within COARSE_MARGIN_NATS of its
  // peak (grown by two coarse cells) is searched at full resolution.
  let box: { minX: number; minY: number; maxX: number; maxY: number } | null = null;
  const coarse = grid.coarse;
  if (coarse) {
    const ct = links.map((l) => tableOf(l.anchor, coarse));
    const cut = ev.unheard.map((a) => tableOf(a, coarse));
    if (coarseScratch.length < coarse.size) coarseScratch = new Float64Array(coarse.size);
    const clp = coarseScratch;
    let cbest = -Infinity;
    for (let c = 0; c < coarse.size; c += 1) {
      clp[c] = evaluate(coarse, ct, cut, c);
      if (clp[c]! > cbest) cbest = clp[c]!;
    }
    if (Number.isFinite(cbest)) {
      const grow = 2 * coarse.step;
      box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
      for (let c = 0; c < coarse.size; c += 1) {
        if (clp[c]! < cbest - COARSE_MARGIN_NATS) continue;
        box.minX = Math.min(box.minX, coarse.cx[c]! - grow);
        box.maxX = Math.max(box.maxX, coarse.cx[c]! + grow);
        box.minY = Math.min(box.minY, coarse.cy[c]! - grow);
        box.maxY = Math.max(box.maxY, coarse.cy[c]! + grow);
      }
    }
  }
  for (let c = 0; c < size; c += 1) {
    if (
      box &&
      (grid.cx[c]! < box.minX ||
        grid.cx[c]! > box.maxX ||
        grid.cy[c]! < box.minY ||
        grid.cy[c]! > box.maxY)
    ) {
      lp[c] = -Infinity;
      continue;
    }
    for (let i = 0; i < nl; i += 1) ld[i] = tables[i]![c]!;
    for (let j = 0; j < nu; j += 1) uld[j] = unheardTables[j]![c]!;
    ev.x = grid.cx[c]!;
    ev.y = grid.cy[c]!;
    let v = ev.logLikelihood();
    if (priorW > 0) v -= priorW * ((grid.cx[c]! - pp!.x) ** 2 + (grid.cy[c]! - pp!.y) ** 2);
    lp[c] = v;
    if (v > best) {
      best = v;
      bestI = c;
    }
  }
  if (!Number.isFinite(best)) return null;
  const cx = grid.cx;
  const cy = grid.cy;
  // lp becomes the unnormalised posterior weights.
  for (let c = 0; c < size; c += 1) lp[c] = Math.exp(lp[c]! - best);
  let m = moments(cx, cy, lp, size);
  if (!m) return null;
  const cell = grid.step * grid.step;
  m = { ...m, cellVariance: cell / 12 };
  // Sharp: evaluate a finer grid of ±2 cells around the mean (the cells may straddle the peak),
  // and again while the posterior is still sharp for that grid, so the step never limits precision.
  let h = grid.step;
  const bb = grid.plan.bounds;
  const blocking = (grid.plan.obstacles ?? []).length > 0;
  // Per anchor (heard links first, then unheard): position and height offset, for the fine points.
  const na = nl + nu;
  const ax = new Float64Array(na);
  const ay = new Float64Array(na);
  const az = new Float64Array(na);
  const aw = new Float64Array(na);
  const anchors: Anchor[] = [];
  for (let i = 0; i < na; i += 1) {
    const a = i < nl ? links[i]!.anchor : ev.unheard[i - nl]!;
    anchors.push(a);
    ax[i] = a.x;
    ay[i] = a.y;
    az[i] = (a.z - deviceHeight) ** 2;
    aw[i] = wall ? model.obstacleLossDb / a.calibration.pathLossExponent : 0;
  }
  const min2 = MIN_RANGE_M * MIN_RANGE_M;
  const px = FINE_X;
  const py = FINE_Y;
  const pl = FINE_W;
  for (let level = 0; level < REFINE_LEVELS && m.xx + m.yy < (1.5 * h) ** 2; level += 1) {
    h = (4 * h) / (REFINE_POINTS - 1);
    let count = 0;
    let fineBest = -Infinity;
    const centreX = m.x;
    const centreY = m.y;
    for (let r = 0; r < REFINE_POINTS; r += 1) {
      const y = centreY + (r - (REFINE_POINTS - 1) / 2) * h;
      if (y < bb.minY || y > bb.maxY) continue;
      for (let k = 0; k < REFINE_POINTS; k += 1) {
        const x = centreX + (k - (REFINE_POINTS - 1) / 2) * h;
        if (x < bb.minX || x > bb.maxX || (blocking && isBlocked(grid, { x, y }))) continue;
        for (let i = 0; i < na; i += 1) {
          const d2 = (x - ax[i]!) ** 2 + (y - ay[i]!) ** 2 + az[i]!;
          let v = 5 * Math.log10(d2 > min2 ? d2 : min2);
          if (wall) v += aw[i]! * crossingsAt(grid, anchors[i]!, x, y);
          if (i < nl) ld[i] = v;
          else uld[i - nl] = v;
        }
        ev.x = x;
        ev.y = y;
        let v = ev.logLikelihood();
        if (priorW > 0) v -= priorW * ((x - pp!.x) ** 2 + (y - pp!.y) ** 2);
        px[count] = x;
        py[count] = y;
        pl[count] = v;
        count += 1;
        if (v > fineBest) fineBest = v;
      }
    }
    if (count === 0) break;
    for (let i = 0; i < count; i += 1) pl[i] = Math.exp(pl[i]! - fineBest);
    const fine = moments(px, py, pl, count);
    if (!fine) break;
    m = { ...fine, cellVariance: (h * h) / 12 };
  }
  const xx = m.xx + m.cellVariance;
  const yy = m.yy + m.cellVariance;
  const radii = massRadii(grid, lp, m.x, m.y, Math.sqrt(xx + yy));
  const k = model.radiusScale > 0 && Number.isFinite(model.radiusScale) ? model.radiusScale : 1;
  for (let i = 0; i < nl; i += 1) ld[i] = pointLoss(links[i]!.anchor, m.x, m.y);
  ev.x = m.x;
  ev.y = m.y;
  const txOffset = ev.txAt();
  return {
    x: m.x,
    y: m.y,
    covariance: { xx: k * k * xx, xy: k * k * m.xy, yy: k * k * yy },
    uncertainty: k * Math.sqrt(xx + yy),
    radius68: k * radii[0],
    radius95: k * radii[1],
    mode: { x: cx[bestI]!, y: cy[bestI]! },
    txOffset,
    txVariance: ev.txVariance,
    links: links.length,
  };
}

function logDistance(a: { x: number; y: number; z: number }, x: number, y: number, h: number) {
  const d2 = (x - a.x) ** 2 + (y - a.y) ** 2 + (a.z - h) ** 2;
  return 5 * Math.log10(Math.max(MIN_RANGE_M * MIN_RANGE_M, d2));
}

interface Moments {
  x: number;
  y: number;
  xx: number;
  xy: number;
  yy: number;
  cellVariance: number;
}

function moments(
  xs: Float64Array,
  ys: Float64Array,
  weights: Float64Array,
  n: number,
): Moments | null {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    const w = weights[i]!;
    if (w < 1e-12) continue;
    const x = xs[i]!;
    const y = ys[i]!;
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
    syy += w * y * y;
  }
  if (!(sw > 0)) return null;
  const x = sx / sw;
  const y = sy / sw;
  const out = {
    x,
    y,
    xx: Math.max(0, sxx / sw - x * x),
    xy: sxy / sw - x * y,
    yy: Math.max(0, syy / sw - y * y),
    cellVariance: 0,
  };
  return [out.x, out.y, out.xx, out.xy, out.yy].every(Number.isFinite) ? out : null;
}

/**
 * Radii around (x, y) holding 68 % and 95 % of the posterior mass: a histogram of the cells'
 * distances (O(cells), no sort). Below a cell's size the mass is spread by the Gaussian of the
 * posterior's own spread (the refined case), so a sharp posterior gets a proportionate radius.
 */
function massRadii(
  grid: FloorGrid,
  weights: Float64Array,
  x: number,
  y: number,
  drms: number,
): [number, number] {
  // A sharp posterior: the cells cannot resolve it; use the Gaussian of its covariance (r = k·DRMS
  // with k for a circular 2-D Gaussian: 68 %: 1.068, 95 %: 1.731).
  if (drms < 1.5 * grid.step) return [1.068 * drms, 1.731 * drms];
  const bin = grid.step / 2;
  const bins = BINS;
  bins.fill(0);
  let total = 0;
  for (let c = 0; c < grid.size; c += 1) {
    const w = weights[c]!;
    if (w < 1e-12) continue;
    const dx = grid.cx[c]! - x;
    const dy = grid.cy[c]! - y;
    const d = Math.sqrt(dx * dx + dy * dy);
    const k = Math.min(511, Math.floor(d / bin));
    bins[k] = bins[k]! + w;
    total += w;
  }
  const radius = (q: number): number => {
    let acc = 0;
    for (let k = 0; k < 512; k += 1) {
      const next = acc + bins[k]!;
      if (next >= q * total) {
        const f = bins[k]! > 0 ? (q * total - acc) / bins[k]! : 0;
        return (k + f) * bin;
      }
      acc = next;
    }
    return 512 * bin;
  };
  return [radius(0.68), radius(0.95)];
}

interface Evaluator {
  unheard: Anchor[];
  txVariance: number;
  /** Effective log-distance per heard link / per unheard anchor at the point being evaluated. */
  ld: Float64Array;
  uld: Float64Array;
  /** Log-likelihood at the point whose log-distances are in `ld` / `uld`. */
  logLikelihood(): number;
  /** Profiled transmit offset at that point. */
  txAt(): number;
  /** The point being evaluated (for the bearings of the orientation term). */
  x: number;
  y: number;
}

function makeEvaluator(
  links: readonly LinkMeasurement[],
  unheardAll: readonly Anchor[],
  unheardScans: number,
  linkMisses: readonly number[] | null,
  tx: TxPrior,
  model: RobustModel,
): Evaluator {
  const count = links.length;
  const p0 = new Float64Array(count);
  const n = new Float64Array(count);
  const rssi = new Float64Array(count);
  const w = new Float64Array(count);
  const rho = Math.min(1, Math.max(0, model.correlatedShare));
  const s2 = model.sigmaDb * model.sigmaDb;
  let sw = 0;
  links.forEach((l, i) => {
    p0[i] = l.anchor.calibration.measuredPower + l.anchor.calibration.receiverOffset;
    n[i] = l.anchor.calibration.pathLossExponent;
    rssi[i] = l.rssi;
    w[i] = 1 / (s2 * (rho + (1 - rho) / Math.max(1, l.weight)));
    sw += w[i];
  });
  const fitTx = tx.sigmaDb !== 0 && Number.isFinite(tx.mean);
  const txMean = Number.isFinite(tx.mean) ? tx.mean : 0;
  const txW = fitTx && Number.isFinite(tx.sigmaDb) ? 1 / (tx.sigmaDb * tx.sigmaDb) : 0;
  const huberK = model.huberK > 0 && Number.isFinite(model.huberK) ? model.huberK : Infinity;
  const huberC = Number.isFinite(huberK) ? 0.5 * huberK * huberK : 0;
  const sqw = Float64Array.from(w, (v) => Math.sqrt(v));
  const r = Math.min(1, Math.max(0, model.linkCorrelation));
  const tauTemper = 1 / (1 + (count - 1) * r);
  const cens = model.censoring;
  const unheard = cens
    ? unheardAll.filter(
        (a) =>
          [a.x, a.y, a.z, a.calibration.measuredPower, a.calibration.receiverOffset].every(
            Number.isFinite,
          ) && a.calibration.pathLossExponent > 0,
      )
    : [];
  const up0 = Float64Array.from(
    unheard.map((a) => a.calibration.measuredPower + a.calibration.receiverOffset),
  );
  const un = Float64Array.from(unheard.map((a) => a.calibration.pathLossExponent));
  // Missed in every one of k scans: a real miss each time (π^k), or below the floor (shared shadowing).
  const pi1 = cens ? Math.min(1, Math.max(1e-6, cens.missProbability)) : 1;
  const pi = pi1 ** Math.max(1, unheardScans);
  const missCount = Float64Array.from(links, (_, i) =>
    cens && linkMisses ? Math.max(0, linkMisses[i] ?? 0) : 0,
  );
  const anyMisses = missCount.some((m) => m > 0);
  const invSigma = 1 / model.sigmaDb;
  const residual = new Float64Array(count);
  const ld = new Float64Array(count);
  const uld = new Float64Array(unheard.length);
  const tau = Number.isFinite(model.orientationGainDb) ? Math.max(0, model.orientationGainDb) : 0;
  const tauW = tau > 0 ? 1 / (tau * tau) : 0;
  const lx = Float64Array.from(links, (l) => l.anchor.x);
  const ly = Float64Array.from(links, (l) => l.anchor.y);
  const cosT = new Float64Array(count);
  const sinT = new Float64Array(count);
  /**
   * Transmit offset b and orientation gains (a, c) at the point (x, y): weighted least squares of
   * the residuals on [1, cos θ, sin θ] with their priors; returns −½·log det of the normal matrix
   * (the Gaussian integral over the nuisances, which depends on the point through the bearings),
   * and leaves residual[i] with the fitted gains removed.
   */
  const orient = (x: number, y: number): number => {
    let m00 = (fitTx ? txW : 1e9) + 0;
    let m01 = 0;
    let m02 = 0;
    let m11 = tauW;
    let m12 = 0;
    let m22 = tauW;
    let v0 = (fitTx ? txW : 1e9) * txMean;
    let v1 = 0;
    let v2 = 0;
    for (let i = 0; i < count; i += 1) {
      residual[i] = rssi[i]! - (p0[i]! - n[i]! * ld[i]!);
      const dx = lx[i]! - x;
      const dy = ly[i]! - y;
      const d = Math.sqrt(dx * dx + dy * dy);
      const c = d > 1e-6 ? dx / d : 0;
      const sn = d > 1e-6 ? dy / d : 0;
      cosT[i] = c;
      sinT[i] = sn;
      const wi = w[i]!;
      const r = residual[i]!;
      m00 += wi;
      m01 += wi * c;
      m02 += wi * sn;
      m11 += wi * c * c;
      m12 += wi * c * sn;
      m22 += wi * sn * sn;
      v0 += wi * r;
      v1 += wi * c * r;
      v2 += wi * sn * r;
    }
    // 3×3 symmetric solve (Cramer's rule).
    const c00 = m11 * m22 - m12 * m12;
    const c01 = m02 * m12 - m01 * m22;
    const c02 = m01 * m12 - m02 * m11;
    const det = m00 * c00 + m01 * c01 + m02 * c02;
    if (!(det > 0)) return 0;
    const c11 = m00 * m22 - m02 * m02;
    const c12 = m01 * m02 - m00 * m12;
    const c22 = m00 * m11 - m01 * m01;
    const b = (c00 * v0 + c01 * v1 + c02 * v2) / det;
    const a = (c01 * v0 + c11 * v1 + c12 * v2) / det;
    const e = (c02 * v0 + c12 * v1 + c22 * v2) / det;
    lastTx = b;
    priorPenalty = 0.5 * (txW * (b - txMean) * (b - txMean) + tauW * (a * a + e * e));
    for (let i = 0; i < count; i += 1) residual[i] = residual[i]! - a * cosT[i]! - e * sinT[i]!;
    // The prior's own normaliser is the same at every point; only the data part varies.
    return -0.5 * Math.log(det);
  };
  let lastTx = txMean;
  let priorPenalty = 0;
  const txOf = (): number => {
    if (tauW > 0) {
      orient(ev.x, ev.y);
      return lastTx;
    }
    let num = txW * txMean;
    for (let i = 0; i < count; i += 1) {
      residual[i] = rssi[i]! - (p0[i]! - n[i]! * ld[i]!);
      num += w[i]! * residual[i]!;
    }
    return fitTx ? num / (sw + txW) : txMean;
  };
  const ev: Evaluator = {
    unheard,
    txVariance: fitTx ? 1 / (sw + txW) : 0,
    ld,
    uld,
    x: 0,
    y: 0,
    txAt: txOf,
    logLikelihood() {
      let b: number;
      let ll: number;
      if (tauW > 0) {
        ll = orient(ev.x, ev.y);
        b = lastTx;
        ll -= priorPenalty;
      } else {
        b = txOf();
        ll = -0.5 * txW * (b - txMean) * (b - txMean);
      }
      for (let i = 0; i < count; i += 1) {
        const e = residual[i]! - b;
        const z = Math.abs(e) * sqw[i]!;
        ll -= z <= huberK ? 0.5 * z * z : huberK * z - huberC;
      }
      if (anyMisses) {
        for (let i = 0; i < count; i += 1) {
          if (missCount[i]! === 0) continue;
          const mu = rssi[i]! - residual[i]! + b;
          const p = pi1 + (1 - pi1) * normalCdf((cens!.floorDbm - mu) * invSigma);
          ll += missCount[i]! * Math.log(p);
        }
      }
      for (let j = 0; j < unheard.length; j += 1) {
        const mu = up0[j]! + b - un[j]! * uld[j]!;
        ll += Math.log(pi + (1 - pi) * normalCdf((cens!.floorDbm - mu) * invSigma));
      }
      return tauTemper * ll;
    },
  };
  return ev;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erfc; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = y * Math.exp(-x * x);
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}
