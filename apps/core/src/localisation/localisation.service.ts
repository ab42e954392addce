import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import {
  DEFAULT_LOCATE,
  DEFAULT_PATH_LOSS_EXPONENT,
  LocalisationEngine,
  ReferenceCalibrator,
  coverageGrid,
  type CoverageGrid,
  type EngineOptions,
  type EngineSensor,
  type ReferenceCalibrationOptions,
  type ReferenceFitResult,
} from '@aisle/localisation';
import type { TrackingMode } from '@aisle/ingest';
import type { Clock, PositionUpdate, Sighting, TimerHandle } from '@aisle/sdk';
import { countedTotal, TalliedCounter } from '../metrics/counted-total.js';
import type { SensorSnapshot } from '../stores/store-snapshot.js';
import type { StoreDirectory } from '../stores/store-directory.js';

/** Engine updates once a second: the cadence sensors report at, and what the engine is tuned for. */
export const LOCALISATION_UPDATE_MS = 1_000;
/**
 * A subject not positioned for this long drops out of the current positions (the engine's link
 * window is 4 s, so a phone that went quiet stops being updated 4 s after its last reading).
 */
export const POSITION_TTL_MS = 10_000;
/** Reference-beacon calibration is refitted this often, ms. */
export const CALIBRATION_FIT_MS = 15_000;
/** The only tracking mode whose anonymous devices may have per-device positions kept or shown. */
const PER_DEVICE_MODE: TrackingMode = 'in-visit';

/** Where positions in sensitive zones go instead of the general stream. */
export interface SensitivePositionSink {
  /** The sensitive zone a position is in (by its zone label or its point), or null. */
  zoneOf(position: PositionUpdate): string | null;
  observe(position: PositionUpdate): void;
}

export interface CalibrationStatus {
  storeId: string;
  /** Whether fitted values are applied to the engine now. */
  inUse: boolean;
  /** Why they are not (too few samples, implausible fit…); null when in use. */
  reason: string | null;
  /** Last accepted fit, epoch ms, or null. */
  fittedAt: number | null;
  /** Last attempt, epoch ms, or null. */
  attemptedAt: number | null;
  samples: number;
  references: number;
  perSensorOffsets: boolean;
  /** Fitted path-loss exponent (applied to every radio sensor of the store). */
  pathLossExponent: number | null;
  /** The reference beacons' fitted RSSI at 1 m, dBm (informative: phones transmit differently). */
  referenceMeasuredPower: number | null;
  /** Residual σ of the readings, dB. */
  sigmaDb: number | null;
  sensors: {
    sensorId: string;
    samples: number;
    references: number;
    receiverOffset: number | null;
  }[];
}

interface SensorModel {
  id: string;
  x: number;
  y: number;
  z: number;
  /** As configured (sensor calibration, else plugin config). */
  measuredPower?: number;
  pathLossExponent?: number;
  receiverOffset?: number;
}

interface StoreModel {
  storeId: string;
  width: number;
  height: number;
  sensors: Map<string, SensorModel>;
  zones: { id: string; polygon: { x: number; y: number }[]; tags: string[] }[];
  signature: string;
  calibrator: ReferenceCalibrator;
  fit: ReferenceFitResult | null;
  fittedAt: number | null;
  attemptedAt: number | null;
  /** The last accepted fit, applied to the engine. */
  applied: ReferenceFitResult | null;
  current: Map<string, PositionUpdate>;
  /** Sensors heard reporting camera counts and radio sightings. */
  camera: Set<string>;
  radio: Set<string>;
}

type InputResult =
  'accepted' | 'reference' | 'unknown_store' | 'unknown_sensor' | 'invalid' | 'internal_error';

/**
 * Owns the hub's {@link LocalisationEngine}: loads every store's radio sensors and zones (again on
 * each configuration change), feeds it the radio sightings after the gate, updates it once a second
 * on the injected clock, and publishes the positions. A position in a sensitive zone is handed to
 * the scrubber and never published; positions of stores whose mode keeps no per-device data
 * (`count-only`, `consented`, `off`) are never published or kept either. Reference-beacon sightings
 * calibrate the store's radio model instead. Bad input is counted, never thrown into the stream.
 */
export class LocalisationService {
  private readonly engine: LocalisationEngine;
  private readonly stores = new Map<string, StoreModel>();
  private subscriptions: Subscription[] = [];
  private unsubscribe: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private lastFitAt = -Infinity;
  /** Key of the per-API-key subject pseudonyms the positions API hands out (this process only). */
  private readonly viewKey = randomBytes(32);
  private readonly inputs: TalliedCounter<'result'>;
  private readonly outputs: Counter<'result'>;
  /** Read by Prometheus through its collect callback. */
  readonly subjectsGauge: Gauge;
  readonly evictedCounter: Counter;

  constructor(
    private readonly deps: {
      directory: StoreDirectory;
      sightings: Observable<Sighting>;
      /** Where published positions go (the `POSITIONS` hand-off). */
      positions: { publish(position: PositionUpdate): void };
      sensitive: SensitivePositionSink;
      clock: Clock;
      logger: Logger;
      /** The store's tracking mode now (undefined: not a store of this hub). */
      modeFor: (storeId: string) => TrackingMode | undefined;
      /** False when a policy module of the store drops the position (never published or kept). */
      allowPosition?: (position: PositionUpdate) => boolean;
      /** Whether a plugin domain drives radio (Wi-Fi/BLE) sensors; default: every domain. */
      isRadioDomain?: (domain: string) => boolean;
      registry?: Registry;
      engine?: Partial<EngineOptions>;
      calibration?: Partial<ReferenceCalibrationOptions>;
    },
  ) {
    this.engine = new LocalisationEngine(deps.engine);
    const registers = deps.registry ? [deps.registry] : [];
    this.inputs = new TalliedCounter({
      name: 'aisle_localisation_inputs_total',
      help: 'Radio sightings into localisation, by result (accepted, reference, unknown_sensor, invalid, …)',
      labelName: 'result',
      registers,
    });
    this.outputs = new Counter({
      name: 'aisle_positions_total',
      help: 'Positions out of localisation: published, sensitive (to the scrubber only), withheld (mode keeps no per-device data), restricted (dropped by a policy module)',
      labelNames: ['result'] as const,
      registers,
    });
    const engine = this.engine;
    this.subjectsGauge = new Gauge({
      name: 'aisle_localisation_subjects',
      help: 'Subjects the localisation engine tracks',
      registers,
      collect() {
        this.set(engine.stats().subjects);
      },
    });
    this.evictedCounter = countedTotal(
      'aisle_localisation_subjects_evicted_total',
      'Subjects the localisation engine dropped because it tracked its maximum (least recently heard first)',
      registers,
      () => engine.stats().evicted,
    );
  }

  async start(): Promise<void> {
    await this.reload();
    this.subscriptions.push(
      this.deps.sightings.subscribe({
        next: (s) => this.onSighting(s),
        error: (error: unknown) =>
          this.deps.logger.error(`sighting stream failed: ${(error as Error).message}`),
      }),
    );
    this.unsubscribe = this.deps.directory.onChanged(() => this.reload());
    this.timer = this.deps.clock.setInterval(() => this.tick(), LOCALISATION_UPDATE_MS);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.reloading.catch(() => undefined);
  }

  /**
   * Applies the store directory's snapshots (serialised). Stores whose layout is unchanged keep
   * their tracks.
   */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(
      () => this.doReload(),
      () => this.doReload(),
    );
    return this.reloading;
  }

  /** One update: positions as of now, published or scrubbed; calibration refitted when due. */
  tick(): void {
    const now = this.deps.clock.now();
    try {
      if (now - this.lastFitAt >= CALIBRATION_FIT_MS) {
        this.lastFitAt = now;
        for (const store of this.stores.values()) this.refit(store, now);
      }
      for (const position of this.engine.update(now)) this.route(position);
      for (const store of this.stores.values()) {
        for (const [key, p] of store.current) {
          if (now - p.at > POSITION_TTL_MS) store.current.delete(key);
        }
      }
    } catch (error) {
      this.deps.logger.error(`localisation update failed: ${(error as Error).message}`);
    }
  }

  /**
   * Current positions of a store (none unless its mode keeps per-device data). `viewer`: the API
   * key id that reads them; its subjects are re-keyed for it (HMAC under a process key), so they
   * are neither the pseudonyms stored with sightings nor joinable with another key's.
   */
  currentPositions(storeId: string, viewer?: string): PositionUpdate[] {
    const store = this.stores.get(storeId);
    if (!store || this.deps.modeFor(storeId) !== PER_DEVICE_MODE) return [];
    const now = this.deps.clock.now();
    const out: PositionUpdate[] = [];
    for (const p of store.current.values()) {
      if (now - p.at > POSITION_TTL_MS) continue;
      out.push(viewer === undefined ? p : { ...p, subject: this.rekey(viewer, p) });
    }
    return out.sort((a, b) => a.subject.localeCompare(b.subject));
  }

  calibration(storeId: string): CalibrationStatus | undefined {
    const store = this.stores.get(storeId);
    if (!store) return undefined;
    const last = store.fit;
    const applied = store.applied;
    const counts = last?.sensors ?? {};
    return {
      storeId,
      inUse: applied !== null,
      reason: applied ? null : (last?.reason ?? 'not fitted yet'),
      fittedAt: store.fittedAt,
      attemptedAt: store.attemptedAt,
      samples: last?.samples ?? 0,
      references: last?.references ?? 0,
      perSensorOffsets: applied?.perSensorOffsets ?? false,
      pathLossExponent: applied?.fit?.pathLossExponent ?? null,
      referenceMeasuredPower: applied?.fit?.measuredPower ?? null,
      sigmaDb: applied?.fit?.sigmaDb ?? null,
      sensors: [...store.sensors.keys()].sort().map((sensorId) => ({
        sensorId,
        samples: counts[sensorId]?.samples ?? 0,
        references: counts[sensorId]?.references ?? 0,
        receiverOffset: applied?.fit?.receiverOffsets[sensorId] ?? null,
      })),
    };
  }

  /**
   * CRLB coverage of the store's radio layout: the best RMSE any unbiased estimator can reach at
   * each cell, with the fitted exponent and σ when calibration is in use, else the configured or
   * default ones. Sensors heard only reporting camera counts are left out.
   */
  coverage(
    storeId: string,
    step: number,
  ):
    | (CoverageGrid & {
        pathLossExponent: number;
        sigmaDb: number;
        source: 'calibration' | 'configuration';
        sensors: string[];
      })
    | undefined {
    const store = this.stores.get(storeId);
    if (!store) return undefined;
    const fit = store.applied?.fit ?? null;
    const sensors = [...store.sensors.values()].filter(
      (s) => !store.camera.has(s.id) || store.radio.has(s.id),
    );
    const pathLossExponent = fit?.pathLossExponent ?? DEFAULT_PATH_LOSS_EXPONENT;
    const sigmaDb = fit?.sigmaDb ?? DEFAULT_LOCATE.sigmaDb;
    const grid = coverageGrid({
      width: store.width,
      height: store.height,
      step,
      anchors: sensors.map((s) => ({
        x: s.x,
        y: s.y,
        z: s.z,
        pathLossExponent: fit ? fit.pathLossExponent : (s.pathLossExponent ?? pathLossExponent),
      })),
      pathLossExponent,
      sigmaDb,
      unknownTx: true,
      deviceHeight: DEFAULT_LOCATE.deviceHeight,
    });
    return {
      ...grid,
      pathLossExponent,
      sigmaDb,
      source: fit ? 'calibration' : 'configuration',
      sensors: sensors.map((s) => s.id).sort(),
    };
  }

  private onSighting(sighting: Sighting): void {
    let result: InputResult | 'camera';
    try {
      result = this.take(sighting);
    } catch {
      // A malformed sighting never stops the stream (and its content is never logged).
      result = 'internal_error';
    }
    if (result !== 'camera') this.inputs.inc(result);
  }

  private take(sighting: Sighting): InputResult | 'camera' {
    const store = this.stores.get(sighting.storeId);
    if (sighting.kind === 'camera') {
      store?.camera.add(sighting.sensorId);
      return 'camera';
    }
    if (!store) return 'unknown_store';
    const sensor = store.sensors.get(sighting.sensorId);
    if (!sensor) return 'unknown_sensor';
    if (
      (sighting.kind !== 'wifi' && sighting.kind !== 'ble') ||
      typeof sighting.subject !== 'string' ||
      !Number.isFinite(sighting.rssi) ||
      !Number.isFinite(sighting.at) ||
      !Number.isFinite(sighting.period)
    ) {
      return 'invalid';
    }
    store.radio.add(sensor.id);
    if (sighting.reference !== undefined) {
      const ok = store.calibrator.add({
        sensorId: sensor.id,
        sensor,
        reference: sighting.reference,
        rssi: sighting.rssi,
        at: sighting.at,
      });
      return ok ? 'reference' : 'invalid';
    }
    // The engine only reads the sighting's fields (and keeps its subject string): no copy.
    return this.engine.add(sighting) ? 'accepted' : 'invalid';
  }

  private route(position: PositionUpdate): void {
    const store = this.stores.get(position.storeId);
    if (!store) return;
    const key = `${position.period}\u0000${position.kind}\u0000${position.subject}`;
    const sensitiveZoneId = this.deps.sensitive.zoneOf(position);
    if (sensitiveZoneId !== null) {
      store.current.delete(key);
      this.outputs.labels('sensitive').inc();
      this.deps.sensitive.observe({ ...position, zoneId: sensitiveZoneId });
      return;
    }
    if (this.deps.modeFor(position.storeId) !== PER_DEVICE_MODE) {
      store.current.clear();
      this.outputs.labels('withheld').inc();
      return;
    }
    if (this.deps.allowPosition && !this.deps.allowPosition(position)) {
      store.current.delete(key);
      this.outputs.labels('restricted').inc();
      return;
    }
    store.current.set(key, position);
    this.outputs.labels('published').inc();
    try {
      this.deps.positions.publish(position);
    } catch (error) {
      this.deps.logger.error(`a positions consumer failed: ${(error as Error).message}`);
    }
  }

  private refit(store: StoreModel, now: number): void {
    const result = store.calibrator.fit(now);
    if (result.samples === 0 && store.fit === null) return;
    store.fit = result;
    store.attemptedAt = now;
    if (!result.fit) return;
    store.applied = result;
    store.fittedAt = now;
    if (!this.engine.recalibrate(store.storeId, this.engineSensors(store))) {
      this.deps.logger.warn(
        { store: store.storeId },
        'calibration could not be applied: the sensor set changed',
      );
    }
  }

  /** The store's sensors with the fitted calibration over the configured one where there is a fit. */
  private engineSensors(store: StoreModel): EngineSensor[] {
    const fit = store.applied?.fit ?? null;
    return [...store.sensors.values()].map((s) => {
      const sensor: EngineSensor = { id: s.id, x: s.x, y: s.y, z: s.z };
      if (s.measuredPower !== undefined) sensor.measuredPower = s.measuredPower;
      const exponent = fit?.pathLossExponent ?? s.pathLossExponent;
      if (exponent !== undefined) sensor.pathLossExponent = exponent;
      const offset = fit?.receiverOffsets[s.id] ?? s.receiverOffset;
      if (offset !== undefined) sensor.receiverOffset = offset;
      return sensor;
    });
  }

  private async doReload(): Promise<void> {
    const stores = this.deps.directory.all();
    const seen = new Set<string>();
    const isRadio = this.deps.isRadioDomain ?? (() => true);
    for (const entity of stores) {
      seen.add(entity.id);
      const own = entity.sensors
        .filter((s) => s.enabled && isRadio(s.domain))
        .map(sensorModel)
        .sort((a, b) => a.id.localeCompare(b.id));
      const ownZones = entity.zones.map((z) => ({
        id: z.id,
        polygon: z.polygon.map((p) => ({ x: p.x, y: p.y })),
        tags: [...z.tags],
      }));
      const signature = JSON.stringify({ sensors: own, zones: ownZones });
      let store = this.stores.get(entity.id);
      if (!store) {
        store = {
          storeId: entity.id,
          width: entity.width,
          height: entity.height,
          sensors: new Map(),
          zones: [],
          signature: '',
          calibrator: new ReferenceCalibrator(this.deps.calibration),
          fit: null,
          fittedAt: null,
          attemptedAt: null,
          applied: null,
          current: new Map(),
          camera: new Set(),
          radio: new Set(),
        };
        this.stores.set(entity.id, store);
      }
      store.width = entity.width;
      store.height = entity.height;
      if (store.signature === signature) continue;
      const moved =
        JSON.stringify(own.map((s) => [s.id, s.x, s.y, s.z])) !==
        JSON.stringify([...store.sensors.values()].map((s) => [s.id, s.x, s.y, s.z]));
      if (moved) {
        // Reference readings were taken at distances to the old positions.
        store.calibrator.clear();
        store.fit = null;
        store.applied = null;
        store.fittedAt = null;
      }
      store.sensors = new Map(own.map((s) => [s.id, s]));
      store.zones = ownZones;
      store.signature = signature;
      store.current.clear();
      this.engine.setStore({
        storeId: entity.id,
        sensors: this.engineSensors(store),
        zones: ownZones,
      });
    }
    for (const storeId of [...this.stores.keys()]) {
      if (seen.has(storeId)) continue;
      this.stores.delete(storeId);
      this.engine.removeStore(storeId);
    }
  }

  private rekey(viewer: string, p: PositionUpdate): string {
    return createHmac('sha256', this.viewKey)
      .update(`${viewer.length}:${viewer}/${p.storeId}/${p.period}/${p.subject}`)
      .digest('hex')
      .slice(0, 32);
  }
}

/** Position and calibration of a sensor: its calibration first, then numbers in its plugin config. */
function sensorModel(entity: SensorSnapshot): SensorModel {
  const config = entity.config ?? {};
  const number = (...values: unknown[]): number | undefined => {
    for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
    return undefined;
  };
  const model: SensorModel = { id: entity.id, x: entity.x, y: entity.y, z: entity.z };
  const c = entity.calibration ?? {};
  const measuredPower = number(c.measuredPower, config['measuredPower']);
  const pathLossExponent = number(c.pathLossExponent, config['pathLossExponent']);
  const receiverOffset = number(c.offset, config['receiverOffset']);
  if (measuredPower !== undefined) model.measuredPower = measuredPower;
  if (pathLossExponent !== undefined) model.pathLossExponent = pathLossExponent;
  if (receiverOffset !== undefined) model.receiverOffset = receiverOffset;
  return model;
}
