import { createServer, type AddressInfo, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import {
  validateConfig,
  type AisleEvent,
  type ExporterContext,
  type StoreFigures,
} from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import plugin, { HomeAssistantConfig, HomeAssistantExporter } from '../src/index.js';
import { discoveryProblems } from './ha-discovery-schema.js';

/**
 * Against a real broker: Mosquitto from MQTT_URL (CI), else an in-process aedes. Topics carry a
 * unique prefix, and every retained message the test leaves is cleared at the end.
 */
const RUN = `ha-test-${randomUUID().slice(0, 8)}`;

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

class Subscriber {
  readonly messages: Received[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain });
      for (const waiter of [...this.waiters]) {
        if (waiter.check()) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  }

  static async open(url: string, filter: string): Promise<Subscriber> {
    const client = await connectAsync(url, { clientId: `${RUN}-sub-${randomUUID().slice(0, 6)}` });
    const sut = new Subscriber(client);
    await client.subscribeAsync(filter, { qos: 1 });
    return sut;
  }

  /** Resolves when a message satisfies `check` (already received, or on arrival). */
  until(what: string, check: (messages: Received[]) => boolean, timeoutMs = 15_000): Promise<void> {
    if (check(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check: () => check(this.messages),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  last(topic: string): string | undefined {
    return this.messages.filter((m) => m.topic === topic).at(-1)?.payload;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

function figures(over: Partial<StoreFigures> = {}): StoreFigures {
  return {
    storeId: 'berlin-mitte',
    storeName: 'Berlin Mitte',
    at: 0,
    k: 5,
    occupancy: [
      { zoneId: null, name: 'Berlin Mitte', value: 7 },
      { zoneId: 'entrance', name: 'Entrance', value: null },
      { zoneId: 'checkout', name: 'Checkout', value: 5 },
    ],
    footfallInToday: 40,
    footfallOutToday: 33,
    peopleEstimateToday: 52,
    deviceSharePercent: 64.2,
    sensors: [
      { sensorId: 'radio-1', domain: 'aisle-mqtt', available: true },
      { sensorId: 'door-cam', domain: 'camera-counter', available: false },
    ],
    ...over,
  };
}

describe(HomeAssistantExporter.name, () => {
  let url: string;
  let broker: { server: Server; close(): Promise<void> } | undefined;
  let sub: Subscriber;
  let sut: HomeAssistantExporter;
  let current: StoreFigures;
  let handlers: ((event: AisleEvent) => void)[];
  let statuses: string[];
  const prefix = `${RUN}/homeassistant`;
  const states = `${RUN}/aisle`;

  beforeAll(async () => {
    if (process.env['MQTT_URL']) url = process.env['MQTT_URL'];
    else if (process.env['CI'] === 'true') throw new Error('CI=true needs MQTT_URL (Mosquitto)');
    else {
      const aedes = await Aedes.createBroker();
      const server = createServer((socket) => aedes.handle(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
      broker = {
        server,
        close: async () => {
          await new Promise<void>((resolve) => aedes.close(() => resolve()));
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
  });

  afterAll(async () => {
    await broker?.close();
  });

  beforeEach(async () => {
    sub = await Subscriber.open(url, `${RUN}/#`);
    current = figures();
    handlers = [];
    statuses = [];
    sut = plugin.createExporter() as HomeAssistantExporter;
    const ctx: ExporterContext<HomeAssistantConfig> = {
      config: validateConfig(HomeAssistantConfig, {
        discoveryPrefix: prefix,
        topicPrefix: states,
        nodeId: 'hub1',
        refreshSeconds: 30,
      }),
      onEvent: (handler) => {
        handlers.push(handler);
        return () => undefined;
      },
      figures: {
        storeIds: () => [current.storeId],
        read: () => Promise.resolve(current),
      },
      brokerUrl: url,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      clock: new FakeClock(),
      signal: new AbortController().signal,
      status: {
        available: () => void statuses.push('available'),
        unavailable: (reason) => void statuses.push(`unavailable: ${reason}`),
      },
    };
    sut.setup(ctx);
  });

  afterEach(async () => {
    await sut.teardown();
    // Clear what this test left retained on the (shared) broker.
    const cleaner = await connectAsync(url, { clientId: `${RUN}-clean` });
    for (const topic of new Set(sub.messages.map((m) => m.topic))) {
      await cleaner.publishAsync(topic, '', { qos: 1, retain: true });
    }
    await cleaner.endAsync();
    await sub.close();
  });

  const config = (object: string, component = 'sensor'): string =>
    `${prefix}/${component}/hub1/berlin-mitte_${object}/config`;
  const state = (object: string): string => `${states}/hub1/berlin-mitte/${object}`;
  const ENTITIES = [
    'occupancy',
    'occupancy_entrance',
    'occupancy_checkout',
    'footfall_in_today',
    'footfall_out_today',
    'people_estimate_today',
    'device_share',
    'sensors_online',
  ];

  it("publishes retained discovery configs that follow Home Assistant's schema, then the states", async () => {
    await sub.until('the last state', (m) => m.some((x) => x.topic === state('sensor_door-cam')));
    // A fresh subscriber gets everything again, retained.
    const late = await Subscriber.open(url, `${RUN}/#`);
    try {
      await late.until('all retained messages', (m) => m.length >= 2 * (ENTITIES.length + 2) + 1);
      const configs = late.messages.filter((m) => m.topic.endsWith('/config'));
      expect(configs.map((m) => m.topic).sort()).toEqual(
        [
          ...ENTITIES.map((e) => config(e)),
          config('sensor_radio-1', 'binary_sensor'),
          config('sensor_door-cam', 'binary_sensor'),
        ].sort(),
      );
      expect(late.messages.every((m) => m.retain)).toBe(true);
      const uniqueIds = new Set<unknown>();
      for (const message of configs) {
        const payload = JSON.parse(message.payload) as Record<string, unknown>;
        expect(discoveryProblems(prefix, message.topic, payload)).toEqual([]);
        uniqueIds.add(payload['unique_id']);
        expect(payload).toMatchObject({
          availability_topic: `${states}/hub1/status`,
          device: { identifiers: ['hub1_berlin-mitte'], name: 'Berlin Mitte' },
        });
      }
      expect(uniqueIds.size).toBe(configs.length);
      expect(JSON.parse(late.last(config('occupancy_checkout')) ?? '{}')).toMatchObject({
        state_topic: state('occupancy_checkout'),
        unit_of_measurement: 'people',
        state_class: 'measurement',
      });
      expect(JSON.parse(late.last(config('device_share')) ?? '{}')).toMatchObject({
        unit_of_measurement: '%',
      });
      expect(
        JSON.parse(late.last(config('sensor_radio-1', 'binary_sensor')) ?? '{}'),
      ).toMatchObject({
        device_class: 'connectivity',
      });
      expect(late.last(`${states}/hub1/status`)).toBe('online');
      expect(late.last(state('occupancy'))).toBe('7');
      // Suppressed under k: "null" is Home Assistant's "unknown", never the small number.
      expect(late.last(state('occupancy_entrance'))).toBe('null');
      expect(late.last(state('footfall_in_today'))).toBe('40');
      expect(late.last(state('device_share'))).toBe('64.2');
      expect(late.last(state('sensors_online'))).toBe('1');
      expect(late.last(state('sensor_door-cam'))).toBe('OFF');
    } finally {
      await late.close();
    }
    expect(statuses).toEqual(['available']);
  });

  it('publishes only the states that changed when an event says the figures moved', async () => {
    await sub.until('the first states', (m) => m.some((x) => x.topic === state('sensor_door-cam')));
    const before = sub.messages.length;
    current = figures({
      occupancy: [
        { zoneId: null, name: 'Berlin Mitte', value: 9 },
        { zoneId: 'entrance', name: 'Entrance', value: 6 },
        { zoneId: 'checkout', name: 'Checkout', value: 5 },
      ],
    });
    const event: AisleEvent = {
      id: 'evt_1',
      type: 'occupancy.changed',
      storeId: 'berlin-mitte',
      at: 0,
      data: { zoneId: null, occupancy: 9, previous: 7, threshold: 8, direction: 'up' },
    };
    for (const handler of handlers) handler(event);
    await sub.until('the new occupancy', (m) => m.slice(before).length >= 2);
    await sut.refresh();
    expect(sub.messages.slice(before).map((m) => [m.topic, m.payload])).toEqual([
      [state('occupancy'), '9'],
      [state('occupancy_entrance'), '6'],
    ]);
  });

  it('removes the entities of a zone and a sensor that are gone', async () => {
    await sub.until('the first states', (m) => m.some((x) => x.topic === state('sensor_door-cam')));
    current = figures({
      occupancy: [{ zoneId: null, name: 'Berlin Mitte', value: 7 }],
      sensors: [{ sensorId: 'radio-1', domain: 'aisle-mqtt', available: true }],
    });
    await sut.refresh();
    for (const topic of [
      config('occupancy_entrance'),
      config('sensor_door-cam', 'binary_sensor'),
    ]) {
      expect(sub.last(topic)).toBe('');
    }
    expect(sub.last(config('occupancy_checkout'))).toBe('');
    expect(sub.last(config('occupancy'))).not.toBe('');
  });

  it('republishes the discovery configs when Home Assistant comes online', async () => {
    await sub.until('the first states', (m) => m.some((x) => x.topic === state('sensor_door-cam')));
    const before = sub.messages.length;
    await sub.client.publishAsync(`${prefix}/status`, 'online', { qos: 1 });
    await sub.until(
      'the configs again',
      (m) =>
        m.slice(before).filter((x) => x.topic.endsWith('/config')).length >= ENTITIES.length + 2,
    );
  });

  it('goes offline by its last will when the connection dies, then reconnects and says online', async () => {
    await sub.until('online', () => sub.last(`${states}/hub1/status`) === 'online');
    const before = sub.messages.length;
    // A crash as the broker sees it: the socket closes without a DISCONNECT.
    (sut as unknown as { client: MqttClient }).client.stream.destroy();
    await sub.until('the last will', (m) =>
      m.slice(before).some((x) => x.topic === `${states}/hub1/status` && x.payload === 'offline'),
    );
    // mqtt.js re-sends unacknowledged messages before it emits "connect": wait for both.
    await sub.until(
      'online again after the reconnect',
      (m) =>
        statuses.length === 3 &&
        m.slice(before).some((x) => x.topic === `${states}/hub1/status` && x.payload === 'online'),
    );
    expect(statuses).toEqual([
      'available',
      'unavailable: MQTT broker unreachable, reconnecting',
      'available',
    ]);
  }, 30_000);

  it('says offline itself on a clean stop', async () => {
    await sub.until('online', () => sub.last(`${states}/hub1/status`) === 'online');
    await sut.teardown();
    await sub.until('offline', () => sub.last(`${states}/hub1/status`) === 'offline');
  });

  it('starts with its broker down: not failed, unavailable, and keeps trying', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const reported: string[] = [];
    const down = new HomeAssistantExporter();
    const unavailable = new Promise<void>((resolve) => {
      down.setup({
        config: validateConfig(HomeAssistantConfig, { mqttUrl: `mqtt://127.0.0.1:${port}` }),
        onEvent: () => () => undefined,
        figures: { storeIds: () => [], read: () => Promise.resolve(undefined) },
        brokerUrl: url,
        logger: {
          debug: () => undefined,
          info: () => undefined,
          warn: () => undefined,
          error: () => undefined,
        },
        clock: new FakeClock(),
        signal: new AbortController().signal,
        status: {
          available: () => void reported.push('available'),
          unavailable: (reason) => {
            reported.push(`unavailable: ${reason}`);
            resolve();
          },
        },
      });
    });
    await unavailable;
    await down.teardown();
    expect(reported).toEqual(['unavailable: MQTT broker unreachable, reconnecting']);
  });

  it('rejects a bad configuration, naming the field', () => {
    expect(() =>
      validateConfig(HomeAssistantConfig, { nodeId: 'hub 1', discoveryPrefix: 'ha/#' }),
    ).toThrow(/nodeId.*"hub 1".*discoveryPrefix|discoveryPrefix.*nodeId/);
  });
});
