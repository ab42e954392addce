import { defineDriver } from '@aisle/sdk';
import { WifiSnifferConfig } from './config.js';
import { decoders } from './decoders.js';
import { WifiSnifferDriver } from './wifi-sniffer.driver.js';

export * from './capture/frame-observation.js';
export * from './decode/frame-error.js';
export * from './decode/probe-request.js';
export * from './decode/radiotap.js';
export * from './esp32/esp32-batch.js';
export * from './meraki/meraki-scanning.js';
export { WifiSnifferConfig } from './config.js';
export { decoders } from './decoders.js';
export { WifiSnifferDriver } from './wifi-sniffer.driver.js';

/** wifi-sniffer: probe requests from monitor-mode capture, capture files, ESP32 sniffers and Meraki. */
export default defineDriver({
  configSchema: WifiSnifferConfig,
  createDriver: () => new WifiSnifferDriver(),
  decoders,
});
