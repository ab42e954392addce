// The floor-plan geometry lives in the SDK (the simulator and plugins use it too); it is re-exported
// here so that `@aisle/localisation` keeps offering it. What follows is the solver's own.
import type { Point } from '@aisle/sdk';

export {
  boxAround,
  distanceToPolygonEdge,
  isFinitePoint,
  pointInPolygon,
  type Box,
  type Point,
} from '@aisle/sdk';

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/**
 * Smallest eigenvalue of the points' 2-D scatter matrix (m²): near zero when the points are
 * (almost) collinear, which leaves a mirror ambiguity that no range-based solver can resolve.
 */
export function spreadMinEigenvalue(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  sxx /= n;
  syy /= n;
  sxy /= n;
  const tr = sxx + syy;
  const det = sxx * syy - sxy * sxy;
  return Math.max(0, tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det)));
}
