import { LocalisationEngine, type EngineSensor } from './localisation-engine.js';
import { fitPathLoss, type PathLossFit } from './path-loss.js';

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
/** Self-calibration rounds (localise, refit, …): the fit settles within a few. */
const FIT_ROUNDS = 3;
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
 * Self-calibration without reference positions: localise with the current parameters (no
 * tracking), fit measured power, exponent and per-sensor offsets to the readings at the estimated
 * positions, and repeat. Returns the sensors with fitted calibration (null when nothing could be fitted).
 */
export function fitFromSightings(params: {
  sensors: readonly EngineSensor[];
  sightings: readonly OfflineSighting[];
  calibration?: OfflineCalibration;
}): { sensors: EngineSensor[]; fit: PathLossFit } | null {
  let sensors = [...params.sensors];
  let fit: PathLossFit | null = null;
  const height = params.calibration?.deviceHeight ?? 1.2;
  for (let round = 0; round < FIT_ROUNDS; round += 1) {
    const fixes = locateOffline({ ...params, sensors, tracking: false });
    const bySubject = new Map<string, OfflineFix[]>();
    for (const f of fixes) bySubject.set(f.subject, [...(bySubject.get(f.subject) ?? []), f]);
    const byId = new Map(sensors.map((s) => [s.id, s]));
    const samples = params.sightings.flatMap((s) => {
      const sensor = byId.get(s.sensor);
      const track = bySubject.get(s.subject);
      if (!sensor || !track || !Number.isFinite(s.rssi)) return [];
      const fix = track.find((f) => f.t >= s.t) ?? track[track.length - 1];
      if (!fix) return [];
      const dz = (sensor.z ?? 2.5) - height;
      return [
        {
          sensorId: s.sensor,
          rssi: s.rssi,
          distance: Math.hypot(fix.x - sensor.x, fix.y - sensor.y, dz),
        },
      ];
    });
    const next = fitPathLoss({ samples, perSensorOffsets: true });
    if (!next || !(next.pathLossExponent > 0.5 && next.pathLossExponent < 6)) break;
    fit = next;
    sensors = sensors.map((s) => ({
      ...s,
      measuredPower: next.measuredPower,
      pathLossExponent: next.pathLossExponent,
      receiverOffset: next.receiverOffsets[s.id] ?? 0,
    }));
  }
  return fit ? { sensors, fit } : null;
}
