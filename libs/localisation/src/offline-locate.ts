import { buildFloorGrid } from './floor-grid.js';
import { boxAround } from './geometry.js';
import type { RobustModel } from './grid-posterior.js';
import {
  DEFAULT_SENSOR_HEIGHT_M,
  LocalisationEngine,
  type EngineSensor,
} from './localisation-engine.js';
import type { PathLossFit } from './path-loss.js';
import {
  selfCalibrate,
  type CalibrationWindow,
  type SelfCalibrationQuality,
} from './self-calibration.js';

/** A sighting as the offline tool reads it (one JSON line). */
export interface OfflineSighting {
  t: number;
  subject: string;
  sensor: string;
  rssi: number;
}

export interface OfflineFix {
  t: number;
  subject: string;
  x: number;
  y: number;
  uncertainty: number;
}

export interface OfflineCalibration {
  sigmaDb?: number;
  deviceHeight?: number;
  /** Defaults for sensors without their own values. */
  measuredPower?: number;
  pathLossExponent?: number;
}

/** Engine update cadence of the offline tool, ms (the hub updates once a second too). */
const STEP_MS = 1_000;
/**
 * Self-calibration windows: a subject's readings within this span count as one spot (a shopper
 * walks ~2 m in it; standing ones dominate a store's readings).
 */
const FIT_WINDOW_MS = 2_000;
/** Grid step of the self-calibration's posterior, metres. */
const FIT_GRID_STEP_M = 1;
const STORE = 'offline';

/**
 * Runs sightings (any order) through the same {@link LocalisationEngine} as the hub, updating once
 * per second of sighting time, and returns the fixes in time order.
 */
export function locateOffline(params: {
  sensors: readonly EngineSensor[];
  sightings: readonly OfflineSighting[];
  calibration?: OfflineCalibration;
  tracking?: boolean;
  /** A fitted measurement model ({@link fitFromSightings}). */
  model?: Partial<RobustModel>;
}): OfflineFix[] {
  const c = params.calibration ?? {};
  const engine = new LocalisationEngine({
    tracking: params.tracking ?? true,
    locate: {
      ...(c.sigmaDb !== undefined ? { sigmaDb: c.sigmaDb } : {}),
      ...(c.deviceHeight !== undefined ? { deviceHeight: c.deviceHeight } : {}),
    },
  });
  engine.setStore({
    storeId: STORE,
    sensors: params.sensors.map((s) => ({
      ...s,
      measuredPower: s.measuredPower ?? c.measuredPower,
      pathLossExponent: s.pathLossExponent ?? c.pathLossExponent,
    })),
    zones: [],
    model: params.model,
  });
  const sorted = [...params.sightings]
    .filter((s) => Number.isFinite(s.t))
    .sort((a, b) => a.t - b.t);
  const out: OfflineFix[] = [];
  let next: number | null = null;
  const flush = (now: number): void => {
    for (const u of engine.update(now)) {
      out.push({ t: now, subject: u.subject, x: u.x, y: u.y, uncertainty: u.uncertainty });
    }
  };
  for (const s of sorted) {
    if (next === null) next = Math.floor(s.t / STEP_MS) * STEP_MS + STEP_MS;
    while (s.t >= next) {
      flush(next);
      next += STEP_MS;
    }
    engine.add({
      storeId: STORE,
      sensorId: s.sensor,
      subject: s.subject,
      period: 0,
      kind: 'ble',
      rssi: s.rssi,
      at: s.t,
    });
  }
  if (next !== null) flush(next);
  return out;
}

/**
 * Self-calibration without reference positions ({@link selfCalibrate}): the sightings are cut into
 * windows (one subject, {@link FIT_WINDOW_MS}), placed with the current model, the model refitted
 * (per-sensor powers, exponent, σ, …) and so on. Returns the sensors with the fitted calibration,
 * the model for the solver, and the fit's quality; null when not even the fall-back could be
 * made (no sensor).
 */
export function fitFromSightings(params: {
  sensors: readonly EngineSensor[];
  sightings: readonly OfflineSighting[];
  calibration?: OfflineCalibration;
}): {
  sensors: EngineSensor[];
  fit: PathLossFit;
  model: RobustModel;
  quality: SelfCalibrationQuality;
} | null {
  const sensors = params.sensors.filter((s) => Number.isFinite(s.x) && Number.isFinite(s.y));
  const bounds = boxAround(sensors, 2);
  if (!bounds || bounds.maxX <= bounds.minX || bounds.maxY <= bounds.minY) return null;
  const grid = buildFloorGrid({ bounds }, FIT_GRID_STEP_M);
  const known = new Set(sensors.map((s) => s.id));
  const windows = new Map<string, { readings: Map<string, number[]> }>();
  for (const s of params.sightings) {
    if (!known.has(s.sensor) || !Number.isFinite(s.rssi) || !Number.isFinite(s.t)) continue;
    const key = `${s.subject}\u0000${Math.floor(s.t / FIT_WINDOW_MS)}`;
    let w = windows.get(key);
    if (!w) windows.set(key, (w = { readings: new Map() }));
    const list = w.readings.get(s.sensor) ?? [];
    list.push(s.rssi);
    w.readings.set(s.sensor, list);
  }
  const calibrationWindows: CalibrationWindow[] = [...windows.values()].map((w) => ({
    readings: w.readings,
    scans: Math.max(...[...w.readings.values()].map((r) => r.length)),
  }));
  const result = selfCalibrate({
    anchors: sensors.map((s) => ({ id: s.id, x: s.x, y: s.y, z: s.z ?? DEFAULT_SENSOR_HEIGHT_M })),
    windows: calibrationWindows,
    grid,
    deviceHeight: params.calibration?.deviceHeight ?? 1.2,
  });
  const fitted = sensors.map((s) => ({ ...s, ...result.calibrations[s.id] }));
  return {
    sensors: fitted,
    fit: {
      measuredPower: result.measuredPower,
      pathLossExponent: result.pathLossExponent,
      receiverOffsets: Object.fromEntries(
        fitted.map((s) => [s.id, result.calibrations[s.id]?.receiverOffset ?? 0]),
      ),
      sigmaDb: result.model.sigmaDb,
      samples: result.quality.samples,
    },
    model: result.model,
    quality: result.quality,
  };
}
