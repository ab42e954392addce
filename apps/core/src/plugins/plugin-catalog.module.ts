import { Global, Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module.js';
import { PLUGIN_CATALOG } from './plugin-catalog.js';
import { PluginHost } from './plugin-host.js';
import { POLICY_MODULES, PolicyModuleHost } from './policy-module-host.js';

/**
 * The loaded plugins as a read-only {@link PluginCatalog} for everyone (sensor config validation
 * in the configuration API, sensor kinds in the public notice) without importing ingest, and the
 * `PolicyModuleHost` (as `POLICY_MODULES`) that localisation, webhooks and policy ask for their stores' verdicts.
 */
@Global()
@Module({
  imports: [IngestModule],
  providers: [
    { provide: PLUGIN_CATALOG, useExisting: PluginHost },
    { provide: POLICY_MODULES, useExisting: PolicyModuleHost },
  ],
  exports: [PLUGIN_CATALOG, POLICY_MODULES],
})
export class PluginCatalogModule {}
