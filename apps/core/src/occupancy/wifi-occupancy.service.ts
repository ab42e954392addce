import type { Observable, Subscription } from 'rxjs';
import { Gauge, type Registry } from 'prom-client';
import type { TrackingMode } from '@aisle/ingest';
import {
  DEFAULT_OCCUPANCY_OPTIONS,
  OCCUPANCY_METHOD,
  OCCUPANCY_REPEAT_MS,
  OCCUPANCY_STRETCH_MS,
  countOccupancy,
  keepProbe,
  keptInInterval,
  thinProbe,
  type OccupancyOptions,
  type ProbeSample,
  type ProbeStretch,
} from '@aisle/occupancy';
import type { Clock, Sighting, TimerHandle } from '@aisle/sdk';
import { TalliedCounter } from '../metrics/counted-total.js';

/** How often intervals are closed and old samples forgotten. */
export const OCCUPANCY_TICK_MS = 10_000;
/** An interval is closed this long after its end, for sightings still on their way (sensor lag). */
export const OCCUPANCY_CLOSE_LAG_MS = 10_000;
/** Closed intervals kept per store for the API: one hour at 5 min. */
export const OCCUPANCY_SERIES_LENGTH = 12;
/**
 * Most samples kept per store (the open interval plus the association window, ≤ 520 s): 2 per
 * stretch, ≤ 8 stretches per subject in that time, for 20,000 randomised addresses heard without
 * pause (~70 bytes each: ~22 MB). A device whose address is not randomised keeps only `minProbes`
 * samples (1 by default) per interval, and only until its interval closes (`enough`): the estimator
 * counts it in that interval and never associates it. Past the cap new subjects and stretches are
 * counted (`overflow`), not kept; the subjects already held still move their latest sample forward.
 */
export const OCCUPANCY_MAX_SAMPLES = 20_000 * 2 * 8;
export { OCCUPANCY_METHOD, OCCUPANCY_REPEAT_MS, OCCUPANCY_STRETCH_MS };

export interface OccupancyPoint {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** People present (estimator output). */
  estimate: number;
  /** The estimate under a looser and a stricter association of randomised addresses. */
  low: number;
  high: number;
  /** Devices plus bursts of randomised addresses behind the estimate: the subjects for k. */
  subjects: number;
}

export interface OccupancyEstimate {
  storeId: string;
  method: string;
  intervalMs: number;
  /** The last closed interval, or null before the first closes. */
  current: OccupancyPoint | null;
  /** The interval still open, from what has arrived so far. */
  inProgress: OccupancyPoint | null;
  /** Closed intervals, oldest first, at most {@link OCCUPANCY_SERIES_LENGTH}. */
  series: OccupancyPoint[];
}

interface StoreState {
  /**
   * Kept probes in arrival order (nearly time order); pseudonyms, keyed fingerprints and sequence
   * numbers only, never persisted, forgotten as the association window moves on.
   */
  samples: ProbeSample[];
  /** Subject → the first and latest kept sample of its current stretch. */
  stretches: Map<string, ProbeStretch>;
  /** Index (at ÷ interval) of the next interval to close. */
  nextToClose: number;
  series: OccupancyPoint[];
}

/**
 * Live store occupancy from Wi-Fi probe requests: the `@aisle/occupancy` estimator run per store
 * over the gate's sightings (pseudonyms, `randomized` flag and pseudonymised fingerprints), on the
 * hub's clock. Works in every mode that lets sightings through, `count-only` included: it keeps only
 * the last interval plus the estimator's merge window in memory (bounded), persists nothing per
 * device, and forgets the pseudonyms as the window moves on. The store's own devices never arrive
 * (the gate drops them); the estimator's automatic fixed-device detection is off, since it would need
 * two hours of per-device history.
 */
export class WifiOccupancyService {
  private readonly stores = new Map<string, StoreState>();
  private readonly options: OccupancyOptions;
  private readonly subscriptions: Subscription[] = [];
  private timer: TimerHandle | undefined;
  /** First interval the service heard from its start: earlier ones are partial, never published. */
  private firstFull = 0;
  private readonly gauge: Gauge<'store'>;
  private readonly suppressedGauge: Gauge<'store'>;
  private readonly inputs: TalliedCounter<'result'>;

  constructor(
    private readonly deps: {
      sightings: Observable<Sighting>;
      clock: Clock;
      modeFor: (storeId: string) => TrackingMode | undefined;
      /** Small-cell threshold of the store (the gauge is public: it is withheld below k). */
      kFor: (storeId: string) => number;
      registry: Registry;
      options?: Partial<OccupancyOptions>;
    },
  ) {
    this.options = { ...DEFAULT_OCCUPANCY_OPTIONS, ...deps.options, autoFixedShare: 2 };
    this.gauge = new Gauge({
      name: 'aisle_wifi_occupancy_estimate',
      help: 'People present in the last closed interval, estimated from Wi-Fi probe requests (absent while suppressed)',
      labelNames: ['store'] as const,
      registers: [deps.registry],
    });
    this.suppressedGauge = new Gauge({
      name: 'aisle_wifi_occupancy_suppressed',
      help: '1 when the last Wi-Fi occupancy estimate came from fewer than k subjects and is withheld',
      labelNames: ['store'] as const,
      registers: [deps.registry],
    });
    this.inputs = new TalliedCounter({
      name: 'aisle_wifi_occupancy_inputs_total',
      help: 'Wi-Fi sightings offered to the occupancy estimator, by result',
      labelName: 'result',
      registers: [deps.registry],
    });
  }

  readonly method = OCCUPANCY_METHOD;

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.firstFull = Math.ceil(this.deps.clock.now() / this.options.intervalMs);
    this.subscriptions.push(this.deps.sightings.subscribe({ next: (s) => this.offer(s) }));
    this.timer = this.deps.clock.setInterval(() => this.tick(), OCCUPANCY_TICK_MS);
  }

  stop(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.stores.clear();
  }

  /** Samples held for a store (for tests and the memory bound). */
  heldSamples(storeId: string): number {
    const state = this.stores.get(storeId);
    return state ? state.samples.length + state.stretches.size : 0;
  }

  /** The store's estimate, or null when no Wi-Fi sighting has reached it since the hub started. */
  estimate(storeId: string): OccupancyEstimate | null {
    const state = this.stores.get(storeId);
    if (!state) return null;
    const { intervalMs } = this.options;
    const open = Math.floor(this.deps.clock.now() / intervalMs);
    return {
      storeId,
      method: OCCUPANCY_METHOD,
      intervalMs,
      current: state.series[state.series.length - 1] ?? null,
      inProgress: open >= state.nextToClose ? this.count(state, open) : null,
      series: [...state.series],
    };
  }

  private offer(s: Sighting): void {
    if (s.kind !== 'wifi') return;
    const mode = this.deps.modeFor(s.storeId);
    if (mode === undefined || mode === 'off') return this.inputs.inc('off');
    if (s.rssi < this.options.minRssi) return this.inputs.inc('weak');
    const { intervalMs } = this.options;
    let state = this.stores.get(s.storeId);
    if (!state) {
      state = {
        samples: [],
        stretches: new Map(),
        nextToClose: Math.floor(Math.min(s.at, this.deps.clock.now()) / intervalMs),
        series: [],
      };
      this.stores.set(s.storeId, state);
    }
    if (s.at < state.nextToClose * intervalMs) return this.inputs.inc('late');
    const stretch = state.stretches.get(s.subject);
    // The repeat and stretch rules (`@aisle/occupancy` thinProbe): a repeat only leaves its
    // sequence number on the last kept sample, a probe within the stretch moves its latest one.
    const thinned = thinProbe(stretch, s, s.sensorId, intervalMs);
    if (thinned !== 'keep') return this.inputs.inc(thinned);
    if (!s.randomized && keptInInterval(stretch, s.at, intervalMs) >= this.options.minProbes) {
      // A device (an address that is not randomised) counts in an interval once it has
      // `minProbes` samples there; the estimator asks nothing else of its samples (they are never
      // associated), so the estimate is the same without the rest.
      return this.inputs.inc('enough');
    }
    if (state.samples.length >= OCCUPANCY_MAX_SAMPLES) return this.inputs.inc('overflow');
    const sample: ProbeSample = {
      at: s.at,
      // The subject's first string: each sighting carries a fresh copy of the pseudonym.
      mac: stretch?.head.mac ?? s.subject,
      randomized: s.randomized,
      rssi: s.rssi,
      sensor: s.sensorId,
      period: s.period,
      seq: s.seq,
      fingerprint: s.fingerprint,
    };
    keepProbe(state.stretches, stretch, sample, intervalMs);
    state.samples.push(sample);
    this.inputs.inc('kept');
  }

  /** Closes due intervals, forgets what the estimator no longer needs, drops stores turned off. */
  tick(): void {
    const now = this.deps.clock.now();
    const { intervalMs, mergeWindowMs } = this.options;
    for (const [storeId, state] of this.stores) {
      const mode = this.deps.modeFor(storeId);
      if (mode === undefined || mode === 'off') {
        this.stores.delete(storeId);
        this.gauge.remove(storeId);
        this.suppressedGauge.remove(storeId);
        continue;
      }
      let closed: OccupancyPoint | undefined;
      while ((state.nextToClose + 1) * intervalMs + OCCUPANCY_CLOSE_LAG_MS <= now) {
        if (state.nextToClose >= this.firstFull) {
          closed = this.count(state, state.nextToClose);
          state.series.push(closed);
          if (state.series.length > OCCUPANCY_SERIES_LENGTH) state.series.shift();
        }
        state.nextToClose += 1;
      }
      if (closed) {
        if (closed.subjects < this.deps.kFor(storeId)) {
          this.gauge.remove(storeId);
          this.suppressedGauge.labels(storeId).set(1);
        } else {
          this.gauge.labels(storeId).set(closed.estimate);
          this.suppressedGauge.labels(storeId).set(0);
        }
      }
      // Randomised addresses' samples stay for the association window; a device's only count in
      // their own interval, so they go as it closes.
      const keepFrom = state.nextToClose * intervalMs - mergeWindowMs;
      const openFrom = state.nextToClose * intervalMs;
      state.samples = state.samples.filter(
        (p) => p.at >= openFrom || (p.at >= keepFrom && p.randomized !== false),
      );
      for (const [subject, stretch] of state.stretches) {
        if ((stretch.tail ?? stretch.head).at < keepFrom) state.stretches.delete(subject);
      }
    }
  }

  private count(state: StoreState, index: number): OccupancyPoint {
    const { intervalMs } = this.options;
    const start = index * intervalMs;
    const end = start + intervalMs;
    const samples = state.samples.filter((p) => p.at < end).sort((a, b) => a.at - b.at);
    const row = countOccupancy(samples, this.options).find((c) => c.start === start);
    return row
      ? {
          start,
          end,
          estimate: row.estimate,
          low: row.low,
          high: row.high,
          subjects: row.devices + row.bursts,
        }
      : { start, end, estimate: 0, low: 0, high: 0, subjects: 0 };
  }
}
