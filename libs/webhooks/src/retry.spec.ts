import {
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  nextRetryDelay,
  parseRetryAfter,
  parseRetryDelays,
} from './retry.js';

describe(nextRetryDelay.name, () => {
  it('follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const delays = Array.from({ length: MAX_ATTEMPTS }, (_, i) =>
      nextRetryDelay({ attempts: i + 1, random: 0.5 }),
    );
    expect(delays).toEqual([...RETRY_DELAYS_MS, null]);
    expect(RETRY_DELAYS_MS).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
  });

  it('jitters by at most ±20 %', () => {
    expect(nextRetryDelay({ attempts: 1, random: 0 })).toBe(4000);
    expect(nextRetryDelay({ attempts: 1, random: 0.999999 })).toBe(6000);
  });

  it('never retries before Retry-After', () => {
    expect(nextRetryDelay({ attempts: 1, random: 0.5, retryAfterMs: 120_000 })).toBe(120_000);
    expect(nextRetryDelay({ attempts: 2, random: 0.5, retryAfterMs: 1000 })).toBe(300_000);
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:01:00 GMT', 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});

describe(parseRetryDelays.name, () => {
  it('reads a schedule of its own (AISLE_WEBHOOK_RETRY_DELAYS_MS), which nextRetryDelay follows', () => {
    const delaysMs = parseRetryDelays('1000, 2000,5000');
    expect(delaysMs).toEqual([1000, 2000, 5000]);
    const at = (attempts: number) => nextRetryDelay({ attempts, random: 0.5, delaysMs });
    expect([1, 2, 3, 4].map(at)).toEqual([1000, 2000, 5000, null]);
  });

  it('keeps the default when unset, and names a bad value', () => {
    expect(parseRetryDelays(undefined)).toBeUndefined();
    expect(parseRetryDelays('')).toBeUndefined();
    expect(() => parseRetryDelays('1000,soon')).toThrow(/AISLE_WEBHOOK_RETRY_DELAYS_MS: "soon"/);
  });
});
