import { fitPathLoss, type CalibrationSample, type PathLossFit } from './path-loss.js';

/** A point with height, metres. */
export interface Position3 {
  x: number;
  y: number;
  z: number;
}

export interface ReferenceCalibrationOptions {
  /** Samples older than this are forgotten, ms: the fit follows the store as it changes. */
  maxAgeMs: number;
  /** Samples kept at most (the oldest go first). */
  maxSamples: number;
  /** No fit below this many samples. */
  minSamples: number;
  /** No fit with fewer sensors than this. */
  minSensors: number;
  /** Fits with an exponent outside this range are refused (the API's calibration limits). */
  exponentRange: readonly [number, number];
  /** Fits with a receiver offset beyond ±this are refused, dB. */
  maxOffsetDb: number;
}

/**
 * Half an hour of samples: a reference beacon heard once a second by seven sensors gives ~12,000,
 * so the cap (5,000) rather than the age bounds memory in a busy store; a quiet store still fits
 * from what half an hour gave. 50 samples at least, from three sensors: fewer leave the exponent
 * to the noise of a handful of readings.
 */
export const DEFAULT_REFERENCE_CALIBRATION: ReferenceCalibrationOptions = {
  maxAgeMs: 30 * 60_000,
  maxSamples: 5_000,
  minSamples: 50,
  minSensors: 3,
  exponentRange: [1, 6],
  maxOffsetDb: 30,
};

interface Sample extends CalibrationSample {
  at: number;
  /** The reference position, as a key. */
  reference: string;
}

export interface ReferenceFitResult {
  /** The accepted fit, or null (see `reason`). */
  fit: PathLossFit | null;
  /** Whether per-sensor receiver offsets were fitted (needs two reference positions per sensor). */
  perSensorOffsets: boolean;
  /** Why there is no fit; null when there is one. */
  reason: string | null;
  samples: number;
  /** Distinct reference positions heard. */
  references: number;
  /** Per sensor: samples and distinct reference positions. */
  sensors: Record<string, { samples: number; references: number }>;
}

/**
 * Self-calibration from a store's reference beacons (known positions, so every reading is at a
 * known distance from its sensor): collects readings and fits the log-distance model
 * ({@link fitPathLoss}). Per-sensor receiver offsets are fitted only from sensors that heard two or
 * more reference positions (with one, a sensor's offset and the exponent cannot be told apart).
 * Pure: time is an argument.
 */
export class ReferenceCalibrator {
  private readonly options: ReferenceCalibrationOptions;
  private samples: Sample[] = [];

  constructor(options: Partial<ReferenceCalibrationOptions> = {}) {
    this.options = { ...DEFAULT_REFERENCE_CALIBRATION, ...options };
  }

  /** Takes one reading of a reference at `reference` by a sensor at `sensor`; false if unusable. */
  add(params: {
    sensorId: string;
    sensor: Position3;
    reference: Position3;
    rssi: number;
    at: number;
  }): boolean {
    const { sensor, reference, rssi, at } = params;
    const values = [sensor.x, sensor.y, sensor.z, reference.x, reference.y, reference.z, rssi, at];
    if (!values.every(Number.isFinite)) return false;
    const distance = Math.hypot(
      sensor.x - reference.x,
      sensor.y - reference.y,
      sensor.z - reference.z,
    );
    if (!(distance > 0)) return false;
    this.samples.push({
      sensorId: params.sensorId,
      rssi,
      distance,
      at,
      reference: `${round(reference.x)},${round(reference.y)},${round(reference.z)}`,
    });
    if (this.samples.length > this.options.maxSamples * 2) this.prune(-Infinity);
    return true;
  }

  /** Forgets every sample (the sensors moved). */
  clear(): void {
    this.samples = [];
  }

  /** Fits the samples of the last `maxAgeMs` before `now`. */
  fit(now: number): ReferenceFitResult {
    const o = this.options;
    this.prune(now - o.maxAgeMs);
    const perSensor = new Map<string, { samples: number; references: Set<string> }>();
    for (const s of this.samples) {
      let entry = perSensor.get(s.sensorId);
      if (!entry) perSensor.set(s.sensorId, (entry = { samples: 0, references: new Set() }));
      entry.samples += 1;
      entry.references.add(s.reference);
    }
    const sensors: ReferenceFitResult['sensors'] = {};
    for (const [id, e] of [...perSensor].sort(([a], [b]) => a.localeCompare(b))) {
      sensors[id] = { samples: e.samples, references: e.references.size };
    }
    const base = {
      samples: this.samples.length,
      references: new Set(this.samples.map((s) => s.reference)).size,
      sensors,
    };
    const refuse = (reason: string, perSensorOffsets = false): ReferenceFitResult => ({
      fit: null,
      perSensorOffsets,
      reason,
      ...base,
    });
    if (this.samples.length < o.minSamples) {
      return refuse(`needs ${o.minSamples} reference samples, has ${this.samples.length}`);
    }
    if (perSensor.size < o.minSensors) {
      return refuse(`needs reference samples from ${o.minSensors} sensors, has ${perSensor.size}`);
    }
    const multi = new Set(
      [...perSensor].filter(([, e]) => e.references.size >= 2).map(([id]) => id),
    );
    const perSensorOffsets = multi.size >= o.minSensors;
    const used = perSensorOffsets
      ? this.samples.filter((s) => multi.has(s.sensorId))
      : this.samples;
    const fit = fitPathLoss({ samples: used, perSensorOffsets });
    if (!fit) {
      return refuse(
        'the samples do not determine the model (degenerate geometry)',
        perSensorOffsets,
      );
    }
    const [minN, maxN] = o.exponentRange;
    if (!(fit.pathLossExponent >= minN && fit.pathLossExponent <= maxN)) {
      return refuse(
        `fitted path-loss exponent ${fit.pathLossExponent.toFixed(2)} is outside ${minN}–${maxN}`,
        perSensorOffsets,
      );
    }
    const wild = Object.entries(fit.receiverOffsets).find(
      ([, v]) => !(Math.abs(v) <= o.maxOffsetDb),
    );
    if (wild) {
      return refuse(
        `fitted receiver offset of sensor ${wild[0]} (${wild[1].toFixed(1)} dB) is beyond ±${o.maxOffsetDb} dB`,
        perSensorOffsets,
      );
    }
    return { fit, perSensorOffsets, reason: null, ...base };
  }

  private prune(before: number): void {
    const kept = this.samples.filter((s) => s.at >= before);
    this.samples =
      kept.length > this.options.maxSamples ? kept.slice(-this.options.maxSamples) : kept;
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
