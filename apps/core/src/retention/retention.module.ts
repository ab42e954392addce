import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PseudonymKeyring } from '@aisle/ingest';
import type { Clock } from '@aisle/sdk';
import { IngestModule } from '../ingest/ingest.module.js';
import { IngestRuntime, KEY_MAINTENANCE_INTERVAL_MS } from '../ingest/ingest-runtime.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { CLOCK, LOGGER } from '../platform/platform.tokens.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { RetentionService } from './retention.service.js';

/** Runs the maintenance at start and then every minute (@nestjs/schedule). */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap {
  constructor(
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.retention.maintain();
  }

  @Interval('retention', KEY_MAINTENANCE_INTERVAL_MS)
  async run(): Promise<void> {
    try {
      await this.retention.maintain();
    } catch (error) {
      this.logger.error(`maintenance (keys, retention) failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Retention: pseudonym key rotation (keys destroyed at the end of their period) and the purge of
 * data past each store's retention. Uses ingest's keyring; reads retention from the directory.
 */
@Module({
  imports: [IngestModule],
  providers: [
    {
      provide: RetentionService,
      inject: [
        DataSource,
        StoreDirectory,
        PseudonymKeyring,
        IngestRuntime,
        CLOCK,
        LOGGER,
        HubMetrics,
      ],
      useFactory: (
        dataSource: DataSource,
        directory: StoreDirectory,
        keyring: PseudonymKeyring,
        runtime: IngestRuntime,
        clock: Clock,
        logger: Logger,
        metrics: HubMetrics,
      ) =>
        new RetentionService({
          dataSource,
          directory,
          keyring,
          prepareKeys: (now) => runtime.prepareKeys(now),
          clock,
          logger,
          onPurged: (count) => metrics.purged.inc(count),
        }),
    },
    RetentionJob,
  ],
  exports: [RetentionService],
})
export class RetentionModule {}
