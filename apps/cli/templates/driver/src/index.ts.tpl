import { defineDriver } from '@aisle/sdk';
import { __PASCAL__Config } from './config.js';
import { __CAMEL__Decoder } from './decoder.js';
import { __PASCAL__Driver } from './driver.js';

export { __PASCAL__Config } from './config.js';

/** The plugin the hub imports (`entry` in aisle-plugin.json). */
export default defineDriver({
  configSchema: __PASCAL__Config,
  createDriver: () => new __PASCAL__Driver(),
  decoders: { '__DOMAIN__': __CAMEL__Decoder },
});
