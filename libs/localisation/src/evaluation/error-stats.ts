/** Summary of position errors, metres. */
export interface ErrorStats {
  count: number;
  rmse: number;
  median: number;
  p95: number;
  mean: number;
}

/** Nearest-rank quantile of already sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

export function errorStats(errors: readonly number[]): ErrorStats {
  const sorted = [...errors].filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const sum = sorted.reduce((s, e) => s + e, 0);
  const sq = sorted.reduce((s, e) => s + e * e, 0);
  return {
    count: n,
    rmse: round(Math.sqrt(sq / n)),
    median: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    mean: round(sum / n),
  };
}

/** √(mean of squares): how a per-fix bound aggregates into an RMSE bound. */
export function rms(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return round(Math.sqrt(finite.reduce((s, v) => s + v * v, 0) / finite.length));
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
