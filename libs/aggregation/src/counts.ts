import type { CameraSighting } from '@aisle/sdk';
import type { CountRecord } from './visit.js';

/**
 * A camera sighting with line counts as a count fact, or undefined when it carries none. The key
 * (store, sensor, line, interval start) is the device's own: a re-sent report replaces, not adds.
 */
export function countFromSighting(sighting: CameraSighting): CountRecord | undefined {
  const entries = sighting.entries ?? 0;
  const exits = sighting.exits ?? 0;
  if (sighting.entries === undefined && sighting.exits === undefined) return undefined;
  if (!(Number.isInteger(entries) && entries >= 0 && Number.isInteger(exits) && exits >= 0)) {
    return undefined;
  }
  if (!Number.isFinite(sighting.at)) return undefined;
  return {
    storeId: sighting.storeId,
    sensorId: sighting.sensorId,
    lineId: sighting.lineId ?? sighting.zoneId ?? 'line',
    intervalStart: Number.isFinite(sighting.intervalStart)
      ? (sighting.intervalStart as number)
      : sighting.at,
    at: sighting.at,
    entries,
    exits,
  };
}
