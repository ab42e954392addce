import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import {
  AggregationService,
  EventBus,
  observe,
  PluginHost,
  SIGHTINGS,
  StoreDirectory,
  type HandOff,
} from '@aisle/core';
import type { Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/** A weekday late morning (Berlin), the demo store busy. */
const T0 = Date.UTC(2026, 2, 10, 10, 0, 0);
/** Simulated seconds of the running demo: a few dozen people through the door. */
const SIMULATED_S = 180;
const RUN = `ha-e2e-${randomUUID().slice(0, 8)}`;

/**
 * The bundled home-assistant exporter inside a hub (AISLE_EXPORTERS), on the demo store: the
 * discovery configs describe the store's zones and sensors and nothing per device, and the state
 * topics carry the hub's own figures, suppressed under the store's k.
 */
describe('home-assistant exporter in a running hub (demo store)', () => {
  let sut: TestHub;
  let sub: MqttClient;
  const retained = new Map<string, string>();
  const clock = new FakeClock(T0);

  beforeAll(async () => {
    sut = await startTestHub({
      demo: true,
      clock,
      env: {
        AISLE_EXPORTERS: JSON.stringify({
          'home-assistant': {
            discoveryPrefix: `${RUN}/homeassistant`,
            topicPrefix: `${RUN}/aisle`,
            nodeId: 'e2e',
            refreshSeconds: 5,
          },
        }),
      },
    });
    sub = await connectAsync(sut.hub.mqttUrl, { clientId: `${RUN}-sub` });
    sub.on('message', (topic, payload) => retained.set(topic, payload.toString()));
    await sub.subscribeAsync(`${RUN}/#`, { qos: 1 });
    // Drive the demo on the hub's clock, one simulated second per step.
    let latest = 0;
    const seen = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) => {
      if (s.at > latest) latest = s.at;
    });
    try {
      for (let t = 0; t < SIMULATED_S; t += 1) {
        clock.advance(1_000);
        const deadline = Date.now() + 1_000;
        while (latest < clock.now() - 1_000 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } finally {
      seen.unsubscribe();
    }
    await sut.hub.get(AggregationService).tick();
  }, 120_000);

  afterAll(async () => {
    if (sub) {
      for (const topic of retained.keys()) await sub.publishAsync(topic, '', { retain: true });
      await sub.endAsync();
    }
    await sut?.stop();
  });

  /** Resolves when the retained state of `topic` satisfies `check`. */
  async function stateOf(topic: string, check: (value: string) => boolean): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = retained.get(topic);
      if (value !== undefined && check(value)) return value;
      if (Date.now() > deadline) throw new Error(`no matching state on ${topic} (last: ${value})`);
      await new Promise((resolve) => sub.once('message', resolve));
    }
  }

  it('runs, and describes the store, its zones and its sensors, never a device', async () => {
    expect(sut.hub.get(PluginHost).exporterStates()).toEqual([
      { domain: 'home-assistant', status: 'running', available: true },
    ]);
    await stateOf(`${RUN}/aisle/e2e/status`, (v) => v === 'online');
    const plugin = await sut.get('/api/plugins/home-assistant').expect(200);
    expect(plugin.body).toMatchObject({
      kind: 'exporter',
      status: 'loaded',
      sensors: [],
      exporter: { status: 'running', available: true },
    });
    const stores = await sut.get('/api/stores/demo').expect(200);
    const zones = (await sut.get('/api/stores/demo/zones').expect(200)).body as {
      id: string;
      tags: string[];
    }[];
    const sensors = (await sut.get('/api/stores/demo/sensors').expect(200)).body as {
      id: string;
    }[];
    expect(stores.body.id).toBe('demo');
    await stateOf(
      `${RUN}/homeassistant/sensor/e2e/demo_sensors_online/config`,
      (v) => v.length > 0,
    );
    const configs = [...retained.keys()].filter((t) => t.endsWith('/config') && retained.get(t));
    const objects = configs.map((t) => t.split('/').at(-2)).sort();
    const open = zones.filter(
      (z) => !z.tags.some((tag) => ['sensitive', 'pharmacy', 'fitting-room'].includes(tag)),
    );
    expect(objects).toEqual(
      [
        'demo_occupancy',
        ...open.map((z) => `demo_occupancy_${z.id}`),
        'demo_footfall_in_today',
        'demo_footfall_out_today',
        'demo_people_estimate_today',
        'demo_device_share',
        'demo_sensors_online',
        ...sensors.map((s) => `demo_sensor_${s.id}`),
      ].sort(),
    );
    // No sensitive zone, no pseudonym, no address anywhere in what Home Assistant gets.
    const everything = [...retained].join('\n');
    expect(everything).not.toMatch(/pharmacy/);
    expect(everything).not.toMatch(/([0-9a-f]{2}[:-]){5}[0-9a-f]{2}/i);
  });

  it("publishes the hub's own footfall today, or null where it is under the store's k", async () => {
    const k = sut.hub.get(StoreDirectory).minSubjects('demo');
    // A bus event makes the exporter read the figures again (the clock no longer moves).
    sut.hub.get(EventBus).publish('sensor.online', 'demo', { sensorId: 'probe', domain: 'e2e' });
    const from = new Date(T0 - 86_400_000).toISOString();
    const to = new Date(clock.now() + 1).toISOString();
    const api = await sut
      .get(`/api/stores/demo/metrics/footfall-in?bucket=1d&from=${from}&to=${to}`)
      .expect(200);
    const series = api.body.series as { value: number | null }[];
    const admin = series.at(-1)?.value ?? 0;
    expect(admin).toBeGreaterThan(0);
    const expected = admin > 0 && admin < k ? 'null' : String(admin);
    await stateOf(`${RUN}/aisle/e2e/demo/footfall_in_today`, (v) => v === expected);
    for (const [topic, value] of retained) {
      if (!/\/demo\/occupancy/.test(topic)) continue;
      // Occupancy: 0, null (suppressed) or at least k.
      expect(value === '0' || value === 'null' || Number(value) >= k).toBe(true);
    }
  });
});
