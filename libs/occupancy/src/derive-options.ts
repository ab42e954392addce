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
}

/**
 * The rules, fixed before any figure was looked at: the window is the longest silence one phone
 * kept between two bursts (every one of the phones' own gaps is bridged), the signal tolerance the
 * 95th percentile of a phone's own rise from one burst to the next on one sensor (one same-device
 * link in twenty may be refused by the signal gate).
 */
export const DERIVATION_RULES: DerivationRules = {
  burstGapMs: DEFAULT_ASSOCIATION_OPTIONS.burstGapMs,
  sessionGapMs: 3_600_000,
  riseQuantile: 0.95,
  windowStepMs: 10_000,
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
