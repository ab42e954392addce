import type { PositionUpdate, SensorKind } from '@aisle/sdk';
import { buildFloorGrid, type FloorGrid } from './floor-grid.js';
import { boxAround, type Box, type Point } from './geometry.js';
import type { RobustModel } from './grid-posterior.js';
import {
  DEFAULT_KALMAN,
  splitFixVariance,
  trackUncertainty,
  type KalmanOptions,
} from './kalman.js';
import {
  combinedTrack,
  DEFAULT_MOTION,
  predictMotion,
  startMotion,
  updateMotion,
  type MotionOptions,
  type MotionTrack,
} from './motion.js';
import type { Anchor, LinkMeasurement } from './link.js';
import { DEFAULT_LOCATE, locate, type Fix, type LocateOptions } from './locate.js';
import { pruneWindow, pushReading, smoothLink, type LinkWindow } from './rssi-window.js';
import {
  assignZone,
  DEFAULT_ZONE_HYSTERESIS,
  INITIAL_ZONE_STATE,
  type ZoneHysteresis,
  type ZoneShape,
  type ZoneState,
} from './zones.js';

/** Typical phone Wi-Fi at 1 m from a ceiling sensor, dBm, when a sensor has no calibration. */
export const DEFAULT_MEASURED_POWER_DBM = -45;
/** Log-distance exponent of an open sales floor, when a sensor has no calibration. */
export const DEFAULT_PATH_LOSS_EXPONENT = 2.5;
/** Ceiling height assumed for a sensor without z, metres. */
export const DEFAULT_SENSOR_HEIGHT_M = 2.5;

/** A radio sensor as the engine needs it (positions and calibration from the store config). */
export interface EngineSensor {
  id: string;
  x: number;
  y: number;
  z?: number;
  measuredPower?: number;
  pathLossExponent?: number;
  receiverOffset?: number;
}

export interface EngineStore {
  storeId: string;
  sensors: readonly EngineSensor[];
  zones: readonly ZoneShape[];
  /** Where positions may be (default: sensors and zones, grown by 2 m). */
  bounds?: Box;
  /** Shadowing σ of this store, dB (default: the engine's). */
  sigmaDb?: number;
  /** Shelves, pillars, counters: nobody stands inside them (the posterior solver's floor prior). */
  obstacles?: readonly (readonly Point[])[];
  /** Fitted measurement model of this store (self-calibration), for the posterior solver. */
  model?: Partial<RobustModel>;
}

/** A radio sighting after the gate (a `RadioSighting` fits). */
export interface EngineSighting {
  storeId: string;
  sensorId: string;
  subject: string;
  period: number;
  kind: Exclude<SensorKind, 'camera'>;
  rssi: number;
  at: number;
}

export interface EngineOptions {
  /** Readings older than this are dropped from a link's window, ms (without tracking). */
  windowMs: number;
  /**
   * The same with tracking on, ms. The tracker already averages over time (a standing subject over
   * tens of seconds), so a long window only adds lag for a walking one: a fix of a window describes
   * the subject at the readings' mean time, half a window ago.
   */
  trackedWindowMs: number;
  /** Tracking: the fix is a measurement of the position at the readings' mean time (H = [I, −lag·I]). */
  lagCompensation: boolean;
  /** Tracking: a fix's variance is multiplied by the number of fixes each reading enters (window ÷ update interval). */
  overlapInflation: boolean;
  /** Readings kept per link at most. */
  maxSamplesPerLink: number;
  /** Subjects not heard for this long are forgotten, ms. */
  idleMs: number;
  /**
   * Subjects tracked at most over all stores: at the cap the least recently heard 1/64 go at once
   * (counted in {@link LocalisationEngine.stats} as `evicted`). ~2.6 KB each with three sensors
   * hearing it, so the default 50,000 (2.5× the 20,000-device goal) is ~130 MB at most.
   */
  maxSubjects: number;
  /** Prior spread of a device's transmit power around the calibration's typical device, dB. */
  txPriorSigmaDb: number;
  /** Transmit-power belief loosens by this much per fix, dB² (power-saving modes change it). */
  txDriftDb2: number;
  /** Walking/standing (IMM) tracking on top of the fixes (off: raw fixes). */
  tracking: boolean;
  /** Cell size of the floor grid of the posterior solver, metres. */
  gridStepM: number;
  locate: LocateOptions;
  /** The walking model's constant-velocity filter. */
  kalman: KalmanOptions;
  /** The walking/standing mixture (its `kalman` is replaced by {@link kalman}). */
  motion: Omit<MotionOptions, 'kalman'>;
  zones: ZoneHysteresis;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  windowMs: 4_000,
  trackedWindowMs: 1_500,
  lagCompensation: true,
  overlapInflation: true,
  maxSamplesPerLink: 12,
  idleMs: 5 * 60_000,
  maxSubjects: 50_000,
  txPriorSigmaDb: 6,
  txDriftDb2: 0.25,
  tracking: true,
  gridStepM: 2,
  locate: DEFAULT_LOCATE,
  kalman: DEFAULT_KALMAN,
  motion: DEFAULT_MOTION,
  zones: DEFAULT_ZONE_HYSTERESIS,
};

/** Engine options as callers give them: any subset, nested groups partial too. */
export type EngineConfig = Partial<
  Omit<EngineOptions, 'locate' | 'kalman' | 'motion' | 'zones'>
> & {
  locate?: Partial<LocateOptions>;
  kalman?: Partial<KalmanOptions>;
  motion?: Partial<EngineOptions['motion']>;
  zones?: Partial<ZoneHysteresis>;
};

/** A position update with the fix (before tracking) it was made from. */
export interface DetailedUpdate {
  position: PositionUpdate;
  fix: Fix;
  links: LinkMeasurement[];
  /** The readings' mean time (epoch ms): the moment the fix describes (the position: `at`). */
  fixAt: number;
}

interface StoreModel {
  storeId: string;
  anchors: Map<string, Anchor>;
  zones: readonly ZoneShape[];
  bounds: Box | undefined;
  sigmaDb: number;
  grid: FloorGrid | undefined;
  model: Partial<RobustModel> | undefined;
  /**
   * The store's subjects by pseudonym: one lookup of the sighting's own string per sighting, no
   * composite key built. Subjects of another period or kind with the same string (different keys
   * and namespaces make that practically never happen) are chained behind it ({@link SubjectState.next}).
   */
  subjects: Map<string, SubjectState>;
}

interface SubjectState {
  store: StoreModel;
  subject: string;
  period: number;
  kind: Exclude<SensorKind, 'camera'>;
  links: Map<string, LinkWindow>;
  lastSeen: number;
  track: MotionTrack | null;
  zone: ZoneState;
  tx: { mean: number; variance: number };
  /** The next subject of the store with the same pseudonym string (another period or kind). */
  next: SubjectState | undefined;
}

/**
 * The localisation pipeline for many stores: per subject (store, key period, kind, pseudonym) a
 * window of readings per sensor → smoothed links → a fix ({@link locate}) → constant-velocity
 * tracking → zone with hysteresis. Pure: no clock reads, no I/O; time comes with every call.
 * Memory is bounded: idle subjects are evicted and the total is capped.
 */
export class LocalisationEngine {
  private readonly options: EngineOptions;
  private readonly stores = new Map<string, StoreModel>();
  /** Subjects tracked over all stores (each is in its store's {@link StoreModel.subjects}). */
  private subjectCount = 0;
  private readonly dirty = new Set<SubjectState>();
  private lastEvictionAt = -Infinity;
  private rejectedCount = 0;
  private evictedCount = 0;

  constructor(options: EngineConfig = {}) {
    this.options = {
      ...DEFAULT_ENGINE_OPTIONS,
      ...options,
      locate: { ...DEFAULT_LOCATE, ...options.locate },
      kalman: { ...DEFAULT_KALMAN, ...options.kalman },
      motion: { ...DEFAULT_MOTION, ...options.motion },
      zones: { ...DEFAULT_ZONE_HYSTERESIS, ...options.zones },
    };
  }

  /** Sets (or replaces) a store's sensors and zones; its subjects' windows are dropped on change. */
  setStore(store: EngineStore): void {
    const anchors = new Map<string, Anchor>();
    for (const s of store.sensors) {
      const anchor = toAnchor(s);
      if (anchor) anchors.set(s.id, anchor);
    }
    const points: Point[] = [...anchors.values(), ...store.zones.flatMap((z) => z.polygon)];
    this.removeStore(store.storeId);
    const bounds = store.bounds ?? boxAround(points, 2) ?? undefined;
    let grid: FloorGrid | undefined;
    if (bounds && this.options.locate.solver === 'posterior') {
      try {
        grid = buildFloorGrid({ bounds, obstacles: store.obstacles }, this.options.gridStepM);
      } catch {
        grid = undefined; // a degenerate plan (one sensor, no zones): the least-squares solver
      }
    }
    this.stores.set(store.storeId, {
      storeId: store.storeId,
      anchors,
      zones: store.zones,
      bounds,
      grid,
      model: store.model,
      subjects: new Map(),
      sigmaDb:
        store.sigmaDb !== undefined && store.sigmaDb > 0
          ? store.sigmaDb
          : store.model?.sigmaDb !== undefined && store.model.sigmaDb > 0
            ? store.model.sigmaDb
            : this.options.locate.sigmaDb,
    });
  }

  /**
   * Replaces the calibration of a store's sensors (same ids, same positions) without dropping what
   * is tracked there: the next fixes use it. False when the store is unknown or the sensor set differs.
   */
  recalibrate(storeId: string, sensors: readonly EngineSensor[]): boolean {
    const store = this.stores.get(storeId);
    if (!store) return false;
    const next = new Map<string, Anchor>();
    for (const s of sensors) {
      const anchor = toAnchor(s);
      if (anchor) next.set(s.id, anchor);
    }
    if (next.size !== store.anchors.size || [...next.keys()].some((id) => !store.anchors.has(id))) {
      return false;
    }
    for (const [id, anchor] of next) store.anchors.set(id, anchor);
    return true;
  }

  /** Forgets a store and everything tracked in it. */
  removeStore(storeId: string): void {
    const store = this.stores.get(storeId);
    if (!store) return;
    this.stores.delete(storeId);
    for (const head of store.subjects.values()) {
      for (let state: SubjectState | undefined = head; state !== undefined; state = state.next) {
        this.dirty.delete(state);
        this.subjectCount -= 1;
      }
    }
    store.subjects.clear();
  }

  /**
   * Takes one sighting. False (and counted in {@link stats}) when it cannot be used: unknown store
   * or sensor, non-finite RSSI or time.
   */
  add(sighting: EngineSighting): boolean {
    const store = this.stores.get(sighting.storeId);
    if (
      !store ||
      !store.anchors.has(sighting.sensorId) ||
      !Number.isFinite(sighting.rssi) ||
      !Number.isFinite(sighting.at)
    ) {
      this.rejectedCount += 1;
      return false;
    }
    let state = store.subjects.get(sighting.subject);
    while (
      state !== undefined &&
      (state.period !== sighting.period || state.kind !== sighting.kind)
    ) {
      state = state.next;
    }
    if (!state) {
      if (this.subjectCount >= this.options.maxSubjects) this.evictOldest();
      state = {
        store,
        subject: sighting.subject,
        period: sighting.period,
        kind: sighting.kind,
        links: new Map(),
        lastSeen: sighting.at,
        track: null,
        zone: INITIAL_ZONE_STATE,
        tx: { mean: 0, variance: this.options.txPriorSigmaDb ** 2 },
        next: store.subjects.get(sighting.subject),
      };
      store.subjects.set(sighting.subject, state);
      this.subjectCount += 1;
    }
    let link = state.links.get(sighting.sensorId);
    if (!link) {
      link = { at: [], rssi: [] };
      state.links.set(sighting.sensorId, link);
    }
    pushReading(link, sighting.at, sighting.rssi, this.options.maxSamplesPerLink);
    if (sighting.at > state.lastSeen) state.lastSeen = sighting.at;
    this.dirty.add(state);
    return true;
  }

  /** Position updates for every subject heard since the last call, as of `now` (epoch ms). */
  update(now: number): PositionUpdate[] {
    return this.updateDetailed(now).map((u) => u.position);
  }

  /** {@link update} with each update's untracked fix and the links it came from. */
  updateDetailed(now: number): DetailedUpdate[] {
    const out: DetailedUpdate[] = [];
    if (!Number.isFinite(now)) return out;
    for (const state of this.dirty) {
      const update = this.updateSubject(state, now);
      if (update) out.push(update);
    }
    this.dirty.clear();
    if (now - this.lastEvictionAt >= this.options.idleMs / 10) {
      this.evictIdle(now);
      this.lastEvictionAt = now;
    }
    return out;
  }

  /** Current counts, for metrics and tests. */
  stats(): { subjects: number; stores: number; rejected: number; evicted: number } {
    return {
      subjects: this.subjectCount,
      stores: this.stores.size,
      rejected: this.rejectedCount,
      evicted: this.evictedCount,
    };
  }

  private updateSubject(state: SubjectState, now: number): DetailedUpdate | null {
    const o = this.options;
    const windowMs = o.tracking ? o.trackedWindowMs : o.windowMs;
    const links: LinkMeasurement[] = [];
    let atSum = 0;
    let atWeight = 0;
    // Readings older than the window before `now` are out, unless the subject's newest reading is
    // itself older than `now` (a busy hub, a batching sensor): then the window ends at that reading
    // (a reading exactly one window older than it is out), so late sightings still form a fix and
    // lag compensation carries it to `now`. Only subjects with a new reading are updated.
    const windowStart = Math.min(now - windowMs, state.lastSeen - windowMs + 1);
    for (const [sensorId, window] of state.links) {
      if (pruneWindow(window, windowStart)) {
        state.links.delete(sensorId);
        continue;
      }
      const smoothed = smoothLink(window);
      const anchor = state.store.anchors.get(sensorId);
      if (smoothed && anchor) {
        links.push({ anchor, rssi: smoothed.rssi, weight: smoothed.weight });
        atSum += smoothed.weight * smoothed.meanAt;
        atWeight += smoothed.weight;
      }
    }
    if (links.length === 0) return null;
    const motion: MotionOptions = { ...o.motion, kalman: o.kalman };
    const previous = state.track ? predictMotion(state.track, now, motion) : null;
    const predicted = previous ? combinedTrack(previous) : null;
    const fix = locate({
      links,
      tx: { mean: state.tx.mean, sigmaDb: Math.sqrt(state.tx.variance) },
      bounds: state.store.bounds,
      starts: predicted ? [{ x: predicted.s[0], y: predicted.s[1] }] : undefined,
      options: { ...o.locate, sigmaDb: state.store.sigmaDb },
      floor: state.store.grid,
      model: state.store.model,
    });
    if (!fix) return null;
    if (fix.tx) {
      state.tx = {
        mean: fix.tx.offset,
        variance: Math.min(o.txPriorSigmaDb ** 2, fix.tx.variance + o.txDriftDb2),
      };
    }
    let x = fix.x;
    let y = fix.y;
    let uncertainty = fix.uncertainty;
    if (o.tracking) {
      // The fix describes the readings' mean time, not `now`.
      const lagS =
        o.lagCompensation && atWeight > 0 ? Math.max(0, (now - atSum / atWeight) / 1000) : 0;
      // Consecutive fixes share readings (each reading sits in every fix of its window): their
      // errors are correlated, so the filter must not count a reading's information once per fix.
      // Inflating R by the number of fixes a reading enters (window ÷ update interval) keeps the
      // total information of a long run equal to that of its readings.
      const sinceLast = state.track ? now - state.track.at : windowMs;
      const overlap = o.overlapInflation
        ? Math.min(o.maxSamplesPerLink, Math.max(1, windowMs / Math.max(1, sinceLast)))
        : 1;
      // The fix's persistent share (its bias at this spot) is neither averaged away nor overlapped.
      const split = splitFixVariance(
        (fix.uncertainty * fix.uncertainty) / 2,
        overlap,
        fix.sensorCount,
        o.kalman,
      );
      const track = previous
        ? updateMotion(previous, { x: fix.x, y: fix.y, ...split, lagS }, motion)
        : startMotion(now, fix.x, fix.y, split.variance, motion, split.biasVariance);
      state.track = { ...track, at: now };
      const combined = combinedTrack(track);
      x = combined.s[0];
      y = combined.s[1];
      uncertainty = trackUncertainty(combined);
    }
    state.zone = assignZone({
      state: state.zone,
      point: { x, y },
      at: now,
      zones: state.store.zones,
      uncertainty,
      hysteresis: o.zones,
    });
    if (![x, y, uncertainty].every(Number.isFinite)) return null;
    return {
      position: {
        storeId: state.store.storeId,
        subject: state.subject,
        period: state.period,
        kind: state.kind,
        at: now,
        x,
        y,
        uncertainty,
        zoneId: state.zone.zoneId,
        method: fix.method,
        sensorCount: fix.sensorCount,
      },
      fix,
      links,
      fixAt: atWeight > 0 ? atSum / atWeight : now,
    };
  }

  private evictIdle(now: number): void {
    const idleMs = this.options.idleMs;
    this.drop((s) => now - s.lastSeen > idleMs, Infinity);
  }

  /**
   * Forgets the subjects `doomed` picks, in store and pseudonym order, at most `limit` of them;
   * returns how many went.
   */
  private drop(doomed: (s: SubjectState) => boolean, limit: number): number {
    let dropped = 0;
    for (const store of this.stores.values()) {
      for (const [subject, head] of store.subjects) {
        if (dropped >= limit) return dropped;
        let first: SubjectState | undefined = head;
        let previous: SubjectState | undefined;
        for (let s: SubjectState | undefined = head; s !== undefined; s = s.next) {
          if (dropped < limit && doomed(s)) {
            if (previous) previous.next = s.next;
            else first = s.next;
            this.dirty.delete(s);
            this.subjectCount -= 1;
            dropped += 1;
          } else {
            previous = s;
          }
        }
        if (first === undefined) store.subjects.delete(subject);
        else if (first !== head) store.subjects.set(subject, first);
      }
    }
    return dropped;
  }

  /**
   * At the cap: drops the least recently heard 1/64 of the subjects (at least one) in one pass, so
   * a flood of new subjects costs one scan per 1/64 of the cap, not one per subject.
   */
  private evictOldest(): void {
    const n = Math.max(1, Math.floor(this.subjectCount / 64));
    const seen = new Float64Array(this.subjectCount);
    let i = 0;
    for (const store of this.stores.values()) {
      for (const head of store.subjects.values()) {
        for (let s: SubjectState | undefined = head; s !== undefined; s = s.next) {
          seen[i++] = s.lastSeen;
        }
      }
    }
    seen.sort();
    const threshold = seen[n - 1] as number;
    this.evictedCount += this.drop((s) => s.lastSeen <= threshold, n);
  }
}

function toAnchor(s: EngineSensor): Anchor | null {
  if (![s.x, s.y].every(Number.isFinite)) return null;
  return {
    id: s.id,
    x: s.x,
    y: s.y,
    z: finiteOr(s.z, DEFAULT_SENSOR_HEIGHT_M),
    calibration: {
      measuredPower: finiteOr(s.measuredPower, DEFAULT_MEASURED_POWER_DBM),
      pathLossExponent:
        s.pathLossExponent !== undefined &&
        s.pathLossExponent > 0 &&
        Number.isFinite(s.pathLossExponent)
          ? s.pathLossExponent
          : DEFAULT_PATH_LOSS_EXPONENT,
      receiverOffset: finiteOr(s.receiverOffset, 0),
    },
  };
}

function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}
