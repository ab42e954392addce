import type { ProbeSample } from './probe-occupancy.js';

/**
 * A subject heard again within this time is kept once: several sensors hear the same probe burst,
 * and the estimator only asks whether a device or burst was heard in an interval.
 */
export const OCCUPANCY_REPEAT_MS = 5_000;
/**
 * A subject heard without pause is kept as its first and its latest sample per stretch of this
 * length (a stretch never spans two intervals): the latest one moves forward as the subject is heard
 * again. Half the association window (200 s), so an address heard all along never falls silent for
 * the association; its last sequence number, signal and time are the latest frame's.
 */
export const OCCUPANCY_STRETCH_MS = 100_000;

/** A subject's current stretch (see {@link OCCUPANCY_STRETCH_MS}). */
export interface ProbeStretch {
  head: ProbeSample;
  /** The latest kept sample after the head, moved forward in place; absent while only the head. */
  tail: ProbeSample | undefined;
  /** Samples of the subject kept in the head's interval so far (this stretch and earlier ones). */
  kept: number;
}

/**
 * Samples of a subject already kept in the interval of `at` (0 when its stretch is of another
 * interval): a device whose address is not randomised needs no more than `minProbes` of them.
 */
export function keptInInterval(
  stretch: ProbeStretch | undefined,
  at: number,
  intervalMs: number,
): number {
  return stretch !== undefined &&
    Math.floor(stretch.head.at / intervalMs) === Math.floor(at / intervalMs)
    ? stretch.kept
    : 0;
}

/** What {@link thinProbe} did with a probe. */
export type ThinningResult = 'repeat' | 'thinned' | 'keep';

/**
 * The thinning of a live estimator's input (the hub's `WifiOccupancyService`, and the benchmark
 * that replays it): a probe of a subject whose current stretch is `stretch` is
 * - `repeat` within {@link OCCUPANCY_REPEAT_MS} of the subject's last kept sample: not kept, its
 *   sequence number is (continuity across the next address change is judged from it);
 * - `thinned` inside the stretch (after its latest sample, same interval, within
 *   {@link OCCUPANCY_STRETCH_MS} of its head): the latest sample moves forward to it, in place;
 * - `keep` otherwise: make a sample of it and pass it to {@link keepProbe}.
 */
export function thinProbe(
  stretch: ProbeStretch | undefined,
  probe: { at: number; rssi: number; seq?: number | undefined; fingerprint?: string | undefined },
  sensor: string | undefined,
  intervalMs: number,
): ThinningResult {
  const last = stretch ? (stretch.tail ?? stretch.head) : undefined;
  if (last !== undefined && Math.abs(probe.at - last.at) < OCCUPANCY_REPEAT_MS) {
    if (probe.seq !== undefined) last.seq = probe.seq;
    return 'repeat';
  }
  if (
    stretch !== undefined &&
    stretch.tail !== undefined &&
    probe.at > stretch.tail.at &&
    probe.at - stretch.head.at < OCCUPANCY_STRETCH_MS &&
    Math.floor(probe.at / intervalMs) === Math.floor(stretch.head.at / intervalMs)
  ) {
    const tail = stretch.tail;
    tail.at = probe.at;
    tail.rssi = probe.rssi;
    tail.sensor = sensor;
    if (probe.seq !== undefined) tail.seq = probe.seq;
    if (probe.fingerprint !== undefined) tail.fingerprint = probe.fingerprint;
    return 'thinned';
  }
  return 'keep';
}

/**
 * Records a kept sample (one {@link thinProbe} answered `keep` for) in `stretches` under
 * `sample.mac`: the head of a new stretch, or the latest sample of the current one.
 */
export function keepProbe(
  stretches: Map<string, ProbeStretch>,
  stretch: ProbeStretch | undefined,
  sample: ProbeSample,
  intervalMs: number,
): void {
  if (
    stretch === undefined ||
    sample.at - stretch.head.at >= OCCUPANCY_STRETCH_MS ||
    sample.at < stretch.head.at ||
    Math.floor(sample.at / intervalMs) !== Math.floor(stretch.head.at / intervalMs)
  ) {
    stretches.set(sample.mac, {
      head: sample,
      tail: undefined,
      kept: keptInInterval(stretch, sample.at, intervalMs) + 1,
    });
  } else {
    stretch.tail = sample;
    stretch.kept += 1;
  }
}
