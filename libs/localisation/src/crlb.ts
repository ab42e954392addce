import { invertSmall } from './linear-algebra.js';
import { MIN_RANGE_M } from './path-loss.js';

/** 10/ln(10). */
const DB_PER_NEPER = 10 / Math.LN10;

export interface BoundAnchor {
  x: number;
  y: number;
  /** Height, metres (default: the device height, i.e. a 2-D layout). */
  z?: number;
  /** Path-loss exponent of this anchor (default: `pathLossExponent`). */
  pathLossExponent?: number;
  /** Independent readings averaged on this link (default 1). */
  samples?: number;
}

/**
 * Cramér–Rao lower bound on the position RMSE at a point (Patwari et al., "Locating the nodes",
 * 2005): F = b·Σ kᵢ/dᵢ⁴·[Δx² ΔxΔy; ΔxΔy Δy²] with b = (10n/(σ·ln10))², RMSE ≥ √tr(F⁻¹)ₓᵧ. With
 * `unknownTx` the device's transmit power is a third (nuisance) parameter: its row/column
 * (∂μ/∂b = 1) is added before inverting, which can only raise the bound. Infinity when the
 * point is unobservable (too few anchors, collinear with unknown power…).
 */
export function crlb(params: {
  at: { x: number; y: number };
  anchors: readonly BoundAnchor[];
  pathLossExponent: number;
  sigmaDb: number;
  unknownTx: boolean;
  deviceHeight?: number;
}): number {
  const { at, sigmaDb } = params;
  const h = params.deviceHeight ?? 0;
  if (!(sigmaDb > 0) || !Number.isFinite(at.x) || !Number.isFinite(at.y)) return Infinity;
  const f = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (const a of params.anchors) {
    const n = a.pathLossExponent ?? params.pathLossExponent;
    const k = a.samples ?? 1;
    if (![a.x, a.y, n, k].every(Number.isFinite) || k <= 0) continue;
    const dx = at.x - a.x;
    const dy = at.y - a.y;
    const dz = (a.z ?? h) - h;
    const d2 = Math.max(MIN_RANGE_M ** 2, dx * dx + dy * dy + dz * dz);
    const c = (-DB_PER_NEPER * n) / d2;
    const g = [c * dx, c * dy, 1];
    const w = k / (sigmaDb * sigmaDb);
    for (let r = 0; r < 3; r += 1) {
      for (let s = 0; s < 3; s += 1) f[r]![s] = f[r]![s]! + w * g[r]! * g[s]!;
    }
  }
  const inv = params.unknownTx
    ? invertSmall(f)
    : invertSmall([
        [f[0]![0]!, f[0]![1]!],
        [f[1]![0]!, f[1]![1]!],
      ]);
  if (!inv) return Infinity;
  const tr = inv[0]![0]! + inv[1]![1]!;
  return tr > 0 && Number.isFinite(tr) && Math.sqrt(tr) < 1e6 ? Math.sqrt(tr) : Infinity;
}

export interface CoverageGrid {
  /** Cell size, metres; cell (col, row) is centred at ((col + ½)·step, (row + ½)·step). */
  step: number;
  cols: number;
  rows: number;
  /** RMSE bound per cell, metres, rows from y = 0 up; null where unobservable. */
  values: (number | null)[][];
  /** Summary over observable cells, metres. */
  median: number | null;
  max: number | null;
}

/** The bound of {@link crlb} over a floor plan: where positions can be good, and where not. */
export function coverageGrid(params: {
  width: number;
  height: number;
  step: number;
  anchors: readonly BoundAnchor[];
  pathLossExponent: number;
  sigmaDb: number;
  unknownTx: boolean;
  deviceHeight?: number;
}): CoverageGrid {
  const step = params.step > 0 && Number.isFinite(params.step) ? params.step : 1;
  const cols = Math.max(1, Math.min(1000, Math.ceil(Math.max(0, params.width) / step)));
  const rows = Math.max(1, Math.min(1000, Math.ceil(Math.max(0, params.height) / step)));
  const values: (number | null)[][] = [];
  const finite: number[] = [];
  for (let r = 0; r < rows; r += 1) {
    const row: (number | null)[] = [];
    for (let c = 0; c < cols; c += 1) {
      const v = crlb({ ...params, at: { x: (c + 0.5) * step, y: (r + 0.5) * step } });
      if (Number.isFinite(v)) {
        const rounded = Math.round(v * 1000) / 1000;
        row.push(rounded);
        finite.push(rounded);
      } else row.push(null);
    }
    values.push(row);
  }
  finite.sort((a, b) => a - b);
  return {
    step,
    cols,
    rows,
    values,
    median: finite.length > 0 ? (finite[Math.floor(finite.length / 2)] as number) : null,
    max: finite.length > 0 ? (finite[finite.length - 1] as number) : null,
  };
}
