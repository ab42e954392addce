import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { StoreConfigRepository } from '@aisle/persistence';
import { STORE_POLICY_VALIDATOR } from '../api/common/store-policy-validator.js';
import { LOGGER } from '../platform/platform.tokens.js';
import { StoreDirectory } from './store-directory.js';
import { POLICY_MODULES, type PolicyModuleHost } from '../plugins/policy-module-host.js';
import { storePolicyValidator } from './store-policy.validator.js';

/**
 * The store directory: the one reader of store configuration, read by every stage. Loads every
 * store before any stage starts. Global: every stage (and the configuration API that writes
 * stores) sees it.
 */
@Global()
@Module({
  providers: [
    {
      provide: StoreDirectory,
      inject: [DataSource, LOGGER],
      useFactory: (dataSource: DataSource, logger: Logger) =>
        new StoreDirectory({
          repository: new StoreConfigRepository(dataSource),
          logger: logger.child({ context: 'stores' }),
        }),
    },
    {
      // Selected policy modules are checked against the loaded plugins (PluginCatalogModule).
      provide: STORE_POLICY_VALIDATOR,
      inject: [POLICY_MODULES],
      useFactory: (policyModules: PolicyModuleHost) =>
        storePolicyValidator((domain, config) => policyModules.checkConfig(domain, config)),
    },
  ],
  exports: [StoreDirectory, STORE_POLICY_VALIDATOR],
})
export class StoresModule implements OnModuleInit {
  constructor(@Inject(StoreDirectory) private readonly directory: StoreDirectory) {}

  async onModuleInit(): Promise<void> {
    await this.directory.load();
  }
}
