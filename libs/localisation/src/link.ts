import type { PathLossCalibration } from './path-loss.js';

/** A sensor (or a reference beacon) at a known position with its calibration. */
export interface Anchor {
  id: string;
  x: number;
  y: number;
  /** Height above the floor, metres. */
  z: number;
  calibration: PathLossCalibration;
}

/** One smoothed link between a subject and an anchor. */
export interface LinkMeasurement {
  anchor: Anchor;
  /** Smoothed RSSI, dBm. */
  rssi: number;
  /** Number of independent readings averaged (the link's variance is σ²/weight). */
  weight: number;
}

/** Readings that can be used at all: finite RSSI, finite anchor, positive weight. */
export function usableLinks(links: readonly LinkMeasurement[]): LinkMeasurement[] {
  return links.filter(
    (l) =>
      Number.isFinite(l.rssi) &&
      Number.isFinite(l.weight) &&
      l.weight > 0 &&
      Number.isFinite(l.anchor.x) &&
      Number.isFinite(l.anchor.y) &&
      Number.isFinite(l.anchor.z) &&
      Number.isFinite(l.anchor.calibration.measuredPower) &&
      Number.isFinite(l.anchor.calibration.receiverOffset) &&
      Number.isFinite(l.anchor.calibration.pathLossExponent) &&
      l.anchor.calibration.pathLossExponent > 0,
  );
}
