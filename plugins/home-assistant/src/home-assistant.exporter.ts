import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import {
  type AisleEventType,
  type Exporter,
  type ExporterContext,
  type TimerHandle,
} from '@aisle/sdk';
import type { HomeAssistantConfig } from './config.js';
import { availabilityTopic, storeEntities, type DiscoveryTopics } from './discovery.js';

/** This exporter's version (its manifest's), shown as the devices' software version. */
export const EXPORTER_VERSION = '1.0.0';

/** Events after which the figures are read again at once (they are triggers only: no id is read). */
const TRIGGERS: ReadonlySet<AisleEventType> = new Set<AisleEventType>([
  'occupancy.changed',
  'visit.started',
  'visit.ended',
  'zone.entered',
  'zone.exited',
  'aggregate.hourly',
  'sensor.online',
  'sensor.offline',
]);

/** How long one connection attempt may take before it is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Pause between reconnection attempts. */
const RECONNECT_PERIOD_MS = 5_000;

/**
 * Publishes every store's aggregate figures to Home Assistant by MQTT discovery: retained
 * discovery configs (removed again when a store, zone or sensor goes away), retained state topics
 * updated when a figure changes, and an availability topic that the broker sets to `offline` by
 * the connection's last will when the hub dies. Republishes the configs when Home Assistant
 * announces itself (`<discoveryPrefix>/status` = `online`).
 */
export class HomeAssistantExporter implements Exporter<HomeAssistantConfig> {
  private client: MqttClient | undefined;
  private ctx: ExporterContext<HomeAssistantConfig> | undefined;
  private timer: TimerHandle | undefined;
  private topics!: DiscoveryTopics;
  /** Retained payload last published per topic (configs and states). */
  private readonly published = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();
  private pending = false;

  setup(ctx: ExporterContext<HomeAssistantConfig>): void {
    const { config } = ctx;
    this.ctx = ctx;
    this.topics = {
      discoveryPrefix: config.discoveryPrefix,
      topicPrefix: config.topicPrefix,
      nodeId: config.nodeId,
      version: EXPORTER_VERSION,
    };
    const status = availabilityTopic(this.topics);
    const options: IClientOptions = {
      clientId: `aisle-ha-${config.nodeId}-${Math.random().toString(36).slice(2, 10)}`,
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    };
    const url = config.mqttUrl ?? ctx.brokerUrl;
    // Connects in the background and keeps reconnecting: a broker that is down at start is not a
    // failed exporter, only an unavailable one until it comes.
    const client = connect(url, options);
    this.client = client;
    client.on('connect', () => {
      // (Re)connected: the broker may have lost retained messages; publish everything again.
      this.published.clear();
      client.subscribe(`${config.discoveryPrefix}/status`, { qos: 1 });
      void this.announce();
    });
    client.on('offline', () => ctx.status.unavailable('MQTT broker unreachable, reconnecting'));
    client.on('error', (error) => ctx.logger.warn(`MQTT error: ${error.message}`));
    client.on('message', (topic, payload) => {
      if (topic === `${config.discoveryPrefix}/status` && payload.toString() === 'online') {
        // Home Assistant restarted: send the discovery configs again.
        for (const key of [...this.published.keys()]) {
          if (key.endsWith('/config')) this.published.delete(key);
        }
        void this.refresh();
      }
    });
    ctx.onEvent((event) => {
      if (TRIGGERS.has(event.type)) void this.refresh();
    });
    this.timer = ctx.clock.setInterval(() => void this.refresh(), config.refreshSeconds * 1000);
  }

  /** Online, then every store's configs and states. */
  private async announce(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Connected: available (before "online" goes out, so whoever sees it sees a consistent state).
    this.ctx?.status.available();
    try {
      await client.publishAsync(availabilityTopic(this.topics), 'online', { qos: 1, retain: true });
    } catch (error) {
      // The connection went again; the next "connect" announces anew.
      this.ctx?.logger.warn(`announcing online failed: ${(error as Error).message}`);
      return;
    }
    await this.refresh();
  }

  /**
   * Reads the figures and publishes what changed. At most one reading runs; calls meanwhile are
   * folded into one more reading after it.
   */
  refresh(): Promise<void> {
    if (this.pending) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      await this.publishFigures();
    });
    return this.running;
  }

  private async publishFigures(): Promise<void> {
    const ctx = this.ctx;
    const client = this.client;
    if (!ctx || !client || ctx.signal.aborted || !client.connected) return;
    try {
      const wanted = new Map<string, string>();
      for (const storeId of ctx.figures.storeIds()) {
        const figures = await ctx.figures.read(storeId);
        if (!figures) continue;
        for (const entity of storeEntities(figures, this.topics)) {
          wanted.set(entity.configTopic, JSON.stringify(entity.config));
          wanted.set(entity.stateTopic, entity.state);
        }
      }
      // Configs first, so Home Assistant knows the entity before its state arrives.
      const order = [...wanted.keys()].sort(
        (a, b) => Number(!a.endsWith('/config')) - Number(!b.endsWith('/config')),
      );
      for (const topic of order) {
        const payload = wanted.get(topic) as string;
        if (this.published.get(topic) === payload) continue;
        await client.publishAsync(topic, payload, { qos: 1, retain: true });
        this.published.set(topic, payload);
      }
      // Gone stores, zones and sensors: an empty retained config removes the entity.
      for (const topic of [...this.published.keys()]) {
        if (wanted.has(topic)) continue;
        await client.publishAsync(topic, '', { qos: 1, retain: true });
        this.published.delete(topic);
      }
    } catch (error) {
      ctx.logger.warn(`publishing to Home Assistant failed: ${(error as Error).message}`);
    }
  }

  async teardown(): Promise<void> {
    if (this.timer !== undefined) this.ctx?.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client) {
      // A clean stop says offline itself (the last will is only for a crash).
      if (client.connected) {
        await client
          .publishAsync(availabilityTopic(this.topics), 'offline', { qos: 1, retain: true })
          .catch(() => undefined);
      }
      await client.endAsync();
    }
    this.ctx = undefined;
  }
}
