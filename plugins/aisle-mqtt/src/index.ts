import { defineDriver } from '@aisle/sdk';
import { AisleMqttDriver } from './aisle-mqtt.driver.js';
import { AisleMqttConfig } from './config.js';

export { AisleMqttDriver } from './aisle-mqtt.driver.js';
export { AisleMqttConfig } from './config.js';
export { parseBatch, type ParsedBatch, type Rejection } from './payload.js';

/** aisle-mqtt: sensors that publish Aisle's native observation batches over MQTT. */
export default defineDriver({
  configSchema: AisleMqttConfig,
  createDriver: () => new AisleMqttDriver(),
});
