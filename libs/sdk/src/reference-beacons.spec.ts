import { PluginConfigError } from './errors.js';
import { referenceBeaconMap } from './reference-beacons.js';

describe(referenceBeaconMap.name, () => {
  it('keys beacons by trimmed, lower-cased id with their positions', () => {
    const map = referenceBeaconMap([
      { beaconId: ' iBeacon:ABC:1:2 ', x: 1, y: 2, z: 3 },
      { beaconId: 'eddystone-uid:00ff', x: 4, y: 5, z: 2.5 },
    ]);
    expect([...map]).toEqual([
      ['ibeacon:abc:1:2', { x: 1, y: 2, z: 3 }],
      ['eddystone-uid:00ff', { x: 4, y: 5, z: 2.5 }],
    ]);
  });

  it('refuses a beacon listed twice, naming the entry', () => {
    const twice = () =>
      referenceBeaconMap([
        { beaconId: 'ibeacon:abc:1:2', x: 1, y: 2, z: 3 },
        { beaconId: 'IBEACON:ABC:1:2', x: 9, y: 9, z: 3 },
      ]);
    expect(twice).toThrow(PluginConfigError);
    expect(twice).toThrow(/referenceBeacons\[1\]\.beaconId: is listed twice/);
  });
});
