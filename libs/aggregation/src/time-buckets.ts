/** Rollup bucket sizes: one minute, one hour, one local day. */
export const BUCKET_SIZES = ['1m', '1h', '1d'] as const;
export type BucketSize = (typeof BUCKET_SIZES)[number];

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at the instant `at`, ms (Berlin in summer: +7 200 000). */
export function timeZoneOffset(at: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    parts['year'] ?? 1970,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  return local - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant a local wall-clock time (given as if it were UTC) falls on, in `timeZone`. */
function fromLocal(localMs: number, timeZone: string): number {
  // Two passes settle the offset on either side of a DST change.
  let at = localMs - timeZoneOffset(localMs, timeZone);
  at = localMs - timeZoneOffset(at, timeZone);
  return at;
}

/**
 * Start of the bucket holding `at`. Minutes and hours are local wall-clock units (the same as UTC
 * for whole-hour offsets); days start at local midnight, so a day lasts 23–25 h across DST changes.
 */
export function bucketStart(at: number, size: BucketSize, timeZone = 'UTC'): number {
  switch (size) {
    case '1m':
      return Math.floor(at / MINUTE_MS) * MINUTE_MS;
    case '1h': {
      const offset = timeZoneOffset(at, timeZone);
      return Math.floor((at + offset) / HOUR_MS) * HOUR_MS - offset;
    }
    case '1d': {
      const local = at + timeZoneOffset(at, timeZone);
      return fromLocal(Math.floor(local / DAY_MS) * DAY_MS, timeZone);
    }
  }
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, size: BucketSize, timeZone = 'UTC'): number {
  switch (size) {
    case '1m':
      return start + MINUTE_MS;
    case '1h':
      return bucketStart(start + HOUR_MS + MINUTE_MS, '1h', timeZone);
    case '1d':
      // Noon of the next local day is never ambiguous, whatever the DST rules.
      return bucketStart(start + DAY_MS + 12 * HOUR_MS, '1d', timeZone);
  }
}

/** Starts of every bucket overlapping [from, to). */
export function bucketsBetween(params: {
  from: number;
  to: number;
  size: BucketSize;
  timeZone?: string;
}): number[] {
  const { from, to, size } = params;
  const timeZone = params.timeZone ?? 'UTC';
  const out: number[] = [];
  if (!(to > from)) return out;
  for (let s = bucketStart(from, size, timeZone); s < to; s = nextBucket(s, size, timeZone)) {
    out.push(s);
  }
  return out;
}

/** Length of [a, b) ∩ [c, d), ms (0 when they do not overlap). */
export function overlap(a: number, b: number, c: number, d: number): number {
  return Math.max(0, Math.min(b, d) - Math.max(a, c));
}
