/**
 * Quantile of already sorted values by linear interpolation between closest ranks (the R-7 /
 * spreadsheet definition): q = 0.5 is the median. Undefined for an empty list.
 */
export function quantileSorted(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

export function median(values: readonly number[]): number | undefined {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Dwell distribution bins, seconds (upper bounds; the last bin is open). */
export const DWELL_BINS_S = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600] as const;

export interface DistributionBin {
  /** Inclusive lower bound, seconds. */
  fromSeconds: number;
  /** Exclusive upper bound, seconds; null for the open last bin. */
  toSeconds: number | null;
  count: number;
}

/** Counts of values per {@link DWELL_BINS_S} bin. */
export function distribution(
  values: readonly number[],
  bins: readonly number[] = DWELL_BINS_S,
): DistributionBin[] {
  const out: DistributionBin[] = [];
  let lower = 0;
  for (const upper of [...bins, null]) {
    out.push({ fromSeconds: lower, toSeconds: upper, count: 0 });
    if (upper !== null) lower = upper;
  }
  for (const v of values) {
    const index = bins.findIndex((upper) => v < upper);
    const bin = out[index === -1 ? bins.length : index] as DistributionBin;
    bin.count += 1;
  }
  return out;
}

export interface DwellSummary {
  count: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
  distribution: DistributionBin[];
}

export function summariseDwell(values: readonly number[]): DwellSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    meanSeconds: sorted.length ? sum / sorted.length : null,
    medianSeconds: quantileSorted(sorted, 0.5) ?? null,
    p90Seconds: quantileSorted(sorted, 0.9) ?? null,
    distribution: distribution(sorted),
  };
}

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (successes of trials), which unlike the normal
 * approximation stays inside [0, 1] and behaves for small counts and proportions near 0 or 1.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  z = Z_95,
): { estimate: number; lower: number; upper: number } | undefined {
  if (!(trials > 0) || successes < 0) return undefined;
  const k = Math.min(successes, trials);
  const p = k / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}
