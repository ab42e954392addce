import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { AggregationModule } from './aggregation/aggregation.module.js';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ConsoleModule } from './console/console.module.js';
import { HandOffModule } from './contracts/hand-off.module.js';
import type { HandOffTransport } from './contracts/hand-off.js';
import { EventsModule } from './events/events.module.js';
import { ExportersModule } from './exporters/exporters.module.js';
import { HealthController } from './health/health.controller.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LocalisationModule } from './localisation/localisation.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { OccupancyModule } from './occupancy/occupancy.module.js';
import { PlatformModule } from './platform/platform.module.js';
import type { Platform } from './platform/platform.tokens.js';
import { PluginCatalogModule } from './plugins/plugin-catalog.module.js';
import { PolicyModule } from './policy/policy.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { StoresModule } from './stores/stores.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/**
 * The hub: one module per stage of the data flow, wired here and nowhere else.
 *
 * ```
 * drivers → IngestModule ─SIGHTINGS→ LocalisationModule ─POSITIONS→ AggregationModule ─events→ WebhooksModule
 *                        └─SIGHTINGS→ OccupancyModule                                        └→ PolicyModule
 * StoresModule (store directory, `store.changed`) is read by every stage; RetentionModule purges;
 * ExportersModule runs the exporter plugins on the bus and the aggregate figures.
 * ```
 */
@Module({})
export class AppModule {
  static forRoot(
    platform: Platform,
    options: { transport?: HandOffTransport; chain?: DynamicModule } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(platform),
        HandOffModule.forRoot(options.transport ? { transport: options.transport } : {}),
        // A chain process (AISLE_ROLE not `all`): store ownership and the bus's message handler.
        ...(options.chain ? [options.chain] : []),
        ScheduleModule.forRoot(),
        TerminusModule,
        StoresModule,
        EventsModule,
        WebhooksModule,
        PluginCatalogModule,
        AuthModule,
        ApiModule,
        IngestModule,
        LocalisationModule,
        AggregationModule,
        OccupancyModule,
        PolicyModule,
        RetentionModule,
        ExportersModule,
        ConsoleModule,
      ],
      controllers: [HealthController, MetricsController],
    };
  }
}
