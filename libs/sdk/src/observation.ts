/**
 * What drivers emit. Raw identifiers (MAC addresses, BLE addresses, beacon ids, camera track ids)
 * are allowed here and nowhere else: the ingest gate replaces them by keyed pseudonyms, and after
 * the gate only {@link Sighting}s exist.
 */
export const SENSOR_KINDS = ['wifi', 'ble', 'camera'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

interface ObservationBase {
  /** Store the sensor belongs to; filled in by the host from the sensor's configuration. */
  storeId: string;
  /** Sensor that saw it; filled in by the host unless a driver serves several sensors. */
  sensorId: string;
  /** When it was seen, epoch milliseconds. */
  at: number;
}

/** A Wi-Fi frame from a phone (probe request, or any frame a sniffer attributes to a device). */
export interface WifiObservation extends ObservationBase {
  kind: 'wifi';
  /** Raw source MAC, any common notation (aa:bb:.., AA-BB-.., aabb.ccdd.eeff, aabbccddeeff). */
  mac: string;
  /** Received signal strength, dBm. */
  rssi: number;
  channel?: number;
  /** 802.11 sequence number, for merging bursts. */
  seq?: number;
  /** Hash of information elements, only for merging bursts of one randomised device within minutes. */
  fingerprint?: string;
}

/** A BLE advertisement. */
export interface BleObservation extends ObservationBase {
  kind: 'ble';
  /** Raw BLE device address, when the scanner knows it. */
  address?: string;
  /** Beacon identity (e.g. `ibeacon:<uuid>:<major>:<minor>`), when the payload carries one. */
  beaconId?: string;
  rssi: number;
  /** Calibrated transmit power at 1 m, dBm, when the advertisement carries it. */
  txPower?: number;
  /** `random` for resolvable/non-resolvable private addresses. */
  addressType?: 'public' | 'random';
  /**
   * Set when the beacon is one of the store's reference beacons at this known position
   * (floor-plan metres): its sightings calibrate the radio model and are never counted as shoppers.
   */
  reference?: { x: number; y: number; z: number };
}

/** A people-counter report: counts, never identity, never images. */
export interface CameraObservation extends ObservationBase {
  kind: 'camera';
  /** Counting line (entrance) or zone the figures are for. */
  lineId?: string;
  zoneId?: string;
  /** People crossing in / out during the interval ending at `at`. */
  entries?: number;
  exits?: number;
  /** People currently present in `zoneId`. */
  occupancy?: number;
  /** Start of the counting interval, epoch ms (idempotency key with sensorId). */
  intervalStart?: number;
  /** Camera track id, if the device sends one; pseudonymised or dropped at the gate. */
  trackId?: string;
}

export type Observation = WifiObservation | BleObservation | CameraObservation;

/** What a driver passes to `ctx.emit`: the host fills in store and (by default) sensor. */
export type DriverObservation =
  | (Omit<WifiObservation, 'storeId' | 'sensorId'> & { sensorId?: string })
  | (Omit<BleObservation, 'storeId' | 'sensorId'> & { sensorId?: string })
  | (Omit<CameraObservation, 'storeId' | 'sensorId'> & { sensorId?: string });

/**
 * Bounds every observation must respect; the ingest gate enforces them and drivers use them to
 * reject device messages early with the same rules.
 */
/** Radio RSSI range, dBm (802.11 and BLE report within it). */
export const MIN_RSSI_DBM = -127;
export const MAX_RSSI_DBM = 20;
/** Highest 802.11 channel number (6 GHz band). */
export const MAX_CHANNEL = 233;
/** 802.11 sequence numbers are 12 bits. */
export const MAX_SEQ = 4095;
/** Longest store, sensor, line and zone id. */
export const MAX_ID_LENGTH = 64;
/** Longest beacon id (`ibeacon:<36-char uuid>:<major>:<minor>` is ~60; room for other schemes). */
export const MAX_BEACON_ID_LENGTH = 256;
/** Longest camera track id or burst fingerprint (hashes and counters). */
export const MAX_TOKEN_LENGTH = 128;
/** A people counter never reports more than this per interval or zone; more is a broken device. */
export const MAX_COUNT = 100_000;

/** A radio signal level the platform accepts: a finite number of dBm within the bounds above. */
export function isValidRssi(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= MIN_RSSI_DBM &&
    value <= MAX_RSSI_DBM
  );
}
