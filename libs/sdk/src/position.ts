import type { SensorKind } from './observation.js';

/**
 * A subject's estimated position, made by the localisation engine from its recent sightings.
 * Pseudonymous like the sightings it comes from: `subject` is the gate's keyed pseudonym, never a
 * raw identifier, and it cannot be linked across key periods.
 */
export interface PositionUpdate {
  storeId: string;
  /** Keyed pseudonym of the sighting subject (hex). */
  subject: string;
  /** Start of the pseudonym key period, epoch ms. */
  period: number;
  kind: Exclude<SensorKind, 'camera'>;
  /** Time the estimate is for, epoch ms. */
  at: number;
  /** Floor-plan frame, metres. */
  x: number;
  y: number;
  /** Radius of the 1-σ uncertainty circle, metres (from the solver's covariance). */
  uncertainty: number;
  /** Zone the subject is in after hysteresis, or null when outside every zone. */
  zoneId: string | null;
  /** How the fix was made: full solver, or a fallback when the geometry was poor. */
  method: 'multilateration' | 'centroid' | 'nearest';
  /** Sensors that contributed to the fix. */
  sensorCount: number;
}
