import { MIN_RANGE_M, rssiToDistance } from './path-loss.js';
import { usableLinks, type LinkMeasurement } from './link.js';

export interface BaselineFix {
  x: number;
  y: number;
  /** Rough 1-σ radial uncertainty, metres (heuristic: these methods have no covariance). */
  uncertainty: number;
}

/**
 * Weighted centroid of the anchors that heard the subject, weights 1/d̂^g where d̂ is the range
 * the calibrated path-loss model gives for the reading (g = 2 by default: inverse-square, the usual choice).
 */
export function weightedCentroid(
  links: readonly LinkMeasurement[],
  options: { exponent?: number; deviceHeight?: number } = {},
): BaselineFix | null {
  const usable = usableLinks(links);
  if (usable.length === 0) return null;
  const g = options.exponent ?? 2;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  const ranges: number[] = [];
  for (const l of usable) {
    const d = horizontalRange(l, options.deviceHeight ?? 0);
    ranges.push(d);
    const w = l.weight / Math.max(MIN_RANGE_M, d) ** g;
    sw += w;
    sx += w * l.anchor.x;
    sy += w * l.anchor.y;
  }
  if (!(sw > 0)) return null;
  const x = sx / sw;
  const y = sy / sw;
  let spread = 0;
  usable.forEach((l, i) => {
    const w = l.weight / Math.max(MIN_RANGE_M, ranges[i] as number) ** g;
    spread += w * ((l.anchor.x - x) ** 2 + (l.anchor.y - y) ** 2);
  });
  const uncertainty = Math.max(1, Math.sqrt(spread / sw));
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y, uncertainty } : null;
}

/** The position of the anchor with the shortest modelled range; uncertainty = that range. */
export function nearestAnchor(
  links: readonly LinkMeasurement[],
  options: { deviceHeight?: number } = {},
): BaselineFix | null {
  let best: { l: LinkMeasurement; d: number } | null = null;
  for (const l of usableLinks(links)) {
    const d = horizontalRange(l, options.deviceHeight ?? 0);
    if (!best || d < best.d) best = { l, d };
  }
  if (!best) return null;
  return { x: best.l.anchor.x, y: best.l.anchor.y, uncertainty: Math.max(1, best.d) };
}

/** Floor-plane range implied by a reading, metres (≥ 0). */
export function horizontalRange(link: LinkMeasurement, deviceHeight: number): number {
  const d = rssiToDistance({ calibration: link.anchor.calibration, rssi: link.rssi });
  const dz = link.anchor.z - deviceHeight;
  return Math.sqrt(Math.max(0, d * d - dz * dz));
}
