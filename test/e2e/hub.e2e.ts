import { join } from 'node:path';
import request from 'supertest';
import { REPO_ROOT } from '@aisle/core';
import {
  FIXTURE_PLUGINS,
  eventually,
  metricValue,
  startTestHub,
  type TestHub,
} from '../support/test-hub.js';
import { DataSource } from 'typeorm';

describe('hub with the demo store and broken plugins', () => {
  let sut: TestHub;

  beforeAll(async () => {
    sut = await startTestHub({
      demo: true,
      pluginDirs: [
        join(REPO_ROOT, 'plugins'),
        join(FIXTURE_PLUGINS, 'not-ok'),
        join(FIXTURE_PLUGINS, 'ok'),
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('is healthy: database, broker and plugins', async () => {
    const res = await sut.get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.broker.status).toBe('up');
    expect(res.body.info.plugins.failed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ domain: 'Bad_Manifest' }),
        expect.objectContaining({ domain: 'wrong-export' }),
      ]),
    );
  });

  it('reports the broken fixture plugins as failed, with their errors, while the rest runs', async () => {
    const res = await sut.get('/api/plugins').expect(200);
    const byDomain = Object.fromEntries(
      (res.body as { domain: string; status: string; error?: string }[]).map((p) => [p.domain, p]),
    );
    expect(byDomain['aisle-mqtt']?.status).toBe('loaded');
    expect(byDomain['Bad_Manifest']).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/version/),
    });
    expect(byDomain['wrong-export']).toMatchObject({ status: 'failed' });
    const metrics = (await sut.get('/metrics').expect(200)).text;
    expect(
      metricValue(metrics, 'aisle_plugin_status', { plugin: 'wrong-export', state: 'failed' }),
    ).toBe(1);
    expect(
      metricValue(metrics, 'aisle_plugin_status', { plugin: 'aisle-mqtt', state: 'loaded' }),
    ).toBe(1);
  });

  it('a sensor whose driver throws in setup is failed; the demo store keeps counting', async () => {
    await sut
      .post('/api/stores/demo/sensors', {
        id: 'broken-1',
        domain: 'broken-setup',
        x: 1,
        y: 1,
        z: 2.5,
        config: {},
      })
      .expect(201);
    const status = await eventually('the broken sensor to be marked failed', async () => {
      const res = await sut.get('/api/plugins/broken-setup').expect(200);
      const sensor = (
        res.body.sensors as { sensorId: string; status: string; error?: string }[]
      ).find((s) => s.sensorId === 'broken-1');
      return sensor?.status === 'failed' ? sensor : undefined;
    });
    expect(status.error).toBe('simulated hardware fault in setup');
    const before = metricValue((await sut.get('/metrics')).text, 'aisle_observations_total', {
      store: 'demo',
    });
    await eventually('aisle_observations_total to grow from the demo store', async () => {
      const after = metricValue((await sut.get('/metrics')).text, 'aisle_observations_total', {
        store: 'demo',
      });
      return after > before && after > 0;
    });
  });

  it('shows sensor states only for the stores a scoped key may see', async () => {
    await sut
      .post('/api/stores', { id: 'elsewhere', name: 'E', timezone: 'UTC', width: 10, height: 10 })
      .expect(201);
    const created = await sut
      .post('/api/keys', {
        name: 'manager elsewhere',
        role: 'store-manager',
        storeIds: ['elsewhere'],
      })
      .expect(201);
    const scoped = created.body.key as string;
    const admin = await sut.get('/api/plugins/aisle-mqtt').expect(200);
    expect(admin.body.sensors.length).toBeGreaterThan(0);
    const other = await sut.get('/api/plugins/aisle-mqtt', scoped).expect(200);
    expect(other.body.sensors).toEqual([]);
    await sut.get('/api/stores/demo/sensors', scoped).expect(403);
  });

  it('publishes the demo store notice without a key, as JSON and HTML', async () => {
    const json = await request(sut.hub.url)
      .get('/notice/demo')
      .set('Accept', 'application/json')
      .expect(200);
    expect(json.body).toMatchObject({
      store: { id: 'demo' },
      trackingActive: true,
      controller: expect.any(String),
      optOut: { url: '/opt-out' },
    });
    expect((json.body.collected as { kind: string }[]).map((c) => c.kind)).toEqual([
      'ble',
      'camera',
      'wifi',
    ]);
    const html = await request(sut.hub.url)
      .get('/notice/demo')
      .set('Accept', 'text/html')
      .expect(200);
    expect(html.text).toContain('Tracking is active now.');
    expect(html.headers['content-type']).toMatch(/text\/html/);
    await request(sut.hub.url).get('/notice/no-such-store?format=json').expect(404);
  });

  it('writes demo sightings to the database in batches', async () => {
    await eventually('sightings in the database', async () => {
      const rows = await sut.hub
        .get(DataSource)
        .query<{ n: number }[]>("SELECT count(*)::int AS n FROM sightings WHERE store_id = 'demo'");
      return (rows[0]?.n ?? 0) > 0;
    });
  });
});
