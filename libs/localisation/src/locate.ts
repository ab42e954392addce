import { nearestAnchor, weightedCentroid } from './baselines.js';
import type { FloorGrid } from './floor-grid.js';
import { spreadMinEigenvalue, type Box } from './geometry.js';
import { DEFAULT_ROBUST_MODEL, gridPosterior, type RobustModel } from './grid-posterior.js';
import { usableLinks, type Anchor, type LinkMeasurement } from './link.js';
import { multilaterate, type RobustLoss, type TxPrior } from './multilateration.js';

export type LocateMethod = 'multilateration' | 'centroid' | 'nearest';

export interface LocateOptions {
  /** 'aisle' = solver with fallbacks; the others force a baseline (for benchmarks and comparison). */
  strategy: 'aisle' | 'centroid' | 'nearest';
  sigmaDb: number;
  deviceHeight: number;
  loss: RobustLoss;
  /** Solver fixes less certain than this (1-σ radial, metres) are replaced by the centroid. */
  maxUncertaintyM: number;
  /**
   * Per-axis error variance of the weighted centroid, m², when it is known (measured on surveyed
   * points): the solver then treats the centroid as a Gaussian prior of that variance and returns
   * the MAP position, which shrinks poorly determined fixes towards it. 0: maximum likelihood.
   */
  centroidPriorVarianceM2: number;
  /** Anchor layouts whose scatter has a smaller eigenvalue than this (m²) count as collinear. */
  minSpreadM2: number;
  /**
   * 'posterior': the Bayesian grid solver ({@link gridPosterior}: Student-t noise, floor-plan
   * prior, calibrated radius) when a floor grid is given; 'least-squares': the Levenberg–Marquardt
   * solver ({@link multilaterate}). Without a floor grid the least-squares solver is used.
   */
  solver: 'posterior' | 'least-squares';
}

export const DEFAULT_LOCATE: LocateOptions = {
  strategy: 'aisle',
  sigmaDb: 4,
  deviceHeight: 1.2,
  loss: 'huber',
  maxUncertaintyM: 20,
  minSpreadM2: 0.25,
  centroidPriorVarianceM2: 0,
  solver: 'posterior',
};

/** Radius of a circular 2-D Gaussian holding 68 % / 95 % of its mass, in units of its DRMS. */
export const GAUSSIAN_RADIUS_68 = 1.068;
export const GAUSSIAN_RADIUS_95 = 1.731;

export interface Fix {
  x: number;
  y: number;
  /** 1-σ radial (DRMS), metres. */
  uncertainty: number;
  /** Radius around (x, y) that holds the truth 68 % / 95 % of the time, metres. */
  radius68: number;
  radius95: number;
  method: LocateMethod;
  /** Solver's transmit-power offset and its variance (multilateration only). */
  tx: { offset: number; variance: number } | null;
  sensorCount: number;
}

/**
 * One position fix from a set of smoothed links: the robust solver when the geometry allows it
 * (three or more anchors, not collinear, finite and not hopeless covariance), else the weighted
 * centroid (two or more anchors), else the nearest anchor. Null only when no link is usable.
 */
export function locate(params: {
  links: readonly LinkMeasurement[];
  tx: TxPrior;
  bounds?: Box;
  starts?: readonly { x: number; y: number }[];
  options?: Partial<LocateOptions>;
  /** The store's floor plan on a grid (enables the posterior solver). */
  floor?: FloorGrid;
  /** The measurement model for the posterior solver (σ comes from `options.sigmaDb`). */
  model?: Partial<RobustModel>;
  /** Anchors that did not hear the subject (used when the model censors). */
  unheard?: readonly Anchor[];
}): Fix | null {
  const o = { ...DEFAULT_LOCATE, ...params.options };
  const links = usableLinks(params.links);
  const sensorCount = links.length;
  if (sensorCount === 0) return null;
  const gaussian = (f: { x: number; y: number; uncertainty: number }) => ({
    ...f,
    radius68: GAUSSIAN_RADIUS_68 * f.uncertainty,
    radius95: GAUSSIAN_RADIUS_95 * f.uncertainty,
  });
  if (o.strategy === 'aisle' && sensorCount >= 3) {
    const spread = spreadMinEigenvalue(links.map((l) => l.anchor));
    if (spread >= o.minSpreadM2 && o.solver === 'posterior' && params.floor) {
      const p = gridPosterior({
        grid: params.floor,
        links,
        unheard: params.unheard,
        tx: params.tx,
        deviceHeight: o.deviceHeight,
        model: { ...DEFAULT_ROBUST_MODEL, ...params.model, sigmaDb: o.sigmaDb },
      });
      if (p && p.uncertainty <= o.maxUncertaintyM) {
        return {
          x: p.x,
          y: p.y,
          uncertainty: p.uncertainty,
          radius68: p.radius68,
          radius95: p.radius95,
          method: 'multilateration',
          tx: { offset: p.txOffset, variance: p.txVariance },
          sensorCount,
        };
      }
    } else if (spread >= o.minSpreadM2) {
      const c =
        o.centroidPriorVarianceM2 > 0 && Number.isFinite(o.centroidPriorVarianceM2)
          ? weightedCentroid(links, { deviceHeight: o.deviceHeight })
          : null;
      const r = multilaterate({
        positionPrior: c ? { x: c.x, y: c.y, variance: o.centroidPriorVarianceM2 } : undefined,
        links,
        sigmaDb: o.sigmaDb,
        deviceHeight: o.deviceHeight,
        tx: params.tx,
        loss: o.loss,
        bounds: params.bounds,
        starts: params.starts,
      });
      if (r && r.uncertainty <= o.maxUncertaintyM) {
        return {
          ...gaussian(r),
          method: 'multilateration',
          tx: { offset: r.txOffset, variance: r.txVariance },
          sensorCount,
        };
      }
    }
  }
  if (o.strategy !== 'nearest' && sensorCount >= 2) {
    const c = weightedCentroid(links, { deviceHeight: o.deviceHeight });
    if (c) return { ...gaussian(c), method: 'centroid', tx: null, sensorCount };
  }
  const n = nearestAnchor(links, { deviceHeight: o.deviceHeight });
  return n ? { ...gaussian(n), method: 'nearest', tx: null, sensorCount } : null;
}
