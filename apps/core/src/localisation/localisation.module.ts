import { Inject, Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SightingWriter } from '@aisle/persistence';
import type { Clock, PositionUpdate, Sighting } from '@aisle/sdk';
import { observe, type HandOff } from '../contracts/hand-off.js';
import { POSITIONS, SIGHTINGS } from '../contracts/hand-off.module.js';
import { IngestModule } from '../ingest/ingest.module.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { APP_CONFIG, CLOCK, LOGGER } from '../platform/platform.tokens.js';
import { rolesOf, type AppConfig } from '../config/app-config.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { LocalisationController } from './localisation.controller.js';
import { LocalisationService } from './localisation.service.js';
import { SENSITIVE_ZONES } from './localisation.tokens.js';
import { SensitiveZoneScrubber } from './sensitive-zone-scrubber.js';

/**
 * Stage 2, localisation: radio sightings (`SIGHTINGS`) → engine → positions (`POSITIONS`); a
 * position in a sensitive zone goes to the scrubber instead, which deletes the sightings behind
 * it. From ingest it uses the sightings hand-off, the plugin catalog (which domains are radio)
 * and the sighting writer (flushed before a scrub).
 */
@Module({
  imports: [IngestModule],
  controllers: [LocalisationController],
  providers: [
    {
      provide: SensitiveZoneScrubber,
      inject: [DataSource, SightingWriter, CLOCK, LOGGER, StoreDirectory, HubMetrics],
      useFactory: (
        dataSource: DataSource,
        writer: SightingWriter,
        clock: Clock,
        logger: Logger,
        directory: StoreDirectory,
        metrics: HubMetrics,
      ) =>
        new SensitiveZoneScrubber({
          dataSource,
          writer,
          clock,
          logger: logger.child({ context: 'sensitive-zones' }),
          directory,
          onScrubbed: (rows) => metrics.sensitiveScrubbed.inc(rows),
        }),
    },
    { provide: SENSITIVE_ZONES, useExisting: SensitiveZoneScrubber },
    {
      provide: LocalisationService,
      inject: [
        StoreDirectory,
        SIGHTINGS,
        POSITIONS,
        SensitiveZoneScrubber,
        CLOCK,
        LOGGER,
        PluginHost,
        HubMetrics,
      ],
      useFactory: (
        directory: StoreDirectory,
        sightings: HandOff<Sighting>,
        positions: HandOff<PositionUpdate>,
        sensitive: SensitiveZoneScrubber,
        clock: Clock,
        logger: Logger,
        host: PluginHost,
        metrics: HubMetrics,
      ) =>
        new LocalisationService({
          directory,
          sightings: observe(sightings),
          positions,
          sensitive,
          clock,
          logger: logger.child({ context: 'localisation' }),
          modeFor: (storeId) => directory.tracking(storeId)?.mode,
          isRadioDomain: (domain) =>
            host.get(domain)?.sensorKinds.some((k) => k === 'wifi' || k === 'ble') ?? false,
          registry: metrics.registry,
        }),
    },
  ],
  exports: [LocalisationService, SENSITIVE_ZONES],
})
export class LocalisationModule implements OnModuleInit, BeforeApplicationShutdown {
  /** In a chain only workers localise (AISLE_ROLE); the API of other processes reads nothing live. */
  private readonly runs: boolean;

  constructor(
    @Inject(LocalisationService) private readonly localisation: LocalisationService,
    @Inject(SensitiveZoneScrubber) private readonly scrubber: SensitiveZoneScrubber,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.runs = rolesOf(config).worker;
  }

  async onModuleInit(): Promise<void> {
    if (!this.runs) return;
    await this.scrubber.start();
    await this.localisation.start();
  }

  /** Localisation stops before the scrubber, whose last flush deletes behind the last positions. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.runs) return;
    await this.localisation.stop();
    await this.scrubber.stop();
  }
}
