/** Default k of small-cell suppression: figures from fewer than 5 subjects are not shown. */
export const DEFAULT_MIN_SUBJECTS = 5;

/**
 * Small-cell suppression: a figure derived from fewer than `k` subjects is reported as suppressed
 * (null) wherever it leaves the store scope. Zero is not suppressed: "nobody" reveals no one.
 */
export function suppress<T>(value: T, subjects: number, k: number): T | null {
  return subjects > 0 && subjects < k ? null : value;
}

export function isSuppressed(subjects: number, k: number): boolean {
  return subjects > 0 && subjects < k;
}
