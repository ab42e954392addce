import { nearestAnchor, weightedCentroid } from './baselines.js';
import { spreadMinEigenvalue, type Box } from './geometry.js';
import { usableLinks, type LinkMeasurement } from './link.js';
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
}

export const DEFAULT_LOCATE: LocateOptions = {
  strategy: 'aisle',
  sigmaDb: 4,
  deviceHeight: 1.2,
  loss: 'huber',
  maxUncertaintyM: 20,
  minSpreadM2: 0.25,
  centroidPriorVarianceM2: 0,
};

export interface Fix {
  x: number;
  y: number;
  uncertainty: number;
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
}): Fix | null {
  const o = { ...DEFAULT_LOCATE, ...params.options };
  const links = usableLinks(params.links);
  const sensorCount = links.length;
  if (sensorCount === 0) return null;
  if (o.strategy === 'aisle' && sensorCount >= 3) {
    const spread = spreadMinEigenvalue(links.map((l) => l.anchor));
    if (spread >= o.minSpreadM2) {
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
          x: r.x,
          y: r.y,
          uncertainty: r.uncertainty,
          method: 'multilateration',
          tx: { offset: r.txOffset, variance: r.txVariance },
          sensorCount,
        };
      }
    }
  }
  if (o.strategy !== 'nearest' && sensorCount >= 2) {
    const c = weightedCentroid(links, { deviceHeight: o.deviceHeight });
    if (c) return { ...c, method: 'centroid', tx: null, sensorCount };
  }
  const n = nearestAnchor(links, { deviceHeight: o.deviceHeight });
  return n ? { ...n, method: 'nearest', tx: null, sensorCount } : null;
}
