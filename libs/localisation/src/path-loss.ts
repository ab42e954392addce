import { solveLinear } from './linear-algebra.js';

/** ln(10)/10: converts dB to natural-log units. */
const LN10 = Math.LN10;
/** Distances below this are treated as this (the model has a pole at 0), metres. */
export const MIN_RANGE_M = 0.1;

/** Per-sensor calibration of the log-distance path-loss model. */
export interface PathLossCalibration {
  /** Expected RSSI of a typical device at 1 m, dBm. */
  measuredPower: number;
  /** Path-loss exponent n (2 free space, 2.5–3.5 indoors). */
  pathLossExponent: number;
  /** Receiver gain offset of this sensor, dB (added to the expected RSSI). */
  receiverOffset: number;
}

/** Expected RSSI at distance `d` (metres, 3-D), dBm, for a device `txOffset` dB above typical. */
export function expectedRssi(params: {
  calibration: PathLossCalibration;
  distance: number;
  txOffset?: number;
}): number {
  const { calibration: c } = params;
  const d = Math.max(MIN_RANGE_M, params.distance);
  return (
    c.measuredPower +
    c.receiverOffset +
    (params.txOffset ?? 0) -
    10 * c.pathLossExponent * Math.log10(d)
  );
}

/** Inverse of {@link expectedRssi}: the range (3-D, metres) a reading implies. */
export function rssiToDistance(params: {
  calibration: PathLossCalibration;
  rssi: number;
  txOffset?: number;
}): number {
  const { calibration: c } = params;
  const exponent =
    (c.measuredPower + c.receiverOffset + (params.txOffset ?? 0) - params.rssi) /
    (10 * c.pathLossExponent);
  const d = Math.exp(exponent * LN10);
  return Number.isFinite(d) ? Math.max(MIN_RANGE_M, d) : MIN_RANGE_M;
}

/** One reading at a known distance, for fitting. */
export interface CalibrationSample {
  sensorId: string;
  rssi: number;
  /** True 3-D distance, metres. */
  distance: number;
}

export interface PathLossFit {
  measuredPower: number;
  pathLossExponent: number;
  /** Per-sensor receiver offsets, dB, summing to zero (empty unless asked for). */
  receiverOffsets: Record<string, number>;
  /** Standard deviation of the residuals (shadowing σ), dB. */
  sigmaDb: number;
  samples: number;
}

/**
 * Least-squares fit of `rssi = P + o_s − 10·n·log10(d)` to readings at known distances (reference
 * beacons, surveys): the common measured power P, the exponent n and, when `perSensorOffsets`,
 * an offset o_s per sensor (constrained to sum to zero, so P stays the fleet's average).
 * `fixedExponent` holds n fixed (fit P and offsets only). Returns null for too few or degenerate samples.
 */
export function fitPathLoss(params: {
  samples: readonly CalibrationSample[];
  perSensorOffsets?: boolean;
  fixedExponent?: number;
}): PathLossFit | null {
  const samples = params.samples.filter(
    (s) => Number.isFinite(s.rssi) && Number.isFinite(s.distance) && s.distance > 0,
  );
  const sensors = params.perSensorOffsets
    ? [...new Set(samples.map((s) => s.sensorId))].sort()
    : [];
  const fitN = params.fixedExponent === undefined;
  // Unknowns: P, [n], o_1..o_{k-1} (o_k = −Σ others).
  const extra = Math.max(0, sensors.length - 1);
  const dim = 1 + (fitN ? 1 : 0) + extra;
  if (samples.length < dim + 1) return null;
  const index = new Map(sensors.map((id, i) => [id, i]));
  const ata = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  const atb = new Array<number>(dim).fill(0);
  const row = new Array<number>(dim);
  for (const s of samples) {
    const logD = 10 * Math.log10(Math.max(MIN_RANGE_M, s.distance));
    row.fill(0);
    row[0] = 1;
    let target = s.rssi;
    if (fitN) row[1] = -logD;
    else {
      target +=
        10 * (params.fixedExponent as number) * Math.log10(Math.max(MIN_RANGE_M, s.distance));
    }
    const base = fitN ? 2 : 1;
    const i = index.get(s.sensorId);
    if (i !== undefined && sensors.length > 1) {
      if (i < sensors.length - 1) row[base + i] = 1;
      else for (let k = 0; k < extra; k += 1) row[base + k] = -1;
    }
    for (let r = 0; r < dim; r += 1) {
      atb[r] = (atb[r] as number) + (row[r] as number) * target;
      for (let c = 0; c < dim; c += 1) {
        (ata[r] as number[])[c] =
          ((ata[r] as number[])[c] as number) + (row[r] as number) * (row[c] as number);
      }
    }
  }
  const sol = solveLinear(ata, atb);
  if (!sol) return null;
  const measuredPower = sol[0] as number;
  const pathLossExponent = fitN ? (sol[1] as number) : (params.fixedExponent as number);
  const base = fitN ? 2 : 1;
  const receiverOffsets: Record<string, number> = {};
  if (sensors.length > 1) {
    let sum = 0;
    sensors.forEach((id, i) => {
      if (i < sensors.length - 1) {
        receiverOffsets[id] = sol[base + i] as number;
        sum += sol[base + i] as number;
      } else receiverOffsets[id] = -sum;
    });
  }
  let ss = 0;
  for (const s of samples) {
    const predicted =
      measuredPower +
      (receiverOffsets[s.sensorId] ?? 0) -
      10 * pathLossExponent * Math.log10(Math.max(MIN_RANGE_M, s.distance));
    ss += (s.rssi - predicted) ** 2;
  }
  const sigmaDb = Math.sqrt(ss / Math.max(1, samples.length - dim));
  if (![measuredPower, pathLossExponent, sigmaDb].every(Number.isFinite)) return null;
  return { measuredPower, pathLossExponent, receiverOffsets, sigmaDb, samples: samples.length };
}
