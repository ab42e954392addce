/**
 * Solves A·x = b for a small dense system (Gaussian elimination with partial pivoting).
 * Returns null when A is singular or the result is not finite. A and b are not modified.
 */
export function solveLinear(
  a: readonly (readonly number[])[],
  b: readonly number[],
): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) {
      if (
        Math.abs((m[r] as number[])[col] as number) >
        Math.abs((m[pivot] as number[])[col] as number)
      ) {
        pivot = r;
      }
    }
    const pivotRow = m[pivot] as number[];
    const p = pivotRow[col] as number;
    if (!(Math.abs(p) > 1e-12)) return null;
    m[pivot] = m[col] as number[];
    m[col] = pivotRow;
    for (let r = col + 1; r < n; r += 1) {
      const row = m[r] as number[];
      const f = (row[col] as number) / p;
      if (f === 0) continue;
      for (let c = col; c <= n; c += 1) row[c] = (row[c] as number) - f * (pivotRow[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r -= 1) {
    const row = m[r] as number[];
    let s = row[n] as number;
    for (let c = r + 1; c < n; c += 1) s -= (row[c] as number) * (x[c] as number);
    x[r] = s / (row[r] as number);
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Inverse of a symmetric 2×2 or 3×3 matrix (row-major), null when singular or not finite. */
export function invertSmall(a: readonly (readonly number[])[]): number[][] | null {
  const n = a.length;
  const out: number[][] = [];
  for (let c = 0; c < n; c += 1) {
    const e = new Array<number>(n).fill(0);
    e[c] = 1;
    const col = solveLinear(a, e);
    if (!col) return null;
    out.push(col);
  }
  // out holds columns; transpose to rows (equal for symmetric input, but be exact).
  return out[0]!.map((_, r) => out.map((col) => col[r] as number));
}
