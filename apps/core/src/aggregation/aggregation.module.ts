import { Inject, Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { Clock, PositionUpdate, Sighting } from '@aisle/sdk';
import { observe, type HandOff } from '../contracts/hand-off.js';
import { POSITIONS, SIGHTINGS } from '../contracts/hand-off.module.js';
import { EventBus } from '../events/event-bus.js';
import { EVENT_LOG, type TransactionalEventLog } from '../events/events.tokens.js';
import { LocalisationModule } from '../localisation/localisation.module.js';
import { SENSITIVE_ZONES, type SensitiveZones } from '../localisation/localisation.tokens.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { APP_CONFIG, CLOCK, LOGGER } from '../platform/platform.tokens.js';
import { rolesOf, type AppConfig } from '../config/app-config.js';
import { STORE_OWNER, type StoreOwner } from '../contracts/store-owner.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { AggregationController } from './aggregation.controller.js';
import { AggregationService } from './aggregation.service.js';

/**
 * Stage 3, aggregation: positions (`POSITIONS`) and camera counts (`SIGHTINGS`) → visits, zone
 * stays, counts and rollups in the database → domain events (`visit.*`, `zone.*`,
 * `occupancy.changed`, `aggregate.hourly`) on the bus. From localisation it uses the positions
 * hand-off and `SENSITIVE_ZONES` (drops any position in one).
 */
@Module({
  imports: [LocalisationModule],
  controllers: [AggregationController],
  providers: [
    {
      provide: AggregationService,
      inject: [
        DataSource,
        StoreDirectory,
        POSITIONS,
        SIGHTINGS,
        EventBus,
        EVENT_LOG,
        CLOCK,
        LOGGER,
        SENSITIVE_ZONES,
        HubMetrics,
        APP_CONFIG,
        { token: STORE_OWNER, optional: true },
      ],
      useFactory: (
        dataSource: DataSource,
        directory: StoreDirectory,
        positions: HandOff<PositionUpdate>,
        sightings: HandOff<Sighting>,
        events: EventBus,
        outbox: TransactionalEventLog,
        clock: Clock,
        logger: Logger,
        sensitive: SensitiveZones,
        metrics: HubMetrics,
        config: AppConfig,
        owner: StoreOwner | undefined,
      ) =>
        new AggregationService({
          dataSource,
          directory,
          positions: observe(positions),
          sightings: observe(sightings),
          events,
          outbox,
          clock,
          logger: logger.child({ context: 'aggregation' }),
          policyFor: (storeId) => directory.policy(storeId),
          sensitiveZoneOf: (position) => sensitive.zoneOf(position),
          registry: metrics.registry,
          sessioniser: { startGraceMs: config.AISLE_START_GRACE_SECONDS * 1000 },
          // Open visits outlive a restart (SIGTERM) instead of each ending with it; not in a chain,
          // where the store may belong to another worker by the time this one starts again.
          ...(config.AISLE_RESUME_VISITS && !rolesOf(config).distributed
            ? {
                sessionsFile: join(
                  resolve(config.AISLE_DATA_DIR),
                  `aggregation-sessions${config.AISLE_INSTANCE ? `-${config.AISLE_INSTANCE}` : ''}.json`,
                ),
              }
            : {}),
          ...(owner ? { owns: (storeId: string) => owner.owns(storeId) } : {}),
        }),
    },
  ],
  exports: [AggregationService],
})
export class AggregationModule implements OnModuleInit, BeforeApplicationShutdown {
  /** In a chain only workers aggregate (AISLE_ROLE), and only the stores they own. */
  private readonly runs: boolean;

  constructor(
    @Inject(AggregationService) private readonly aggregation: AggregationService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.runs = rolesOf(config).worker;
  }

  async onModuleInit(): Promise<void> {
    if (this.runs) await this.aggregation.start();
  }

  /** Writes what it holds (open visits closed, last rollups) before the app goes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.runs) return;
    try {
      await this.aggregation.stop();
    } catch (error) {
      this.logger.error(`aggregation: final flush failed: ${(error as Error).message}`);
    }
  }
}
