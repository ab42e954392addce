import {
  AvailabilityWatchdog,
  PluginConfigError,
  referenceBeaconMap,
  PluginNotReadyError,
  redactMacs,
  subscribeAll,
  type BleAdvertisement,
  type BleScannerPort,
  type BleScannerStatus,
  type Driver,
  type DriverContext,
  type MqttPort,
  type SensorInfo,
  type Teardown,
} from '@aisle/sdk';
import { decodeAdvertisement, type Decoded } from './ble-observation.js';
import type { BleBeaconConfig } from './config.js';
import { parseEspresenseMessage, parseTheengsMessage } from './gateway-messages.js';

/**
 * One instance per BLE sensor: a BlueZ adapter on this host, one ESPresense node (room) or one
 * Theengs / OpenMQTTGateway gateway. Every advertisement is decoded (iBeacon, Eddystone,
 * AltBeacon); malformed input is rejected and counted, the rest emitted.
 */
export class BleBeaconDriver implements Driver<BleBeaconConfig> {
  private ctx: DriverContext<BleBeaconConfig> | undefined;
  private watchdog: AvailabilityWatchdog | undefined;
  private scanner: BleScannerPort | undefined;
  private unsubscribe: Teardown | undefined;
  private references = new Map<string, { x: number; y: number; z: number }>();
  private stopped = false;

  async setup(ctx: DriverContext<BleBeaconConfig>): Promise<void> {
    this.ctx = ctx;
    const config = ctx.config;
    this.references = referenceBeaconMap(config.referenceBeacons);
    this.watchdog = AvailabilityWatchdog.forDriver(ctx, {
      unavailableAfterSeconds: config.unavailableAfterSeconds,
      silence: 'no BLE advertisement',
    });
    switch (config.source) {
      case 'bluez':
        await this.startBluez(requirePort(ctx.ports.ble, 'ble', config.source));
        break;
      case 'espresense': {
        const room = fill(config.room, ctx.sensor, 'room');
        const prefix = fill(config.espresensePrefix, ctx.sensor, 'espresensePrefix');
        await this.subscribe(
          requirePort(ctx.ports.mqtt, 'mqtt', config.source),
          `${prefix}/devices/+/${room}`,
          (_topic, payload) => parseEspresenseMessage(payload, ctx.clock.now()),
        );
        break;
      }
      case 'theengs':
        await this.subscribe(
          requirePort(ctx.ports.mqtt, 'mqtt', config.source),
          fill(config.theengsTopic, ctx.sensor, 'theengsTopic'),
          (topic, payload) =>
            parseTheengsMessage(payload, ctx.clock.now(), topic.split('/').at(-1)),
        );
        break;
    }
    this.watchdog.start();
  }

  async teardown(): Promise<void> {
    this.stopped = true;
    this.watchdog?.stop();
    this.watchdog = undefined;
    const scanner = this.scanner;
    this.scanner = undefined;
    if (scanner) {
      try {
        await scanner.stop();
      } catch (error) {
        this.ctx?.logger.warn('stopping BLE discovery failed', {
          error: redactMacs((error as Error).message),
        });
      }
    }
    await this.unsubscribe?.();
  }

  private async startBluez(scanner: BleScannerPort): Promise<void> {
    const ctx = this.ctx as DriverContext<BleBeaconConfig>;
    try {
      await scanner.start({
        adapter: ctx.config.adapter,
        onAdvertisement: (ad) => this.onAdvertisement(ad),
        onStatus: (status) => this.onScannerStatus(status),
      });
    } catch (error) {
      if (error instanceof PluginNotReadyError || error instanceof PluginConfigError) throw error;
      throw new PluginNotReadyError(
        `BLE adapter ${ctx.config.adapter}: ${redactMacs((error as Error).message)}`,
      );
    }
    this.scanner = scanner;
    ctx.logger.debug('BLE discovery started', { adapter: ctx.config.adapter });
  }

  private async subscribe(
    mqtt: MqttPort,
    topic: string,
    parse: (topic: string, payload: Buffer) => Decoded,
  ): Promise<void> {
    const ctx = this.ctx as DriverContext<BleBeaconConfig>;
    this.unsubscribe = await subscribeAll(
      mqtt,
      [
        {
          topic,
          handler: (received, payload) => {
            if (this.live()) this.handle(parse(received, payload));
          },
        },
      ],
      { signal: ctx.signal, logger: ctx.logger },
    );
    ctx.logger.debug('subscribed', { topic });
  }

  private onAdvertisement(ad: BleAdvertisement): void {
    if (this.live()) this.handle(decodeAdvertisement(ad));
  }

  private handle(decoded: Decoded): void {
    const ctx = this.ctx as DriverContext<BleBeaconConfig>;
    for (const rejection of decoded.rejections) ctx.reject(rejection.reason, rejection.detail);
    const observation = decoded.observation;
    if (observation === null) return;
    const reference =
      observation.beaconId !== undefined ? this.references.get(observation.beaconId) : undefined;
    ctx.emit(reference ? { ...observation, reference } : observation);
    this.watchdog?.seen();
  }

  private onScannerStatus(status: BleScannerStatus): void {
    if (!this.live()) return;
    if (status.available) {
      // Discovery runs again: the next advertisement proves it (the watchdog reports available).
      this.ctx?.logger.info('BLE adapter back, discovery restarted');
      return;
    }
    this.watchdog?.unavailable(redactMacs(status.reason));
  }

  private live(): boolean {
    return this.ctx !== undefined && !this.stopped && !this.ctx.signal.aborted;
  }
}

function requirePort<T>(port: T | undefined, name: string, source: string): T {
  if (port === undefined) {
    throw new PluginConfigError(
      `ble-beacon with source ${source} needs the ${name} port: its manifest declares it, so the hub must provide it`,
    );
  }
  return port;
}

/** Fills `{store}` and `{sensor}`; an id that would add a wildcard is refused. */
function fill(template: string, sensor: SensorInfo, field: string): string {
  const value = template.replaceAll('{store}', sensor.storeId).replaceAll('{sensor}', sensor.id);
  const withoutLastPlus = field === 'theengsTopic' ? value.replace(/\/\+$/, '') : value;
  if (
    /[+#]/.test(withoutLastPlus) ||
    value.includes('\u0000') ||
    (field === 'room' && value.includes('/'))
  ) {
    throw new PluginConfigError('invalid configuration', [
      {
        field,
        value,
        message: `the store or sensor id makes ${field} hold an MQTT wildcard or separator; ids must not contain +, #, / or NUL`,
      },
    ]);
  }
  return value;
}
