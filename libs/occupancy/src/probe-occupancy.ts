import {
  DEFAULT_ASSOCIATION_OPTIONS,
  ProbeAssociator,
  type AssociationOptions,
} from './probe-association.js';

/**
 * One phone's bursts per 5 minutes, the 95th percentile over the single-phone captures' intervals
 * (`derivePhoneBursts`, rule fixed beforehand; the bench re-derives it and checks it matches): 11,
 * over 20 intervals of three phones.
 */
export const DEFAULT_PHONE_BURSTS_PER_5_MIN = 11;
const FIVE_MINUTES_MS = 300_000;

/**
 * People present per interval, estimated from Wi-Fi probe requests. Pure: time is in the samples,
 * nothing is read from a clock, nothing is kept between calls.
 *
 * 1. Fixed devices are excluded: the store's list, and (optionally) any globally administered
 *    address heard in nearly every interval of the input (PCs, printers, access points).
 * 2. Weak signals (below `minRssi`) are dropped: devices outside the room.
 * 3. Globally administered addresses are devices. Randomised (locally administered) addresses are
 *    linked to devices by {@link ProbeAssociator} (same address, burst, sequence continuity, element
 *    fingerprint with signal continuity) within `mergeWindowMs` only, so a randomised device is not
 *    followed across time.
 * 4. A phone's burst rate is bounded: a randomised device holding more bursts under fresh addresses
 *    in an interval (opened, or joined by the timing link only) than one phone sends
 *    (`phoneBurstsPer5Min`) is several phones of one model chained by the timing link, counted as
 *    ⌈bursts ÷ bound⌉; a device shown to keep its address is one phone whatever its rate.
 * 5. Per interval the estimate is `max(0, a·devices + b·bursts + c)` (a calibration; identity by
 *    default), rounded to one decimal, where `bursts` counts the randomised devices after linking.
 *    `low`..`high` is the range of the same estimate under a looser and a stricter association
 *    (window ×2 and ÷2, signal tolerance ×1.5 and ÷2; the stricter one also refuses a link after a
 *    silence when several devices of the fingerprint qualify): how much the figure rests on guessed
 *    links.
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
  /** Element fingerprint (or the gate's keyed hash of it): compared for equality only. */
  fingerprint?: string;
  /** Sensor that heard the probe: signal continuity is judged per sensor. */
  sensor?: string;
  /** Pseudonym key period (gate input): nothing is linked across periods. */
  period?: number;
}

export interface OccupancyOptions {
  intervalMs: number;
  /** Probes weaker than this are ignored, dBm. */
  minRssi: number;
  /** Longest silence over which a randomised device's bursts are linked, ms. */
  mergeWindowMs: number;
  /** Largest forward step of sequence numbers taken as continuity across an address change. */
  seqGap: number;
  /** Frames of one burst follow each other within this, ms. */
  burstGapMs: number;
  /** Largest signal difference on one sensor between two linked bursts, dB. */
  rssiTolerance: number;
  /** A device needs this many probes in an interval to count there. */
  minProbes: number;
  /** Globally administered addresses present in at least this share of intervals are fixed (>1: off). */
  autoFixedShare: number;
  /**
   * Most bursts one phone sends in 5 minutes (scaled to `intervalMs`): a randomised device that the
   * timing link joined more fresh-address bursts into within one interval is ⌈bursts ÷ this⌉ phones,
   * unless it is shown to keep its address. `Infinity` turns the bound off.
   */
  phoneBurstsPer5Min: number;
  calibration: Calibration;
}

/** `estimate = max(0, devices·a + bursts·b + c)`. */
export interface Calibration {
  devices: number;
  /** Scale of the randomised devices (bursts linked into devices). */
  bursts: number;
  offset: number;
}

/**
 * Defaults: the association's defaults (see {@link DEFAULT_ASSOCIATION_OPTIONS}: from the radio and
 * derived from single-phone captures, not fitted to an evaluation set) and the identity calibration
 * (one probing device per person), so nothing room-specific is built in. -75 dBm keeps a room of
 * ~10 m (log-distance path loss, −40 dBm at 1 m, exponent 3.5); it is an installation setting, and
 * was first chosen on the even hours of the 2024-03-14 lab capture, so the lab figures are not blind
 * to it.
 */
export const DEFAULT_OCCUPANCY_OPTIONS: OccupancyOptions = {
  intervalMs: 300_000,
  minRssi: -75,
  mergeWindowMs: DEFAULT_ASSOCIATION_OPTIONS.windowMs,
  seqGap: DEFAULT_ASSOCIATION_OPTIONS.seqGap,
  burstGapMs: DEFAULT_ASSOCIATION_OPTIONS.burstGapMs,
  rssiTolerance: DEFAULT_ASSOCIATION_OPTIONS.rssiTolerance,
  minProbes: 1,
  autoFixedShare: 0.5,
  phoneBurstsPer5Min: DEFAULT_PHONE_BURSTS_PER_5_MIN,
  calibration: { devices: 1, bursts: 1, offset: 0 },
};

/** The method reported with every estimate. */
export const OCCUPANCY_METHOD = 'wifi-probe-association';

/** Fewest intervals before devices present in most of them are taken for fixed ones (2 h at 5 min). */
export const MIN_INTERVALS_FOR_AUTO_FIXED = 24;

export interface IntervalCount {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Globally administered devices counted. */
  devices: number;
  /** Randomised devices counted (bursts linked into devices). */
  bursts: number;
  estimate: number;
  /** The estimate under a looser association (fewer devices). */
  low: number;
  /** The estimate under a stricter association (more devices). */
  high: number;
  /** Distinct addresses heard (after the RSSI and fixed-device filters): the naive count. */
  addresses: number;
}

/** Locally administered bit of the first octet. */
export function isRandomisedMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x02) !== 0;
}

/** The association settings of an estimator setting, and its looser and stricter variants. */
export function associationVariants(o: OccupancyOptions): {
  main: AssociationOptions;
  loose: AssociationOptions;
  strict: AssociationOptions;
} {
  const main: AssociationOptions = {
    burstGapMs: o.burstGapMs,
    windowMs: o.mergeWindowMs,
    seqGap: o.seqGap,
    rssiTolerance: o.rssiTolerance,
    ambiguousTiming: 'closest',
  };
  return {
    main,
    loose: { ...main, windowMs: 2 * main.windowMs, rssiTolerance: 1.5 * main.rssiTolerance },
    strict: {
      ...main,
      windowMs: main.windowMs / 2,
      rssiTolerance: main.rssiTolerance / 2,
      ambiguousTiming: 'refuse',
    },
  };
}

/** Per interval: probes per global device, per randomised device under each association. */
interface Bucket {
  devices: Map<string, number>;
  main: Map<number, number>;
  loose: Map<number, number>;
  strict: Map<number, number>;
  /** Per association: bursts per randomised device, and the devices shown to keep their address. */
  bursts: [Map<number, number>, Map<number, number>, Map<number, number>];
  kept: [Set<number>, Set<number>, Set<number>];
  addresses: Set<string>;
  /**
   * Randomised address → the devices it was last counted under in this interval (main, looser,
   * stricter): an address heard again after a silence longer than the window, which the associator
   * has forgotten, is still the same device within the interval.
   */
  ids: Map<string, [number, number, number]>;
  /** Per association: a device opened for a forgotten address → the device it is counted as. */
  alias: [Map<number, number>, Map<number, number>, Map<number, number>];
}

const bump = <K>(m: Map<K, number>, k: K): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

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
  const variants = associationVariants(o);
  const main = new ProbeAssociator(variants.main);
  const loose = new ProbeAssociator(variants.loose);
  const strict = new ProbeAssociator(variants.strict);
  const associators = [main, loose, strict] as const;

  const counts = new Map<number, Bucket>();
  let current: Bucket | undefined;
  let currentIndex = Number.NaN;
  for (const s of samples) {
    if (s.rssi < o.minRssi || fixed.has(s.mac)) continue;
    const i = interval(s.at);
    if (i !== currentIndex) {
      current = counts.get(i);
      if (!current) {
        current = {
          devices: new Map(),
          main: new Map(),
          loose: new Map(),
          strict: new Map(),
          bursts: [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()],
          kept: [new Set<number>(), new Set<number>(), new Set<number>()],
          addresses: new Set(),
          ids: new Map(),
          alias: [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()],
        };
        counts.set(i, current);
      }
      currentIndex = i;
    }
    const b = current!;
    b.addresses.add(s.mac);
    if (!(s.randomized ?? isRandomisedMac(s.mac))) {
      bump(b.devices, s.mac);
      continue;
    }
    const input = {
      at: s.at,
      address: s.mac,
      rssi: s.rssi,
      ...(s.seq !== undefined ? { seq: s.seq } : {}),
      ...(s.fingerprint !== undefined ? { fingerprint: s.fingerprint } : {}),
      ...(s.sensor !== undefined ? { sensor: s.sensor } : {}),
      ...(s.period !== undefined ? { period: s.period } : {}),
    };
    let ids = b.ids.get(s.mac);
    if (ids === undefined) b.ids.set(s.mac, (ids = [0, 0, 0]));
    for (let slot = 0; slot < 3; slot += 1) {
      const a = associators[slot]!;
      const id = a.link(input);
      const alias = b.alias[slot]!;
      // A device opened because the associator forgot the address (not split off as a device of
      // its own) is counted, with whatever links to it later, as the address's earlier device.
      const forgotten = a.lastLink === 'new' && !a.lastReturned && ids[slot] !== 0;
      if (forgotten) alias.set(id, ids[slot]!);
      ids[slot] = alias.get(id) ?? id;
      // Bursts a device holds by guesses (a known address heard again is not one).
      if (a.lastStable) b.kept[slot]!.add(ids[slot]!);
      else if (a.lastFreshBurst && !forgotten) bump(b.bursts[slot]!, ids[slot]!);
    }
    bump(b.main, ids[0]);
    bump(b.loose, ids[1]);
    bump(b.strict, ids[2]);
  }

  // At least one burst per interval, whatever the setting (a phone that is heard sent one).
  const bound = Math.max(1, (o.phoneBurstsPer5Min * o.intervalMs) / FIVE_MINUTES_MS);
  const counted = (m: Map<unknown, number> | undefined): number => {
    if (!m) return 0;
    let n = 0;
    for (const probes of m.values()) if (probes >= o.minProbes) n += 1;
    return n;
  };
  /** Randomised devices of one association, a device of more bursts than a phone sends as several. */
  const phones = (b: Bucket | undefined, slot: 0 | 1 | 2): number => {
    if (!b) return 0;
    const m = slot === 0 ? b.main : slot === 1 ? b.loose : b.strict;
    const bursts = b.bursts[slot];
    const kept = b.kept[slot];
    let n = 0;
    for (const [id, probes] of m) {
      if (probes < o.minProbes) continue;
      n += kept.has(id) ? 1 : phonesOfChain(bursts.get(id) ?? 0, bound);
    }
    return n;
  };
  const out: IntervalCount[] = [];
  for (let i = first; i <= last; i += 1) {
    const b = counts.get(i);
    const devices = counted(b?.devices);
    const bursts = phones(b, 0);
    const estimate = applyCalibration(o.calibration, devices, bursts);
    const looser = applyCalibration(o.calibration, devices, phones(b, 1));
    const stricter = applyCalibration(o.calibration, devices, phones(b, 2));
    out.push({
      start: i * o.intervalMs,
      end: (i + 1) * o.intervalMs,
      devices,
      bursts,
      estimate,
      low: Math.min(estimate, looser, stricter),
      high: Math.max(estimate, looser, stricter),
      addresses: b?.addresses.size ?? 0,
    });
  }
  return out;
}

/**
 * Phones behind one randomised device (a chain of linked bursts) that holds `bursts` bursts in an
 * interval where one phone sends at most `bound`: at least one, more when the chain holds more bursts
 * than one phone sends.
 */
export function phonesOfChain(bursts: number, bound: number): number {
  return bursts <= bound ? 1 : Math.ceil(bursts / bound);
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
