import { DEFAULT_ASSOCIATION_OPTIONS, type AssociationOptions } from './probe-association.js';

/** One probe of a capture known to hold a single phone (every address is that phone's). */
export interface PhoneProbe {
  /** Epoch ms. */
  at: number;
  rssi: number;
  /** Sensor (or sniffer channel) that heard it. */
  sensor?: string;
}

export interface DerivationRules {
  /** Frames closer than this are one burst, ms (from the radio, not derived). */
  burstGapMs: number;
  /** A silence longer than this ends a capture session (the phone was away or the capture off), ms. */
  sessionGapMs: number;
  /** Share of a phone's own burst-to-burst signal rises the tolerance must allow. */
  riseQuantile: number;
  /** The window is rounded up to a multiple of this, ms. */
  windowStepMs: number;
  /** Share of a phone's 5-min intervals whose burst count the bound must allow. */
  burstsQuantile: number;
}

/**
 * The rules, fixed before any figure was looked at: the window is the longest silence one phone
 * kept between two bursts (every one of the phones' own gaps is bridged), the signal tolerance the
 * 95th percentile of a phone's own rise from one burst to the next on one sensor (one same-device
 * link in twenty may be refused by the signal gate), the bound on one phone's burst rate the 95th
 * percentile of a phone's bursts per 5-min interval (one interval in twenty of a single phone may
 * count it twice).
 */
export const DERIVATION_RULES: DerivationRules = {
  burstGapMs: DEFAULT_ASSOCIATION_OPTIONS.burstGapMs,
  sessionGapMs: 3_600_000,
  riseQuantile: 0.95,
  windowStepMs: 10_000,
  burstsQuantile: 0.95,
};

export interface DerivedOptions {
  windowMs: number;
  rssiTolerance: number;
  /** What they rest on: silences between bursts and burst-to-burst rises, pooled over phones. */
  silences: number;
  rises: number;
  longestSilenceMs: number;
}

/**
 * The association's window and signal tolerance from captures of single phones only (ground truth:
 * every probe of a capture is one device), never from the data the estimate is judged on. Pure.
 * `phones` are each one phone's probes in time order.
 */
export function deriveAssociationOptions(
  phones: readonly (readonly PhoneProbe[])[],
  rules: DerivationRules = DERIVATION_RULES,
): DerivedOptions & Pick<AssociationOptions, 'windowMs' | 'rssiTolerance'> {
  let longest = 0;
  let silences = 0;
  for (const probes of phones) {
    for (let i = 1; i < probes.length; i += 1) {
      const gap = probes[i]!.at - probes[i - 1]!.at;
      if (gap > rules.burstGapMs && gap <= rules.sessionGapMs) {
        silences += 1;
        if (gap > longest) longest = gap;
      }
    }
  }
  const windowMs = Math.max(
    rules.windowStepMs,
    Math.ceil(longest / rules.windowStepMs) * rules.windowStepMs,
  );
  const rises: number[] = [];
  for (const probes of phones) {
    // Per sensor: the strongest reading of the last burst, and when that burst was last heard.
    const last = new Map<string, { at: number; hi: number }>();
    for (const p of probes) {
      const sensor = p.sensor ?? '';
      const e = last.get(sensor);
      if (e === undefined) {
        last.set(sensor, { at: p.at, hi: p.rssi });
        continue;
      }
      if (p.at - e.at > rules.burstGapMs) {
        if (p.at - e.at <= windowMs) rises.push(p.rssi - e.hi);
        e.hi = p.rssi;
      } else if (p.rssi > e.hi) e.hi = p.rssi;
      e.at = p.at;
    }
  }
  rises.sort((a, b) => a - b);
  const rank = Math.ceil(rules.riseQuantile * rises.length) - 1;
  const rssiTolerance =
    rises.length === 0
      ? DEFAULT_ASSOCIATION_OPTIONS.rssiTolerance
      : Math.max(0, Math.ceil(rises[Math.max(0, rank)]!));
  return { windowMs, rssiTolerance, silences, rises: rises.length, longestSilenceMs: longest };
}

const FIVE_MINUTES_MS = 300_000;

export interface DerivedPhoneBursts {
  /** The bound: most bursts one phone sends in 5 minutes (the rules' quantile). */
  phoneBurstsPer5Min: number;
  /** What it rests on: 5-min intervals of the phones' capture sessions, and their bursts. */
  intervals: number;
  bursts: number;
  /** Bursts per interval, pooled over phones, in ascending order. */
  perInterval: number[];
}

/**
 * The bound on one phone's burst rate from captures of single phones only: a burst begins with a
 * frame more than `burstGapMs` after the phone's previous one; the bursts are counted per 5-min
 * interval (aligned to the epoch) from the first to the last interval of each capture session
 * (sessions split at silences over `sessionGapMs`), and the bound is the rules' quantile of those
 * counts, pooled over phones. Pure; `phones` are each one phone's probes in time order.
 */
export function derivePhoneBursts(
  phones: readonly (readonly PhoneProbe[])[],
  rules: DerivationRules = DERIVATION_RULES,
): DerivedPhoneBursts {
  const perInterval: number[] = [];
  let bursts = 0;
  for (const probes of phones) {
    let from = 0;
    for (let i = 1; i <= probes.length; i += 1) {
      if (i < probes.length && probes[i]!.at - probes[i - 1]!.at <= rules.sessionGapMs) continue;
      const session = probes.slice(from, i);
      from = i;
      if (session.length === 0) continue;
      const first = Math.floor(session[0]!.at / FIVE_MINUTES_MS);
      const counts = new Array<number>(
        Math.floor(session[session.length - 1]!.at / FIVE_MINUTES_MS) - first + 1,
      ).fill(0);
      let last = Number.NEGATIVE_INFINITY;
      for (const p of session) {
        if (p.at - last > rules.burstGapMs) {
          counts[Math.floor(p.at / FIVE_MINUTES_MS) - first]! += 1;
          bursts += 1;
        }
        last = p.at;
      }
      perInterval.push(...counts);
    }
  }
  perInterval.sort((a, b) => a - b);
  const rank = Math.ceil(rules.burstsQuantile * perInterval.length) - 1;
  return {
    phoneBurstsPer5Min: perInterval.length === 0 ? 1 : Math.max(1, perInterval[Math.max(0, rank)]!),
    intervals: perInterval.length,
    bursts,
    perInterval,
  };
}
