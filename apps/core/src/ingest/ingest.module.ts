import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BluezScanner, CaptureFileFrameSource, type MqttClientPort } from '@aisle/hardware';
import { IngestGate, PseudonymKeyring } from '@aisle/ingest';
import { DbKeyStore, SightingWriter } from '@aisle/persistence';
import { optOutModule } from '@aisle/policy';
import type { Clock, Ports, Sighting } from '@aisle/sdk';
import type { HandOff } from '../contracts/hand-off.js';
import { SIGHTINGS } from '../contracts/hand-off.module.js';
import { EventBus } from '../events/event-bus.js';
import { FixedDevicesController } from './fixed-devices/fixed-devices.controller.js';
import { FixedDevicesService } from './fixed-devices/fixed-devices.service.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { OptOutController } from './opt-out/opt-out.controller.js';
import { OptOutService } from './opt-out/opt-out.service.js';
import {
  APP_CONFIG,
  CLOCK,
  LOGGER,
  MQTT,
  PLUGIN_OPTIONS,
  type PluginOptions,
} from '../platform/platform.tokens.js';
import { rolesOf, type AppConfig } from '../config/app-config.js';
import { discoverPlugins } from '../plugins/plugin-discovery.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { PluginsController } from '../plugins/plugins.controller.js';
import { scopedMqttPort } from '../ports/scoped-mqtt.port.js';
import { PushController } from '../push/push.controller.js';
import { PushRegistry } from '../push/push-registry.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { IngestPipeline } from './ingest-pipeline.js';
import { IngestRuntime, sensorRecords } from './ingest-runtime.js';

/**
 * Stage 1, ingest: plugin host (drivers) → sink → gate (policy, opt-out, fixed devices,
 * pseudonyms) → sighting writer, and every accepted sighting onto the `SIGHTINGS` hand-off.
 * Wiring only; the logic is in the classes it provides.
 */
@Module({
  controllers: [PluginsController, PushController, OptOutController, FixedDevicesController],
  providers: [
    PushRegistry,
    {
      provide: PseudonymKeyring,
      inject: [DataSource, CLOCK, LOGGER],
      useFactory: (dataSource: DataSource, clock: Clock, logger: Logger) =>
        new PseudonymKeyring({
          store: new DbKeyStore(dataSource),
          clock,
          onError: (error: unknown, where: { storeId: string; period: number }) =>
            logger.error(
              { store: where.storeId },
              `saving a pseudonym key failed: ${(error as Error).message}`,
            ),
        }),
    },
    {
      provide: SightingWriter,
      inject: [DataSource, HubMetrics, LOGGER],
      useFactory: (dataSource: DataSource, metrics: HubMetrics, logger: Logger) =>
        new SightingWriter(dataSource, {
          onError: (error: unknown) => {
            metrics.sightingWriteErrors.inc();
            logger.error(`writing sightings failed (will retry): ${(error as Error).message}`);
          },
          onWritten: (count: number) => metrics.sightingsWritten.inc(count),
        }),
    },
    {
      provide: OptOutService,
      inject: [DataSource, PseudonymKeyring, SightingWriter, StoreDirectory, CLOCK, LOGGER],
      useFactory: (
        dataSource: DataSource,
        keyring: PseudonymKeyring,
        writer: SightingWriter,
        directory: StoreDirectory,
        clock: Clock,
        logger: Logger,
      ) => OptOutService.open({ dataSource, keyring, writer, directory, clock, logger }),
    },
    {
      provide: FixedDevicesService,
      inject: [DataSource, OptOutService, StoreDirectory],
      useFactory: (dataSource: DataSource, optOut: OptOutService, directory: StoreDirectory) =>
        new FixedDevicesService({ dataSource, optOut, directory }),
    },
    {
      provide: IngestRuntime,
      inject: [StoreDirectory, PseudonymKeyring, CLOCK, OptOutService],
      useFactory: (
        directory: StoreDirectory,
        keyring: PseudonymKeyring,
        clock: Clock,
        optOut: OptOutService,
      ) =>
        new IngestRuntime({
          directory,
          keyring,
          clock,
          storeDeviceList: (storeId) => optOut.storeDeviceList(storeId),
        }),
    },
    {
      provide: IngestGate,
      inject: [PseudonymKeyring, StoreDirectory, IngestRuntime, OptOutService, HubMetrics, CLOCK],
      useFactory: (
        keyring: PseudonymKeyring,
        directory: StoreDirectory,
        runtime: IngestRuntime,
        optOut: OptOutService,
        metrics: HubMetrics,
        clock: Clock,
      ) => {
        // Built-in policy modules every store gets; opted-out devices are dropped before
        // pseudonymisation.
        const builtIn = [optOutModule(optOut.list)];
        return new IngestGate({
          keyring,
          policyFor: (storeId: string) => directory.tracking(storeId),
          modulesFor: (storeId: string) => [...builtIn, ...runtime.modulesFor(storeId)],
          clock,
          metrics: {
            accepted: (storeId, kind) => metrics.observations.labels(storeId, kind).inc(),
            dropped: (reason) => metrics.dropped.labels(reason).inc(),
          },
        });
      },
    },
    {
      provide: IngestPipeline,
      inject: [IngestGate, SightingWriter, SIGHTINGS],
      useFactory: (gate: IngestGate, writer: SightingWriter, sightings: HandOff<Sighting>) =>
        new IngestPipeline({ gate, writer, sightings }),
    },
    {
      provide: PluginHost,
      inject: [
        LOGGER,
        CLOCK,
        HubMetrics,
        EventBus,
        IngestPipeline,
        MQTT,
        PushRegistry,
        PLUGIN_OPTIONS,
      ],
      useFactory: (
        logger: Logger,
        clock: Clock,
        metrics: HubMetrics,
        events: EventBus,
        pipeline: IngestPipeline,
        mqtt: MqttClientPort,
        push: PushRegistry,
        options: PluginOptions,
      ) => {
        const frameSource = new CaptureFileFrameSource();
        return new PluginHost({
          logger,
          clock,
          metrics,
          events,
          sink: (observation) => pipeline.ingest(observation),
          preferSource: options.preferSource,
          ports: (manifest, sensor) => {
            const ports: Ports = {};
            const cleanup: (() => Promise<void> | void)[] = [];
            if (manifest.ports.includes('mqtt')) {
              const scoped = scopedMqttPort(mqtt);
              ports.mqtt = scoped.port;
              cleanup.push(scoped.cleanup);
            }
            if (manifest.ports.includes('frames')) ports.frames = frameSource;
            if (manifest.ports.includes('ble')) {
              // One scanner per sensor; it opens D-Bus only when a driver starts it.
              const scanner = new BluezScanner();
              ports.ble = scanner;
              cleanup.push(() => scanner.stop());
            }
            if (manifest.ports.includes('http')) {
              const scoped = push.portFor(manifest.domain, sensor.storeId, sensor.id);
              ports.http = scoped.port;
              cleanup.push(scoped.cleanup);
            }
            return {
              ports,
              cleanup: async () => {
                for (const step of cleanup) await step();
              },
            };
          },
        });
      },
    },
  ],
  exports: [
    PluginHost,
    PseudonymKeyring,
    SightingWriter,
    IngestRuntime,
    IngestPipeline,
    OptOutService,
  ],
})
export class IngestModule
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private unsubscribe: (() => void) | undefined;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    @Inject(PluginHost) private readonly host: PluginHost,
    @Inject(IngestRuntime) private readonly runtime: IngestRuntime,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(SightingWriter) private readonly writer: SightingWriter,
    @Inject(PLUGIN_OPTIONS) private readonly options: PluginOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Plugins are discovered and loaded before any stage starts (the API validates against them). */
  async onModuleInit(): Promise<void> {
    await this.host.load(
      await discoverPlugins({
        pluginDirs: this.options.pluginDirs,
        nodeModules: this.options.nodeModules,
        warn: (text) => this.logger.warn(text),
      }),
    );
  }

  /** Gate modules and keys from the snapshots, then one driver per enabled sensor. */
  async onApplicationBootstrap(): Promise<void> {
    await this.apply();
    this.unsubscribe = this.directory.onChanged(() =>
      this.apply().catch((error: unknown) =>
        this.logger.error(`applying store configuration failed: ${(error as Error).message}`),
      ),
    );
  }

  /**
   * Drivers stop first (`onModuleDestroy` runs before every stage's `beforeApplicationShutdown`):
   * nothing new enters the pipeline while the later stages flush.
   */
  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.applying.catch(() => undefined);
    await this.host.stopAll();
  }

  /** After the later stages' last flushes (the scrubber flushes the writer before deleting). */
  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }

  private apply(): Promise<void> {
    this.applying = this.applying
      .catch(() => undefined)
      .then(async () => {
        await this.runtime.apply();
        // Drivers run where AISLE_ROLE has `ingest` (every process in one; ingest nodes in a chain).
        if (rolesOf(this.config).ingest) {
          await this.host.syncSensors(sensorRecords(this.directory));
        }
      });
    return this.applying;
  }
}
