import type { SensorKind } from './observation.js';

/**
 * What leaves the ingest gate. It holds no raw identifier: `subject` is an HMAC-SHA256 pseudonym
 * under a per-store key that is destroyed at rotation, so it cannot be linked across periods.
 */
interface SightingBase {
  storeId: string;
  sensorId: string;
  at: number;
  /** Start of the pseudonym key period the subject belongs to, epoch ms. */
  period: number;
}

export interface RadioSighting extends SightingBase {
  kind: Exclude<SensorKind, 'camera'>;
  /** Keyed pseudonym, hex. */
  subject: string;
  rssi: number;
  /** Locally administered (randomised) MAC, or a BLE random address. */
  randomized: boolean;
  /** True when the subject is a beacon identity rather than a device address. */
  beacon?: boolean;
  /**
   * A store reference beacon at this known position (metres): for calibration only, never a
   * shopper (not stored, not counted).
   */
  reference?: { x: number; y: number; z: number };
  channel?: number;
  txPower?: number;
  /**
   * Wi-Fi: the driver's element fingerprint under the same per-period key as `subject`, never the
   * raw hash. For the occupancy estimate's in-memory association only: never stored, never in a
   * webhook.
   */
  fingerprint?: string;
  /**
   * Wi-Fi: the frame's 802.11 sequence number (12 bits), for linking a randomised device's address
   * change within minutes (occupancy estimate, in memory). Never stored, never in a webhook.
   */
  seq?: number;
}

export interface CameraSighting extends SightingBase {
  kind: 'camera';
  lineId?: string;
  zoneId?: string;
  entries?: number;
  exits?: number;
  occupancy?: number;
  intervalStart?: number;
  /** Pseudonymised track id, if any. */
  subject?: string;
}

export type Sighting = RadioSighting | CameraSighting;
