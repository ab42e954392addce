import type { Point, SensorKind } from '@aisle/sdk';

/** A store's floor plan, zones and sensors: what the core seeds a store from, and what the simulator simulates. */
export interface StoreLayout {
  store: {
    id: string;
    name: string;
    /** IANA time zone. */
    timezone: string;
    /** Floor-plan size, metres (x from 0 to width, y from 0 to height). */
    width: number;
    height: number;
    /** Store policy document (tracking fields + `notice`), as the API and YAML take it. */
    policy?: Record<string, unknown>;
  };
  zones: ZoneLayout[];
  sensors: SensorLayout[];
}

export interface ZoneLayout {
  id: string;
  name: string;
  /** Vertices in the floor-plan frame, metres. */
  polygon: Point[];
  /** `entrance`, `checkout`, `sensitive`, `storefront`, `aisle`, … */
  tags: string[];
}

export interface SensorLayout {
  id: string;
  /** Plugin domain that drives the sensor. */
  domain: string;
  /** Position, metres (z above the floor). */
  x: number;
  y: number;
  z: number;
  kinds: SensorKind[];
  /** Plugin configuration of the sensor, as the API and YAML take it (default `{}`). */
  config?: Record<string, unknown>;
  calibration: {
    /** Expected RSSI of a typical phone's Wi-Fi at 1 m, dBm. */
    measuredPower: number;
    /** Log-distance path-loss exponent. */
    pathLossExponent: number;
  };
}

/** A store's BLE reference beacon at a known position (for calibrating localisation). */
export interface ReferenceBeaconLayout {
  /** As the sensors report it, e.g. `ibeacon:<uuid>:<major>:<minor>`. */
  beaconId: string;
  /** Position, metres (z above the floor). */
  x: number;
  y: number;
  z: number;
  /** The beacon's RSSI at 1 m, dBm (iBeacon's "measured power"). */
  measuredPower: number;
}
