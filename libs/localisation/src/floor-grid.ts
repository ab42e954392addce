import { boxAround, pointInPolygon, type Box, type Point } from './geometry.js';
import { MIN_RANGE_M } from './path-loss.js';

/** What the floor plan says about where a subject can be. */
export interface FloorPlan {
  /** The store (or surveyed area): positions outside it have no prior mass. */
  bounds: Box;
  /** Shelves, pillars, counters: polygons nobody can stand inside. */
  obstacles?: readonly (readonly Point[])[];
}

/**
 * The floor plan sampled on a square grid: the centres of the cells a subject can occupy (inside
 * the bounds, outside every obstacle), and per anchor the log-distance of every such cell, cached,
 * so a posterior over the grid costs one multiply-add and one log per cell and link.
 */
export interface FloorGrid {
  plan: FloorPlan;
  step: number;
  /** Centres of the free cells. */
  cx: Float64Array;
  cy: Float64Array;
  size: number;
  /** Obstacles' boxes, for quick point tests off the grid. */
  obstacleBoxes: Box[];
  /** The same plan at twice the step (for a coarse-to-fine search), null for small grids. */
  coarse: FloorGrid | null;
  /** anchor key (x, y, z, device height) → 10·log10 of the 3-D distance, per free cell. */
  logDistance: Map<string, Float64Array>;
  /** anchor key (x, y) → obstacles the straight path from the anchor crosses, per free cell. */
  crossings: Map<string, Float64Array>;
}

/** Grids with this many cells or more get a coarse twin: a 2-pass search is cheaper from here. */
const COARSE_FROM_CELLS = 400;
/** Cells at most this many per grid (a 300 m × 300 m store at 1 m): bounds the memory of a plan. */
const MAX_CELLS = 90_000;

/**
 * Samples a floor plan on a grid of `step` metres (cells whose centre is inside an obstacle are
 * dropped). The step grows if the plan would need more than {@link MAX_CELLS} cells. Throws on a
 * non-finite or empty plan.
 */
export function buildFloorGrid(plan: FloorPlan, step: number, withCoarse = true): FloorGrid {
  const b = plan.bounds;
  if (![b.minX, b.minY, b.maxX, b.maxY, step].every(Number.isFinite) || !(step > 0)) {
    throw new Error(`floor plan: bounds and step must be finite (step ${step})`);
  }
  if (!(b.maxX > b.minX && b.maxY > b.minY)) {
    throw new Error(`floor plan: empty bounds ${JSON.stringify(b)}`);
  }
  let s = step;
  while (((b.maxX - b.minX) / s) * ((b.maxY - b.minY) / s) > MAX_CELLS) s *= 1.5;
  const cols = Math.max(1, Math.floor((b.maxX - b.minX) / s));
  const rows = Math.max(1, Math.floor((b.maxY - b.minY) / s));
  const x0 = b.minX + (b.maxX - b.minX - (cols - 1) * s) / 2;
  const y0 = b.minY + (b.maxY - b.minY - (rows - 1) * s) / 2;
  const obstacles = (plan.obstacles ?? []).filter((o) => o.length >= 3);
  const obstacleBoxes = obstacles.map((o) => boxAround(o) as Box);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const p = { x: x0 + c * s, y: y0 + r * s };
      if (!insideObstacle(p, obstacles, obstacleBoxes)) {
        xs.push(p.x);
        ys.push(p.y);
      }
    }
  }
  if (xs.length === 0) throw new Error('floor plan: every cell is inside an obstacle');
  let coarse: FloorGrid | null = null;
  if (withCoarse && xs.length >= COARSE_FROM_CELLS) {
    try {
      coarse = buildFloorGrid(plan, 2 * s, false);
    } catch {
      coarse = null; // every coarse cell blocked: search the fine grid alone
    }
  }
  return {
    coarse,
    plan: { bounds: b, obstacles },
    step: s,
    cx: Float64Array.from(xs),
    cy: Float64Array.from(ys),
    size: xs.length,
    obstacleBoxes,
    logDistance: new Map(),
    crossings: new Map(),
  };
}

/** True when the point is inside one of the plan's obstacles. */
export function isBlocked(grid: FloorGrid, p: Point): boolean {
  return insideObstacle(p, grid.plan.obstacles ?? [], grid.obstacleBoxes);
}

function insideObstacle(p: Point, obstacles: readonly (readonly Point[])[], boxes: Box[]): boolean {
  for (let i = 0; i < obstacles.length; i += 1) {
    const box = boxes[i] as Box;
    if (p.x < box.minX || p.x > box.maxX || p.y < box.minY || p.y > box.maxY) continue;
    if (pointInPolygon(p, obstacles[i] as Point[])) return true;
  }
  return false;
}

interface AnchorTable {
  x: number;
  y: number;
  z: number;
  h: number;
  table: Float64Array;
}

/**
 * Per grid, per anchor object: the last table it was given, with the position it was built for
 * (a position check is much cheaper than formatting the string key of every call).
 */
const byAnchorObject = new WeakMap<FloorGrid, WeakMap<object, AnchorTable>>();

/** 10·log10(3-D distance) from every free cell to the anchor (cached per anchor and height). */
export function cellLogDistances(
  grid: FloorGrid,
  anchor: { x: number; y: number; z: number },
  deviceHeight: number,
): Float64Array {
  let tables = byAnchorObject.get(grid);
  if (!tables) {
    tables = new WeakMap();
    byAnchorObject.set(grid, tables);
  }
  const hit = tables.get(anchor);
  if (
    hit &&
    hit.x === anchor.x &&
    hit.y === anchor.y &&
    hit.z === anchor.z &&
    hit.h === deviceHeight
  ) {
    return hit.table;
  }
  const table = keyedLogDistances(grid, anchor, deviceHeight);
  tables.set(anchor, { x: anchor.x, y: anchor.y, z: anchor.z, h: deviceHeight, table });
  return table;
}

function keyedLogDistances(
  grid: FloorGrid,
  anchor: { x: number; y: number; z: number },
  deviceHeight: number,
): Float64Array {
  const key = `${anchor.x},${anchor.y},${anchor.z},${deviceHeight}`;
  let table = grid.logDistance.get(key);
  if (!table) {
    table = new Float64Array(grid.size);
    const dz2 = (anchor.z - deviceHeight) ** 2;
    const min2 = MIN_RANGE_M * MIN_RANGE_M;
    for (let i = 0; i < grid.size; i += 1) {
      const d2 = (grid.cx[i]! - anchor.x) ** 2 + (grid.cy[i]! - anchor.y) ** 2 + dz2;
      table[i] = 5 * Math.log10(Math.max(min2, d2));
    }
    grid.logDistance.set(key, table);
  }
  return table;
}

/**
 * Obstacles crossed by the straight path from the anchor to every free cell (the multi-wall
 * model's count; an obstacle holding the anchor itself — a beacon on a shelf — does not count).
 * Cached per anchor position. All zeros for a plan without obstacles.
 */
export function cellCrossings(grid: FloorGrid, anchor: { x: number; y: number }): Float64Array {
  const key = `${anchor.x},${anchor.y}`;
  let table = grid.crossings.get(key);
  if (!table) {
    table = new Float64Array(grid.size);
    if ((grid.plan.obstacles ?? []).length > 0) {
      for (let i = 0; i < grid.size; i += 1) {
        table[i] = crossingsAt(grid, anchor, grid.cx[i]!, grid.cy[i]!);
      }
    }
    grid.crossings.set(key, table);
  }
  return table;
}

/** Obstacles crossed by the segment anchor → (x, y) (see {@link cellCrossings}). */
export function crossingsAt(
  grid: FloorGrid,
  anchor: { x: number; y: number },
  x: number,
  y: number,
): number {
  const obstacles = grid.plan.obstacles ?? [];
  let count = 0;
  const minX = Math.min(anchor.x, x);
  const maxX = Math.max(anchor.x, x);
  const minY = Math.min(anchor.y, y);
  const maxY = Math.max(anchor.y, y);
  for (let k = 0; k < obstacles.length; k += 1) {
    const box = grid.obstacleBoxes[k] as Box;
    if (box.maxX < minX || box.minX > maxX || box.maxY < minY || box.minY > maxY) continue;
    const poly = obstacles[k] as Point[];
    if (pointInPolygon(anchor, poly)) continue;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i, i += 1) {
      if (segmentsCross(anchor.x, anchor.y, x, y, poly[j] as Point, poly[i] as Point)) {
        count += 1;
        break;
      }
    }
  }
  return count;
}

function segmentsCross(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  c: Point,
  d: Point,
): boolean {
  const o1 = (bx - ax) * (c.y - ay) - (by - ay) * (c.x - ax);
  const o2 = (bx - ax) * (d.y - ay) - (by - ay) * (d.x - ax);
  const o3 = (d.x - c.x) * (ay - c.y) - (d.y - c.y) * (ax - c.x);
  const o4 = (d.x - c.x) * (by - c.y) - (d.y - c.y) * (bx - c.x);
  return o1 * o2 < 0 && o3 * o4 < 0;
}
