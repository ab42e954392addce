/**
 * People present per interval, estimated from Wi-Fi probe requests. Pure: time is in the samples,
 * nothing is read from a clock, nothing is kept between calls.
 *
 * 1. Fixed devices are excluded: the store's list, and (optionally) any globally administered
 *    address heard in nearly every interval of the input (PCs, printers, access points).
 * 2. Weak signals (below `minRssi`) are dropped: devices outside the room.
 * 3. Globally administered addresses are devices. Randomised (locally administered) addresses are
 *    grouped into bursts: a new randomised address joins an earlier burst only when it carries the
 *    same element fingerprint, appears within `mergeWindowMs` of that burst's last probe and (if
 *    `seqGap` is finite) continues its sequence numbers. Bursts are never linked beyond that window,
 *    so a randomised device is not followed across time.
 * 4. Per interval the estimate is `max(0, a·devices + b·bursts + c)` (a calibration; identity by
 *    default), rounded to one decimal.
 */
export interface ProbeSample {
  /** Epoch ms. */
  at: number;
  /**
   * Source address, 12 lower-case hex digits, or any stable token for it (the hub passes the gate's
   * pseudonym); with a token, `randomized` must say whether the address was randomised.
   */
  mac: string;
  /** Overrides the address's locally administered bit (for pseudonymised input). */
  randomized?: boolean;
  rssi: number;
  seq?: number;
  fingerprint?: string;
}

export interface OccupancyOptions {
  intervalMs: number;
  /** Probes weaker than this are ignored, dBm. */
  minRssi: number;
  /** Longest gap over which a randomised address may join an earlier burst, ms. */
  mergeWindowMs: number;
  /** Largest forward step of sequence numbers across a MAC change; Infinity ignores them. */
  seqGap: number;
  /** A device/burst needs this many probes in an interval to count there. */
  minProbes: number;
  /** Globally administered addresses present in at least this share of intervals are fixed (>1: off). */
  autoFixedShare: number;
  calibration: Calibration;
}

/** `estimate = max(0, devices·a + bursts·b + c)`. */
export interface Calibration {
  devices: number;
  bursts: number;
  offset: number;
}

/**
 * Defaults: the parameters selected on the even hours of the 2024-03-14 lab capture alone
 * (test/bench/wifi-occupancy.bench.ts), with the identity calibration, so nothing room-specific
 * (no scale, no offset) is built in. -75 dBm keeps a room of ~10 m; fingerprint-only merging within
 * 2 min (a finite `seqGap` split too many bursts: a channel-hopping sniffer misses many frames).
 */
export const DEFAULT_OCCUPANCY_OPTIONS: OccupancyOptions = {
  intervalMs: 300_000,
  minRssi: -75,
  mergeWindowMs: 120_000,
  seqGap: Number.POSITIVE_INFINITY,
  minProbes: 1,
  autoFixedShare: 0.5,
  calibration: { devices: 1, bursts: 1, offset: 0 },
};

/** Fewest intervals before devices present in most of them are taken for fixed ones (2 h at 5 min). */
export const MIN_INTERVALS_FOR_AUTO_FIXED = 24;

export interface IntervalCount {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Globally administered devices counted. */
  devices: number;
  /** Bursts of randomised addresses counted. */
  bursts: number;
  estimate: number;
}

/** Locally administered bit of the first octet. */
export function isRandomisedMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x02) !== 0;
}

interface Burst {
  id: number;
  fingerprint: string | undefined;
  lastAt: number;
  lastSeq: number | undefined;
}

/**
 * Counts per interval from time-ordered samples. Intervals are aligned to multiples of
 * `intervalMs` since the epoch and span the first to the last sample, including empty ones.
 */
export function countOccupancy(
  samples: readonly ProbeSample[],
  options: Partial<OccupancyOptions> = {},
  exclude: ReadonlySet<string> = new Set(),
): IntervalCount[] {
  const o = { ...DEFAULT_OCCUPANCY_OPTIONS, ...options };
  if (samples.length === 0) return [];
  const interval = (at: number): number => Math.floor(at / o.intervalMs);
  const first = interval(samples[0]!.at);
  const last = interval(samples[samples.length - 1]!.at);
  const fixed = new Set(exclude);
  if (o.autoFixedShare <= 1 && last - first + 1 >= MIN_INTERVALS_FOR_AUTO_FIXED) {
    for (const mac of autoFixed(samples, o, last - first + 1)) fixed.add(mac);
  }

  const counts = new Map<number, { devices: Map<string, number>; bursts: Map<number, number> }>();
  const bucket = (i: number) => {
    let b = counts.get(i);
    if (!b) counts.set(i, (b = { devices: new Map(), bursts: new Map() }));
    return b;
  };
  /** Randomised address → its burst, while the burst is within the merge window. */
  const burstOf = new Map<string, Burst>();
  /** Open bursts by fingerprint, for addresses that change. */
  const open = new Map<string, Burst[]>();
  let nextBurst = 0;
  for (const s of samples) {
    if (s.rssi < o.minRssi || fixed.has(s.mac)) continue;
    const b = bucket(interval(s.at));
    if (!(s.randomized ?? isRandomisedMac(s.mac))) {
      b.devices.set(s.mac, (b.devices.get(s.mac) ?? 0) + 1);
      continue;
    }
    let burst = burstOf.get(s.mac);
    if (burst && s.at - burst.lastAt > o.mergeWindowMs) {
      burstOf.delete(s.mac);
      burst = undefined;
    }
    if (!burst && s.fingerprint !== undefined) {
      const candidates = open.get(s.fingerprint) ?? [];
      burst = candidates.find((c) => s.at - c.lastAt <= o.mergeWindowMs && continues(c, s, o));
      const alive = candidates.filter((c) => s.at - c.lastAt <= o.mergeWindowMs);
      open.set(s.fingerprint, alive);
    }
    if (!burst) {
      burst = { id: (nextBurst += 1), fingerprint: s.fingerprint, lastAt: s.at, lastSeq: s.seq };
      if (s.fingerprint !== undefined) {
        const list = open.get(s.fingerprint);
        if (list) list.push(burst);
        else open.set(s.fingerprint, [burst]);
      }
    }
    burstOf.set(s.mac, burst);
    burst.lastAt = s.at;
    burst.lastSeq = s.seq ?? burst.lastSeq;
    b.bursts.set(burst.id, (b.bursts.get(burst.id) ?? 0) + 1);
  }

  const out: IntervalCount[] = [];
  for (let i = first; i <= last; i += 1) {
    const b = counts.get(i);
    const devices = b ? [...b.devices.values()].filter((n) => n >= o.minProbes).length : 0;
    const bursts = b ? [...b.bursts.values()].filter((n) => n >= o.minProbes).length : 0;
    out.push({
      start: i * o.intervalMs,
      end: (i + 1) * o.intervalMs,
      devices,
      bursts,
      estimate: applyCalibration(o.calibration, devices, bursts),
    });
  }
  return out;
}

function continues(burst: Burst, s: ProbeSample, o: OccupancyOptions): boolean {
  if (!Number.isFinite(o.seqGap) || burst.lastSeq === undefined || s.seq === undefined) return true;
  const step = (s.seq - burst.lastSeq + 4096) % 4096;
  return step > 0 && step <= o.seqGap;
}

function autoFixed(
  samples: readonly ProbeSample[],
  o: OccupancyOptions,
  intervals: number,
): string[] {
  const seen = new Map<string, Set<number>>();
  for (const s of samples) {
    if ((s.randomized ?? isRandomisedMac(s.mac)) || s.rssi < o.minRssi) continue;
    let set = seen.get(s.mac);
    if (!set) seen.set(s.mac, (set = new Set()));
    set.add(Math.floor(s.at / o.intervalMs));
  }
  return [...seen]
    .filter(([, set]) => set.size >= o.autoFixedShare * intervals)
    .map(([mac]) => mac);
}

export function applyCalibration(c: Calibration, devices: number, bursts: number): number {
  return Math.max(0, Math.round((c.devices * devices + c.bursts * bursts + c.offset) * 10) / 10);
}

/**
 * Least-squares calibration of interval counts against true occupancy (normal equations, 3×3).
 * Falls back to fewer terms when the counts do not vary enough to determine all three.
 */
export function fitCalibration(
  counts: readonly { devices: number; bursts: number }[],
  truth: readonly number[],
): Calibration {
  const rows = counts.map((c) => [c.devices, c.bursts, 1]);
  const full = solveLeastSquares(rows, truth);
  if (full) return { devices: full[0]!, bursts: full[1]!, offset: full[2]! };
  const total = solveLeastSquares(
    counts.map((c) => [c.devices + c.bursts, 1]),
    truth,
  );
  if (total) return { devices: total[0]!, bursts: total[0]!, offset: total[1]! };
  const mean = truth.reduce((s, t) => s + t, 0) / Math.max(1, truth.length);
  return { devices: 0, bursts: 0, offset: mean };
}

function solveLeastSquares(rows: number[][], y: readonly number[]): number[] | undefined {
  const n = rows[0]?.length ?? 0;
  if (n === 0) return undefined;
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  rows.forEach((r, k) => {
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j < n; j += 1) a[i]![j]! += r[i]! * r[j]!;
      a[i]![n]! += r[i]! * y[k]!;
    }
  });
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) {
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    }
    if (Math.abs(a[pivot]![col]!) < 1e-9) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c += 1) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/** Mean absolute error and Pearson correlation (null when either side is constant). */
export function accuracy(
  estimates: readonly number[],
  truth: readonly number[],
): { mae: number; pearson: number | null; n: number } {
  const n = Math.min(estimates.length, truth.length);
  if (n === 0) return { mae: 0, pearson: null, n };
  let abs = 0;
  let se = 0;
  let st = 0;
  for (let i = 0; i < n; i += 1) {
    abs += Math.abs(estimates[i]! - truth[i]!);
    se += estimates[i]!;
    st += truth[i]!;
  }
  const me = se / n;
  const mt = st / n;
  let cov = 0;
  let ve = 0;
  let vt = 0;
  for (let i = 0; i < n; i += 1) {
    cov += (estimates[i]! - me) * (truth[i]! - mt);
    ve += (estimates[i]! - me) ** 2;
    vt += (truth[i]! - mt) ** 2;
  }
  const pearson = ve < 1e-12 || vt < 1e-12 ? null : cov / Math.sqrt(ve * vt);
  return { mae: abs / n, pearson, n };
}
