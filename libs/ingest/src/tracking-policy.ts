import {
  MAX_RSSI_DBM,
  MIN_RSSI_DBM,
  SENSOR_KINDS,
  formatFieldErrors,
  validatePlain,
  type FieldError,
  type SensorKind,
} from '@aisle/sdk';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  Min,
} from 'class-validator';

/**
 * - `off`: nothing passes the gate.
 * - `count-only`: sightings pass (for counting and localisation) but nothing per device is kept.
 * - `in-visit`: pseudonymous per-device data, linkable within one key period only.
 * - `consented`: anonymous devices are handled as in `count-only` (nothing per device is kept, so
 *   nothing links across visits); only loyalty members who gave `analytics-linking` consent have
 *   their visits linked, through their own app's presence reports (keyed to the member, never to a
 *   device pseudonym).
 */
export const TRACKING_MODES = ['off', 'count-only', 'in-visit', 'consented'] as const;
export type TrackingMode = (typeof TRACKING_MODES)[number];

/** A pseudonym key never lives longer than a day: the validator and the keyring both refuse more. */
export const MAX_ROTATION_HOURS = 24;

/** An hour: beyond that a sensor clock is broken, not skewed. */
export const MAX_CLOCK_SKEW_SECONDS = 3600;

/**
 * A store's tracking policy, as far as the ingest gate enforces it. Property initialisers are the
 * defaults. A later policy issue adds notice requirements (the default mode may then depend on them).
 */
export class TrackingPolicy {
  @IsIn(TRACKING_MODES)
  mode: TrackingMode = 'in-visit';

  @IsArray()
  @ArrayUnique()
  @IsIn(SENSOR_KINDS, { each: true })
  allowedKinds: SensorKind[] = [...SENSOR_KINDS];

  /** Pseudonym key period. Periods are aligned to UTC midnight (the last one of a day may be shorter). */
  @IsInt()
  @Min(1)
  @Max(MAX_ROTATION_HOURS, {
    message: `rotationHours must be at most ${MAX_ROTATION_HOURS}: a pseudonym key never lives longer than a day`,
  })
  rotationHours = MAX_ROTATION_HOURS;

  /** Radio observations weaker than this (dBm) are dropped. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(MIN_RSSI_DBM)
  @Max(MAX_RSSI_DBM)
  minRssi?: number;

  /** Drop radio observations from randomised (locally administered / BLE random) addresses. */
  @IsBoolean()
  ignoreRandomizedMacs = false;

  /** Observations stamped further than this into the future (vs the hub clock) are dropped. */
  @IsInt()
  @Min(0)
  @Max(MAX_CLOCK_SKEW_SECONDS)
  maxClockSkewSeconds = 300;
}

/** A tracking policy document is wrong; `fields` names every bad field. Not retried. */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
  constructor(readonly fields: readonly FieldError[]) {
    super(`invalid tracking policy: ${formatFieldErrors(fields)}`);
  }
}

/**
 * Validates a plain tracking policy document (missing fields take their defaults; unknown fields
 * are errors). Throws one {@link InvalidPolicyError} naming every bad field.
 */
export function parseTrackingPolicy(plain: unknown): TrackingPolicy {
  const { value, errors } = validatePlain(TrackingPolicy, plain ?? {});
  if (errors.length > 0) {
    throw new InvalidPolicyError(errors);
  }
  return value;
}
