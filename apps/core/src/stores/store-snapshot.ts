import type { StorePolicy, TrackingHours } from '@aisle/policy';
import type { Point } from '@aisle/sdk';

export interface ZoneSnapshot {
  readonly id: string;
  readonly name: string;
  readonly polygon: readonly Readonly<Point>[];
  readonly tags: readonly string[];
}

export interface SensorSnapshot {
  readonly id: string;
  readonly storeId: string;
  readonly domain: string;
  readonly name: string | null;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly calibration: Readonly<{
    measuredPower?: number;
    pathLossExponent?: number;
    offset?: number;
  }>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
}

/**
 * One store's configuration as committed, frozen: what every stage reads (never the tables).
 * A new snapshot replaces the old one after each commit; a held snapshot never changes.
 */
export interface StoreSnapshot {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
  readonly width: number;
  readonly height: number;
  /** The stored policy document, as written. */
  readonly policyDocument: Readonly<Record<string, unknown>>;
  /** The parsed policy; a document that does not validate is `trackingOffPolicy()`. */
  readonly policy: StorePolicy;
  /** False when the stored document did not validate (tracking is then off). */
  readonly policyValid: boolean;
  /** The store's tracking hours in its time zone (null: it sets none, always open). */
  readonly hours: TrackingHours | null;
  readonly zones: readonly ZoneSnapshot[];
  readonly sensors: readonly SensorSnapshot[];
  /** Keyed digests of the store's own devices (never addresses). */
  readonly fixedDevices: readonly string[];
}

/** `store.changed`: a store's snapshot before and after a commit (null: did not exist / deleted). */
export interface StoreChanged {
  readonly storeId: string;
  readonly before: StoreSnapshot | null;
  readonly after: StoreSnapshot | null;
}
