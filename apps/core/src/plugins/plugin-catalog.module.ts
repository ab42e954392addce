import { Global, Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module.js';
import { PLUGIN_CATALOG } from './plugin-catalog.js';
import { PluginHost } from './plugin-host.js';

/**
 * The loaded plugins as a read-only {@link PluginCatalog} for everyone (sensor config validation
 * in the configuration API, sensor kinds in the public notice) without importing ingest.
 */
@Global()
@Module({
  imports: [IngestModule],
  providers: [{ provide: PLUGIN_CATALOG, useExisting: PluginHost }],
  exports: [PLUGIN_CATALOG],
})
export class PluginCatalogModule {}
