import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Clock } from '@aisle/sdk';
import { AggregationModule } from '../aggregation/aggregation.module.js';
import { AggregationService } from '../aggregation/aggregation.service.js';
import type { AppConfig } from '../config/app-config.js';
import { IngestModule } from '../ingest/ingest.module.js';
import { APP_CONFIG, BROKER_URL, CLOCK } from '../platform/platform.tokens.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { HubFigures } from './hub-figures.js';

/**
 * Last stage, exporters: the `exporter` plugins named in AISLE_EXPORTERS read the bus and the
 * aggregate figures (store directory, rollups, live occupancy, sensor availability; suppressed at
 * each store's k) and write them somewhere. The plugins themselves are loaded by the ingest
 * stage's plugin host; this module starts and stops the exporters. Wiring only.
 */
@Module({ imports: [IngestModule, AggregationModule] })
export class ExportersModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(PluginHost) private readonly host: PluginHost,
    @Inject(AggregationService) private readonly aggregation: AggregationService,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BROKER_URL) private readonly brokerUrl: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.AISLE_EXPORTERS) return;
    const figures = new HubFigures({
      directory: this.directory,
      clock: this.clock,
      rollups: this.aggregation.rollups,
      liveOccupancy: (storeId) => this.aggregation.liveOccupancy(storeId),
      sensorAvailability: (storeId) =>
        this.host
          .driverStates(storeId)
          .map((s) => ({ sensorId: s.sensorId, available: s.available })),
    });
    await this.host.startExporters(
      JSON.parse(this.config.AISLE_EXPORTERS) as Record<string, unknown>,
      { figures, brokerUrl: this.brokerUrl },
    );
  }

  /** Exporters stop before the stages they read from. */
  async onModuleDestroy(): Promise<void> {
    await this.host.stopExporters();
  }
}
