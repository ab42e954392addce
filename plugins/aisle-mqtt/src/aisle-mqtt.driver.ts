import {
  AvailabilityWatchdog,
  PluginConfigError,
  referenceBeaconMap,
  subscribeAll,
  type Driver,
  type DriverContext,
  type SensorInfo,
  type Teardown,
  type TopicSubscription,
} from '@aisle/sdk';
import type { AisleMqttConfig } from './config.js';
import { parseBatch } from './payload.js';

/** Status payloads (Home Assistant's availability convention; `offline` is the sensor's LWT). */
const ONLINE = 'online';
const OFFLINE = 'offline';

/**
 * Driver for sensors that speak Aisle's native MQTT format: one instance per sensor, subscribed
 * to that sensor's observation topic (and status topic). Every batch is validated by hand; bad
 * observations are rejected one by one, the good ones of the same batch are emitted.
 */
export class AisleMqttDriver implements Driver<AisleMqttConfig> {
  private ctx: DriverContext<AisleMqttConfig> | undefined;
  private watchdog: AvailabilityWatchdog | undefined;
  private unsubscribe: Teardown | undefined;
  private references = new Map<string, { x: number; y: number; z: number }>();

  async setup(ctx: DriverContext<AisleMqttConfig>): Promise<void> {
    this.ctx = ctx;
    this.references = referenceBeaconMap(ctx.config.referenceBeacons);
    const mqtt = ctx.ports.mqtt;
    if (!mqtt) {
      throw new PluginConfigError(
        'aisle-mqtt needs the mqtt port: its manifest declares "ports": ["mqtt"], so the hub must provide a broker connection',
      );
    }
    const topic = resolveTopic({ template: ctx.config.topic, sensor: ctx.sensor, field: 'topic' });
    const statusTopic = ctx.config.statusTopic
      ? resolveTopic({ template: ctx.config.statusTopic, sensor: ctx.sensor, field: 'statusTopic' })
      : undefined;
    this.watchdog = AvailabilityWatchdog.forDriver(ctx, {
      unavailableAfterSeconds: ctx.config.unavailableAfterSeconds,
      silence: 'no batch from the sensor',
    });
    this.watchdog.start();
    const subscriptions: TopicSubscription[] = [
      { topic, handler: (_topic, payload) => this.onBatch(payload) },
    ];
    if (statusTopic !== undefined) {
      subscriptions.push({
        topic: statusTopic,
        handler: (_topic, payload) => this.onStatus(payload),
      });
    }
    this.unsubscribe = await subscribeAll(mqtt, subscriptions, {
      signal: ctx.signal,
      logger: ctx.logger,
    });
    ctx.logger.debug('subscribed', { topic, ...(statusTopic ? { statusTopic } : {}) });
  }

  async teardown(): Promise<void> {
    this.watchdog?.stop();
    this.watchdog = undefined;
    await this.unsubscribe?.();
  }

  private onBatch(payload: Buffer): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const batch = parseBatch(payload, { maxBatch: ctx.config.maxBatch });
    for (const rejection of batch.rejections) ctx.reject(rejection.reason, rejection.detail);
    for (const observation of batch.observations) {
      const reference =
        observation.kind === 'ble' && observation.beaconId !== undefined
          ? this.references.get(observation.beaconId.toLowerCase())
          : undefined;
      if (observation.kind === 'ble' && reference) ctx.emit({ ...observation, reference });
      else ctx.emit(observation);
    }
    if (batch.envelopeOk) this.watchdog?.seen();
  }

  private onStatus(payload: Buffer): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const text = payload.toString('utf8').trim();
    if (text === OFFLINE) {
      // Unavailable now, not at the watchdog's timeout; the next batch reports it available again.
      this.watchdog?.unavailable('the sensor reported offline on its status topic');
    } else if (text !== ONLINE && text !== '') {
      // `online` alone proves nothing (a retained message may be old): the next batch does.
      ctx.reject(
        'bad_status',
        `status: must be "online" or "offline" (got ${payload.length} bytes)`,
      );
    }
  }
}

/** Fills `{store}` and `{sensor}`; an id that would turn the topic into a wildcard is refused. */
export function resolveTopic({
  template,
  sensor,
  field,
}: {
  template: string;
  sensor: SensorInfo;
  field: string;
}): string {
  const topic = template.replaceAll('{store}', sensor.storeId).replaceAll('{sensor}', sensor.id);
  if (/[+#]/.test(topic) || topic.includes('\u0000')) {
    throw new PluginConfigError('invalid configuration', [
      {
        field,
        value: topic,
        message: `the store or sensor id makes ${field} an MQTT wildcard; ids must not contain +, # or NUL`,
      },
    ]);
  }
  return topic;
}
