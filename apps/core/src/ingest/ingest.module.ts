import {
  Inject,
  Module,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BluezScanner, CaptureFileFrameSource, type MqttClientPort } from '@aisle/hardware';
import { IngestGate, PseudonymKeyring } from '@aisle/ingest';
import {
  DbKeyStore,
  MessageReceiptStore,
  SightingWriter,
  SightingsDroppedError,
} from '@aisle/persistence';
import { join, resolve } from 'node:path';
import { INGEST_STATUS, type IngestStatus } from '../health/ingest-status.js';
import { builtInPolicies } from '@aisle/policy';
import type { Clock, Ports, Sighting } from '@aisle/sdk';
import type { HandOff } from '../contracts/hand-off.js';
import { SIGHTINGS } from '../contracts/hand-off.module.js';
import { SightingPublisher } from '../bus/chain.js';
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
import { PolicyModuleHost } from '../plugins/policy-module-host.js';
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
      inject: [DataSource, HubMetrics, LOGGER, APP_CONFIG],
      useFactory: async (
        dataSource: DataSource,
        metrics: HubMetrics,
        logger: Logger,
        config: AppConfig,
      ) => {
        const writer = new SightingWriter(dataSource, {
          onError: (error) => {
            if (error instanceof SightingsDroppedError) {
              metrics.sightingsDropped.labels(error.reason).inc(error.count);
              logger.error(`sightings dropped: ${error.message}`);
              return;
            }
            metrics.sightingWriteErrors.inc();
            logger.error(`writing sightings failed (will retry): ${error.message}`);
          },
          onWritten: (count: number) => metrics.sightingsWritten.inc(count),
          // While the database is down: a local append-only file, replayed in order (README).
          spill: {
            path: join(
              resolve(config.AISLE_SPILL_DIR ?? join(config.AISLE_DATA_DIR, 'spill')),
              `sightings${config.AISLE_INSTANCE ? `-${config.AISLE_INSTANCE}` : ''}.jsonl`,
            ),
            maxBytes: config.AISLE_SPILL_MAX_MB * 1024 * 1024,
            afterMs: config.AISLE_SPILL_AFTER_MS,
          },
        });
        await writer.open();
        if (writer.isSpilling) {
          logger.warn(
            `replaying ${writer.status().spilledRows} sightings left in the spill file by the last run`,
          );
        }
        return writer;
      },
    },
    {
      provide: INGEST_STATUS,
      inject: [SightingWriter, MQTT],
      useFactory:
        (writer: SightingWriter, mqtt: MqttClientPort): IngestStatus =>
        () => ({
          ...writer.status(),
          unacknowledged: mqtt.acknowledgements.pending,
          redeliveriesAlreadyStored: mqtt.acknowledgements.committedSkipped,
          inputHeld: mqtt.inputHeld,
          heldMessages: writer.held,
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
      // Built-in policy modules (always on) and the policy plugins each store selects.
      provide: PolicyModuleHost,
      inject: [OptOutService, LOGGER, CLOCK, HubMetrics],
      useFactory: (optOut: OptOutService, logger: Logger, clock: Clock, metrics: HubMetrics) =>
        new PolicyModuleHost({
          builtIns: builtInPolicies({
            optOut: optOut.list,
            storeDeviceList: (storeId) => optOut.storeDeviceList(storeId),
          }),
          logger: logger.child({ context: 'policy-modules' }),
          clock,
          metrics,
        }),
    },
    {
      provide: IngestRuntime,
      inject: [StoreDirectory, PseudonymKeyring, CLOCK, PolicyModuleHost],
      useFactory: (
        directory: StoreDirectory,
        keyring: PseudonymKeyring,
        clock: Clock,
        policyModules: PolicyModuleHost,
      ) => new IngestRuntime({ directory, keyring, clock, policyModules }),
    },
    {
      provide: IngestGate,
      inject: [PseudonymKeyring, StoreDirectory, PolicyModuleHost, HubMetrics, CLOCK],
      useFactory: (
        keyring: PseudonymKeyring,
        directory: StoreDirectory,
        policyModules: PolicyModuleHost,
        metrics: HubMetrics,
        clock: Clock,
      ) => {
        return new IngestGate({
          keyring,
          policyFor: (storeId: string) => directory.tracking(storeId),
          // Built-ins first (opt-out, fixed devices, tracking hours), then the store's plugins.
          modulesFor: (storeId: string) => policyModules.gateModules(storeId),
          clock,
          metrics: {
            accepted: (storeId, kind) => metrics.countObservation(storeId, kind),
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
          sink: (observation, storeId, sensorId) => pipeline.ingest(observation, storeId, sensorId),
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
    INGEST_STATUS,
    PluginHost,
    PseudonymKeyring,
    SightingWriter,
    IngestRuntime,
    IngestPipeline,
    OptOutService,
    PolicyModuleHost,
  ],
})
export class IngestModule
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private unsubscribe: (() => void) | undefined;
  private unsubscribeEvents: (() => void) | undefined;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    @Inject(PluginHost) private readonly host: PluginHost,
    @Inject(IngestRuntime) private readonly runtime: IngestRuntime,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(SightingWriter) private readonly writer: SightingWriter,
    @Inject(PLUGIN_OPTIONS) private readonly options: PluginOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MQTT) private readonly mqtt: MqttClientPort,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(HubMetrics) private readonly metrics: HubMetrics,
    @Inject(INGEST_STATUS) private readonly status: IngestStatus,
    @Inject(PolicyModuleHost) private readonly policyModules: PolicyModuleHost,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Optional()
    @Inject(SightingPublisher)
    private readonly busPublisher: SightingPublisher | null,
  ) {
    policyModules.usePlugins((domain) => host.policyPlugin(domain));
  }

  /** Plugins are discovered and loaded before any stage starts (the API validates against them). */
  async onModuleInit(): Promise<void> {
    // Acknowledge after commit: a QoS 1 message's PUBACK waits until the rows its handlers
    // enqueued are stored (database or spill file) or knowingly dropped (counted). Its receipt is
    // committed with its rows, so a redelivery after a crash (committed, PUBACK not sent) is
    // recognised and only acknowledged: exactly once (README, Operations).
    const receipts = new MessageReceiptStore(this.dataSource);
    this.mqtt.acknowledgeWhen(
      (unacknowledged, receipt) => {
        // The broker's window is full: write now rather than at the end of the flush interval.
        if (unacknowledged >= this.config.MQTT_RECEIVE_MAXIMUM) {
          this.writer.writeNow();
        }
        const stored = this.writer.stored(receipt);
        // In a chain (ingest role), also once JetStream confirmed the message's sightings (PubAck).
        if (!this.busPublisher) return stored;
        return Promise.all([stored, this.busPublisher.confirmed()]).then(() => undefined);
      },
      (redelivered) => receipts.committed(redelivered),
    );
    // Back-pressure: while the writer is full (a slow database, or a spill file replaying) the
    // client stops reading and the broker queues (README, Operations).
    this.mqtt.holdInputWhile(() => this.writer.pressure());
    // Sessions the broker has long expired cannot redeliver: their receipts go.
    receipts.prune(2 * this.config.MQTT_SESSION_EXPIRY_S).catch((error: unknown) => {
      this.logger.warn(`pruning message receipts failed: ${(error as Error).message}`);
    });
    this.metrics.watchIngest(this.status);
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
    // Policy modules see the events of their stores (frozen copies, time-boxed, never awaited).
    this.unsubscribeEvents = this.events.subscribe(
      (event) => this.policyModules.dispatch(event),
      (error) => this.logger.error(`policy modules: ${(error as Error).message}`),
    );
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
    this.unsubscribeEvents?.();
    await this.applying.catch(() => undefined);
    await this.host.stopAll();
    await this.policyModules.stop();
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
