// Floor-plan geometry shared by the localisation engine, the store simulator and plugins (a camera
// driver mapping its counting lines to zones, for example). Pure functions over plain data.

/** A point in a store's floor-plan frame, metres. */
export interface Point {
  x: number;
  y: number;
}

/** Axis-aligned box, metres. */
export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Even-odd rule; points exactly on an edge may fall either way. */
export function pointInPolygon(point: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const a = polygon[i] as Point;
    const b = polygon[j] as Point;
    if (a.y > point.y !== b.y > point.y) {
      const xCross = ((b.x - a.x) * (point.y - a.y)) / (b.y - a.y) + a.x;
      if (point.x < xCross) inside = !inside;
    }
  }
  return inside;
}

/** Shortest distance from a point to a polygon's boundary, metres (Infinity for no vertices). */
export function distanceToPolygonEdge(point: Point, polygon: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const a = polygon[j] as Point;
    const b = polygon[i] as Point;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    const along = len2 > 0 ? ((point.x - a.x) * dx + (point.y - a.y) * dy) / len2 : 0;
    const t = along < 0 ? 0 : along > 1 ? 1 : along;
    best = Math.min(best, Math.hypot(point.x - (a.x + t * dx), point.y - (a.y + t * dy)));
  }
  return best;
}

/** Euclidean distance between two points, metres. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function isFinitePoint(point: Point): boolean {
  return Number.isFinite(point.x) && Number.isFinite(point.y);
}

/**
 * Smallest box holding every point. For no points the box is empty: its minimums are +Infinity
 * and its maximums -Infinity, so it contains nothing (use {@link boxAround} to get null instead).
 */
export function boundingBox(points: readonly Point[]): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  return { minX, minY, maxX, maxY };
}

/** Box around a set of points, grown by `margin` metres; null for no points. */
export function boxAround(points: readonly Point[], margin = 0): Box | null {
  if (points.length === 0) return null;
  const box = boundingBox(points);
  return {
    minX: box.minX - margin,
    minY: box.minY - margin,
    maxX: box.maxX + margin,
    maxY: box.maxY + margin,
  };
}

/** Axis-aligned rectangle as a polygon, counter-clockwise from its lower-left corner. */
export function rectangle(box: Box): Point[] {
  return [
    { x: box.minX, y: box.minY },
    { x: box.maxX, y: box.minY },
    { x: box.maxX, y: box.maxY },
    { x: box.minX, y: box.maxY },
  ];
}
