import { definePolicy } from '@aisle/sdk';
import { __PASCAL__Config } from './config.js';
import { __PASCAL__Policy } from './policy.js';

export { __PASCAL__Config } from './config.js';

/** The plugin the hub imports (`entry` in aisle-plugin.json). */
export default definePolicy({
  configSchema: __PASCAL__Config,
  createPolicy: (ctx) => new __PASCAL__Policy(ctx),
});
