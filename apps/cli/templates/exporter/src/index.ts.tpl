import { defineExporter } from '@aisle/sdk';
import { __PASCAL__Config } from './config.js';
import { __PASCAL__Exporter } from './exporter.js';

export { __PASCAL__Config } from './config.js';

/** The plugin the hub imports (`entry` in aisle-plugin.json). */
export default defineExporter({
  configSchema: __PASCAL__Config,
  createExporter: () => new __PASCAL__Exporter(),
});
