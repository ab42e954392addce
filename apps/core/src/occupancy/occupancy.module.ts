import { Inject, Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Clock, Sighting } from '@aisle/sdk';
import { observe, type HandOff } from '../contracts/hand-off.js';
import { SIGHTINGS } from '../contracts/hand-off.module.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { APP_CONFIG, CLOCK } from '../platform/platform.tokens.js';
import { rolesOf, type AppConfig } from '../config/app-config.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { OccupancyController } from './occupancy.controller.js';
import { WifiOccupancyService } from './wifi-occupancy.service.js';

/**
 * Live Wi-Fi occupancy: the people estimate per store, formed in memory from the `SIGHTINGS`
 * hand-off (a sibling of localisation: it needs no positions).
 */
@Module({
  controllers: [OccupancyController],
  providers: [
    {
      provide: WifiOccupancyService,
      inject: [SIGHTINGS, CLOCK, StoreDirectory, HubMetrics],
      useFactory: (
        sightings: HandOff<Sighting>,
        clock: Clock,
        directory: StoreDirectory,
        metrics: HubMetrics,
      ) =>
        new WifiOccupancyService({
          sightings: observe(sightings),
          clock,
          modeFor: (storeId) => directory.tracking(storeId)?.mode,
          kFor: (storeId) => directory.minSubjects(storeId),
          registry: metrics.registry,
        }),
    },
  ],
  exports: [WifiOccupancyService],
})
export class OccupancyModule implements OnModuleInit, BeforeApplicationShutdown {
  /** In a chain only workers estimate occupancy (AISLE_ROLE), for the stores they own. */
  private readonly runs: boolean;

  constructor(
    @Inject(WifiOccupancyService) private readonly occupancy: WifiOccupancyService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.runs = rolesOf(config).worker;
  }

  onModuleInit(): void {
    if (this.runs) this.occupancy.start();
  }

  beforeApplicationShutdown(): void {
    if (this.runs) this.occupancy.stop();
  }
}
