import type { Point } from '@aisle/persistence';
import { distance, type FieldError } from '@aisle/sdk';

/** A store's floor plan: x from 0 to width, y from 0 to height, metres. */
export interface FloorPlan {
  width: number;
  height: number;
}

/**
 * Two vertices closer than this are the same point (1 mm): floor plans are in metres, and a
 * zero-length edge makes "inside the zone" ambiguous.
 */
const SAME_POINT_M = 1e-3;
/** Smallest zone area, m²: anything smaller is a drawing mistake, not a zone. */
const MIN_AREA_M2 = 1e-4;

/** Errors for a point outside the floor plan, naming `${path}.x` / `${path}.y`. */
export function pointErrors(point: Point, floor: FloorPlan, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const at = (axis: string): string => (path ? `${path}.${axis}` : axis);
  if (point.x < 0 || point.x > floor.width) {
    errors.push({
      field: at('x'),
      value: point.x,
      message: `must be within the floor plan (0..${floor.width} m)`,
    });
  }
  if (point.y < 0 || point.y > floor.height) {
    errors.push({
      field: at('y'),
      value: point.y,
      message: `must be within the floor plan (0..${floor.height} m)`,
    });
  }
  return errors;
}

/**
 * Errors for a zone polygon (field `polygon…`): every vertex inside the floor plan, no repeated
 * consecutive vertices, non-zero area, and no edge crossing or touching a non-adjacent edge
 * (a simple polygon, so "inside" is well defined). O(n²): zones have a handful of vertices.
 */
export function polygonErrors(polygon: readonly Point[], floor: FloorPlan): FieldError[] {
  const errors = polygon.flatMap((p, i) => pointErrors(p, floor, `polygon[${i}]`));
  const n = polygon.length;
  if (n < 3) {
    return [
      ...errors,
      { field: 'polygon', value: polygon, message: 'must have at least 3 points' },
    ];
  }
  const at = (i: number): Point => polygon[((i % n) + n) % n]!;
  for (let i = 0; i < n; i++) {
    if (distance(at(i), at(i + 1)) < SAME_POINT_M) {
      errors.push({
        field: `polygon[${(i + 1) % n}]`,
        value: at(i + 1),
        message: `repeats point ${i} (consecutive points must differ)`,
      });
    }
  }
  if (errors.length > 0) return errors;
  const crossing = selfIntersection(polygon);
  // A bow tie has zero signed area too: name the crossing, which is what the user has to fix.
  if (crossing?.kind === 'cross') return [crossing.error];
  if (Math.abs(signedArea(polygon)) < MIN_AREA_M2) {
    return [
      { field: 'polygon', value: polygon, message: 'must enclose an area (points are collinear)' },
    ];
  }
  return crossing ? [crossing.error] : [];
}

/** The first self-intersection: two non-adjacent edges meeting, or an edge folding back. */
function selfIntersection(
  polygon: readonly Point[],
): { kind: 'cross' | 'fold'; error: FieldError } | undefined {
  const n = polygon.length;
  const at = (i: number): Point => polygon[((i % n) + n) % n]!;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the closing edge
      if (segmentsIntersect(at(i), at(i + 1), at(j), at(j + 1))) {
        return {
          kind: 'cross',
          error: {
            field: 'polygon',
            value: polygon,
            message: `edge ${i}→${(i + 1) % n} crosses edge ${j}→${(j + 1) % n}: the polygon must not intersect itself`,
          },
        };
      }
    }
  }
  for (let i = 0; i < n; i++) {
    // Adjacent edges share a vertex; they overlap only when the path turns back on itself.
    const [a, b, c] = [at(i), at(i + 1), at(i + 2)];
    if (Math.abs(cross(a, b, c)) < 1e-12 && dot(b, a, c) > 0) {
      return {
        kind: 'fold',
        error: {
          field: `polygon[${(i + 1) % n}]`,
          value: b,
          message:
            'the edges meeting here fold back onto each other: the polygon must not intersect itself',
        },
      };
    }
  }
  return undefined;
}

/** True when the point lies inside the floor plan (borders included). */
export function insideFloor(point: Point, floor: FloorPlan): boolean {
  return pointErrors(point, floor, '').length === 0;
}

/** z of (b − a) × (c − a). */
function cross(a: Point, b: Point, c: Point): number {
  return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

/** (a − b) · (c − b): positive when the path a→b→c turns back (angle at b below 90°). */
function dot(b: Point, a: Point, c: Point): number {
  return (a.x - b.x) * (c.x - b.x) + (a.y - b.y) * (c.y - b.y);
}

function signedArea(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < polygon.length; i++) {
    const p = polygon[i]!;
    const q = polygon[(i + 1) % polygon.length]!;
    sum += p.x * q.y - q.x * p.y;
  }
  return sum / 2;
}

/** Closed segments pq and rs share at least one point (crossing, touching or overlapping). */
export function segmentsIntersect(p: Point, q: Point, r: Point, s: Point): boolean {
  const d1 = orientation(r, s, p);
  const d2 = orientation(r, s, q);
  const d3 = orientation(p, q, r);
  const d4 = orientation(p, q, s);
  if (d1 !== d2 && d3 !== d4 && d1 !== 0 && d2 !== 0 && d3 !== 0 && d4 !== 0) return true;
  return (
    (d1 === 0 && onSegment(r, s, p)) ||
    (d2 === 0 && onSegment(r, s, q)) ||
    (d3 === 0 && onSegment(p, q, r)) ||
    (d4 === 0 && onSegment(p, q, s))
  );
}

/** −1, 0 or 1: which side of line ab the point c is on (0 = on the line, within 1e-12). */
function orientation(a: Point, b: Point, c: Point): -1 | 0 | 1 {
  const value = cross(a, b, c);
  if (Math.abs(value) < 1e-12) return 0;
  return value > 0 ? 1 : -1;
}

/** c (collinear with ab) lies within the bounding box of ab. */
function onSegment(a: Point, b: Point, c: Point): boolean {
  return (
    Math.min(a.x, b.x) - 1e-12 <= c.x &&
    c.x <= Math.max(a.x, b.x) + 1e-12 &&
    Math.min(a.y, b.y) - 1e-12 <= c.y &&
    c.y <= Math.max(a.y, b.y) + 1e-12
  );
}
