import { defineDriver } from '@aisle/sdk';
import { BleBeaconDriver } from './ble-beacon.driver.js';
import { BleBeaconConfig } from './config.js';
import { espresenseDecoder, theengsDecoder } from './file-decoders.js';

export { BleBeaconDriver } from './ble-beacon.driver.js';
export { BleBeaconConfig, ReferenceBeacon } from './config.js';
export * from './beacon-frames.js';
export { decodeAdvertisement, type Decoded, type Rejection } from './ble-observation.js';
export { parseEspresenseMessage, parseTheengsMessage } from './gateway-messages.js';

/** ble-beacon: BLE advertisements from BlueZ, ESPresense nodes and Theengs / OpenMQTTGateway. */
export default defineDriver({
  configSchema: BleBeaconConfig,
  createDriver: () => new BleBeaconDriver(),
  decoders: { espresense: espresenseDecoder, theengs: theengsDecoder },
});
