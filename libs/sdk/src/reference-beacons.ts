import { IsNumber, IsString, Length } from 'class-validator';
import { PluginConfigError } from './errors.js';

/**
 * One of a store's reference beacons at a known position, as a driver's configuration lists it:
 * observations of this beacon id are marked `reference` (they calibrate localisation and are never
 * stored or counted as shoppers).
 */
export class ReferenceBeacon {
  /** The beacon id as the driver writes it (`ibeacon:<uuid>:<major>:<minor>`, `eddystone-uid:…`); case-insensitive. */
  @IsString()
  @Length(1, 256)
  beaconId = '';

  /** Position in the store's floor-plan frame, metres. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  x = 0;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  y = 0;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  z = 0;
}

export interface ReferencePosition {
  x: number;
  y: number;
  z: number;
}

/**
 * Reference beacons by lower-cased id (as the gate keys beacon ids). One listed twice is a
 * configuration error naming `referenceBeacons[i].beaconId`.
 */
export function referenceBeaconMap(
  beacons: readonly ReferenceBeacon[],
): Map<string, ReferencePosition> {
  const map = new Map<string, ReferencePosition>();
  beacons.forEach((beacon, index) => {
    const id = beacon.beaconId.trim().toLowerCase();
    if (map.has(id)) {
      throw new PluginConfigError('invalid configuration', [
        {
          field: `referenceBeacons[${index}].beaconId`,
          value: `entry ${index}`,
          message: 'is listed twice',
        },
      ]);
    }
    map.set(id, { x: beacon.x, y: beacon.y, z: beacon.z });
  });
  return map;
}
