import { connectAsync } from 'mqtt';
import { FakeClock, FakeMqttPort } from '@aisle/sdk/testing';
import { MqttClientPort, type MqttPublishOptions } from '../mqtt/mqtt-client.port.js';
import { startTestBroker, uniqueName } from '../testing/test-broker.js';
import { createDemoSimulator } from './demo-simulator.js';
import { demoStoreLayout } from './demo-store.layout.js';
import { runSimulatorOverMqtt } from './simulator-over-mqtt.js';
import { StoreSimulator } from './store-simulator.js';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);

/** Lets pending promise callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(runSimulatorOverMqtt.name, () => {
  it('publishes retained online status, per-sensor batches every tick, heartbeats and offline at the end', async () => {
    const clock = new FakeClock(START);
    const simulator = new StoreSimulator({ seed: 1, startAt: START, arrivalsPerMinute: 6 });
    const published: { topic: string; payload: string; options?: MqttPublishOptions }[] = [];
    const mqtt = {
      publish: async (topic: string, payload: string | Buffer, options?: MqttPublishOptions) => {
        published.push({ topic, payload: payload.toString(), ...(options ? { options } : {}) });
      },
    };
    const abort = new AbortController();
    const running = runSimulatorOverMqtt({ simulator, mqtt, signal: abort.signal, clock });
    await flush();
    const sensorIds = demoStoreLayout().sensors.map((s) => s.id);
    // Before any tick: the statuses, then the first step's batches at once (empty heartbeats:
    // this simulator starts at the clock's time, so it has nothing to catch up on).
    expect(published).toEqual([
      ...sensorIds.map((id) => ({
        topic: `aisle/demo/${id}/status`,
        payload: 'online',
        options: { qos: 1, retain: true },
      })),
      ...sensorIds.map((id) => ({
        topic: `aisle/demo/${id}/observations`,
        payload: JSON.stringify({ v: 1, observations: [] }),
      })),
    ]);
    for (let i = 0; i < 90; i += 1) {
      clock.advance(1_000);
      await flush();
    }
    abort.abort();
    await running;
    expect(clock.pending).toBe(0);
    expect(simulator.time).toBe(START + 90_000);

    const batches = published.filter((p) => p.topic.endsWith('/observations'));
    for (const id of sensorIds) {
      const mine = batches.filter((b) => b.topic === `aisle/demo/${id}/observations`);
      // First tick, then at least every 30 s (heartbeat), more when there is traffic.
      expect(mine.length).toBeGreaterThanOrEqual(3);
    }
    const observations = batches.flatMap((b) => {
      const batch = JSON.parse(b.payload) as { v: number; observations: Record<string, unknown>[] };
      expect(batch.v).toBe(1);
      return batch.observations;
    });
    expect(observations.length).toBeGreaterThan(100);
    for (const o of observations) {
      expect(o).not.toHaveProperty('storeId');
      expect(o).not.toHaveProperty('sensorId');
      expect(['wifi', 'ble', 'camera']).toContain(o['kind']);
    }
    const camera = batches.filter((b) => b.topic === 'aisle/demo/cam-entrance/observations');
    expect(camera.map((b) => JSON.parse(b.payload).observations.length)).toEqual([
      0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(published.slice(-sensorIds.length)).toEqual(
      sensorIds.map((id) => ({
        topic: `aisle/demo/${id}/status`,
        payload: 'offline',
        options: { qos: 1, retain: true },
      })),
    );
  });

  it("publishes the demo simulator's last warm-up second at once, before the first tick", async () => {
    const now = START + 30_000; // mid-minute: the whole second is left to the first step
    const clock = new FakeClock(now);
    const published: { topic: string; payload: string }[] = [];
    const mqtt = {
      publish: async (topic: string, payload: string | Buffer) => {
        published.push({ topic, payload: payload.toString() });
      },
    };
    const abort = new AbortController();
    const simulator = createDemoSimulator({ seed: 1, now });
    const running = runSimulatorOverMqtt({ simulator, mqtt, signal: abort.signal, clock });
    await flush();
    expect(clock.pending).toBe(1); // only the wait for the next tick: nothing ran on the clock yet
    expect(simulator.time).toBe(now);
    const radios = new Set(
      published
        .filter((p) => p.topic.endsWith('/observations'))
        .filter((p) => (JSON.parse(p.payload) as { observations: unknown[] }).observations.length)
        .map((p) => p.topic),
    );
    expect(radios.size).toBeGreaterThanOrEqual(3);
    abort.abort();
    await running;
  });

  it('a demo started within a second after the hour publishes nothing timed in the hour before', async () => {
    const clock = new FakeClock(START + 400); // 09:00:00.400
    const times: number[] = [];
    const mqtt = {
      publish: async (topic: string, payload: string | Buffer) => {
        if (!topic.endsWith('/observations')) return;
        const batch = JSON.parse(payload.toString()) as { observations: { at: number }[] };
        times.push(...batch.observations.map((o) => o.at));
      },
    };
    const abort = new AbortController();
    const simulator = createDemoSimulator({ seed: 1, now: clock.now() });
    const running = runSimulatorOverMqtt({ simulator, mqtt, signal: abort.signal, clock });
    await flush();
    for (let i = 0; i < 5; i += 1) {
      clock.advance(1_000);
      await flush();
    }
    abort.abort();
    await running;

    expect(times.length).toBeGreaterThan(0);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(START); // no bucket in 08:00 for 08:59:59
  });

  it('works with a plain MqttPort and keeps going when a publish fails', async () => {
    const clock = new FakeClock(START);
    const port = new FakeMqttPort();
    let fail = true;
    const mqtt = {
      publish: (topic: string, payload: string | Buffer) => {
        if (fail && topic.endsWith('/observations')) {
          fail = false;
          return Promise.reject(new Error('broker gone'));
        }
        return port.publish(topic, payload);
      },
    };
    const errors: string[] = [];
    const abort = new AbortController();
    const running = runSimulatorOverMqtt({
      simulator: new StoreSimulator({ seed: 2, startAt: START }),
      mqtt,
      signal: abort.signal,
      clock,
      onError: (error) => errors.push((error as Error).message),
    });
    for (let i = 0; i < 35; i += 1) {
      clock.advance(1_000);
      await flush();
    }
    abort.abort();
    await running;
    expect(errors).toEqual(['broker gone']);
    // 7 of 8 on the first tick, then 8 more heartbeats at least 30 s later: the loop went on.
    expect(
      port.published.filter((p) => p.topic.endsWith('/observations')).length,
    ).toBeGreaterThanOrEqual(15);
  });

  it('feeds a real broker: a late subscriber gets the retained status and live batches', async () => {
    const broker = await startTestBroker();
    const storeId = uniqueName('sim');
    const layout = demoStoreLayout();
    layout.store.id = storeId;
    const hub = await MqttClientPort.connect(broker.url, { clientId: `${storeId}-hub` });
    const device = await connectAsync(broker.url, { clientId: `${storeId}-viewer` });
    const abort = new AbortController();
    try {
      const running = runSimulatorOverMqtt({
        simulator: new StoreSimulator({
          seed: 3,
          startAt: Date.now(),
          layout,
          arrivalsPerMinute: 60,
          passersByPerMinute: 600,
        }),
        mqtt: hub,
        tickMs: 50,
        signal: abort.signal,
      });
      const statuses = new Map<string, { payload: string; retain: boolean }>();
      let batches = 0;
      device.on('message', (topic, payload, packet) => {
        if (topic.endsWith('/status')) {
          statuses.set(topic, { payload: payload.toString(), retain: packet.retain });
        } else batches += 1;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await device.subscribeAsync(`aisle/${storeId}/#`);
      const deadline = Date.now() + 5_000;
      while ((statuses.size < layout.sensors.length || batches < 5) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(statuses.get(`aisle/${storeId}/radio-1/status`)).toEqual({
        payload: 'online',
        retain: true,
      });
      expect(batches).toBeGreaterThanOrEqual(5);
      abort.abort();
      await running;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(statuses.get(`aisle/${storeId}/radio-1/status`)?.payload).toBe('offline');
    } finally {
      abort.abort();
      for (const sensor of layout.sensors) {
        await hub.publish(`aisle/${storeId}/${sensor.id}/status`, '', { retain: true, qos: 1 });
      }
      await device.endAsync();
      await hub.close();
      await broker.close();
    }
  });
});
