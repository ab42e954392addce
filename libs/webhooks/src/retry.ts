/**
 * Delay before each retry, after the first attempt (which is immediate): 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h. After the last one fails the message is given up (`failed`).
 */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

/** Attempts in all: the immediate one plus one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * A retry schedule from `AISLE_WEBHOOK_RETRY_DELAYS_MS` (comma-separated milliseconds, e.g.
 * `1000,2000,5000`); undefined keeps {@link RETRY_DELAYS_MS}. Throws naming the bad value.
 */
export function parseRetryDelays(text: string | undefined): readonly number[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(
        `AISLE_WEBHOOK_RETRY_DELAYS_MS: "${part.trim()}" is not a positive whole number of milliseconds`,
      );
    }
    return value;
  });
}

/** ±20 %: spreads the retries of many messages that failed together. */
export const RETRY_JITTER = 0.2;

/** Longest Retry-After honoured (a receiver cannot park a message for longer than the schedule). */
export const MAX_RETRY_AFTER_MS = 10 * 3_600_000;

/**
 * Milliseconds until the next attempt after `attempts` failed ones, or null when none is left.
 * `retryAfterMs` (from a 429/503) is a floor. `random` is in [0, 1).
 */
export function nextRetryDelay(params: {
  attempts: number;
  random: number;
  retryAfterMs?: number | null;
  /** The schedule (default {@link RETRY_DELAYS_MS}). */
  delaysMs?: readonly number[];
}): number | null {
  const base = (params.delaysMs ?? RETRY_DELAYS_MS)[params.attempts - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 + RETRY_JITTER * (2 * params.random - 1)));
  const floor = Math.min(params.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return Math.max(jittered, floor);
}

/** A `Retry-After` header (seconds or an HTTP date) in ms from `now`; null when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
