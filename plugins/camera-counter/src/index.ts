import { defineDriver } from '@aisle/sdk';
import { CameraCounterDriver } from './camera-counter.driver.js';
import { CameraCounterConfig } from './config.js';
import { frigateDecoder } from './frigate.decoder.js';

export { CameraCounterDriver, PUSH_PATH } from './camera-counter.driver.js';
export { CameraCounterConfig } from './config.js';
export { FrigateTracker } from './frigate.js';
export { IntervalLedger, LiveSumTracker, parseReport, parseTimestamp } from './line-counter.js';
export { frigateDecoder } from './frigate.decoder.js';

/** camera-counter: people counts from Frigate (MQTT) and Axis-style line counters (HTTP). */
export default defineDriver({
  configSchema: CameraCounterConfig,
  createDriver: () => new CameraCounterDriver(),
  decoders: { frigate: frigateDecoder },
});
