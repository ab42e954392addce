import mqtt, { type MqttClient } from 'mqtt';
import request from 'supertest';
import { trackingPolicy } from '../support/policies.js';
import { TEST_MACS, expectNoRawMac, macNotations } from '../support/raw-mac.js';
import { eventually, metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { IngestRuntime } from '@aisle/core';

/**
 * The opt-out path end to end: a MAC is submitted (any notation, no account) → the data held for it
 * in the current window is gone → later observations of it are dropped at the gate; other devices
 * are untouched, and the list holds no address.
 */
describe('public opt-out', () => {
  let sut: TestHub;
  let client: MqttClient;
  const storeId = `optout-${process.pid}-${Date.now().toString(36)}`;
  const optedOut = TEST_MACS.find((m) => !/^.[2367abef]/i.test(m)) ?? TEST_MACS[1]!;
  const other = TEST_MACS.find((m) => m !== optedOut)!;

  async function publish(mac: string, count: number): Promise<void> {
    const observations = Array.from({ length: count }, () => ({
      kind: 'wifi',
      mac,
      rssi: -58,
      at: Date.now(),
    }));
    await client.publishAsync(
      `aisle/${storeId}/radio-1/observations`,
      JSON.stringify({ v: 1, observations }),
    );
  }

  const rows = (): Promise<number> => sut.storedRows(storeId);

  beforeAll(async () => {
    sut = await startTestHub();
    await sut
      .post('/api/stores', {
        id: storeId,
        name: 'Opt-out store',
        timezone: 'Europe/Berlin',
        width: 20,
        height: 10,
        policy: trackingPolicy(),
      })
      .expect(201);
    await sut
      .post(`/api/stores/${storeId}/sensors`, { id: 'radio-1', domain: 'aisle-mqtt', x: 5, y: 5 })
      .expect(201);
    await eventually('the sensor to run', async () =>
      (
        (await sut.get('/api/plugins/aisle-mqtt')).body.sensors as {
          storeId: string;
          status: string;
        }[]
      ).some((s) => s.storeId === storeId && s.status === 'running'),
    );
    client = await mqtt.connectAsync(sut.hub.mqttUrl, { clientId: `optout-test-${process.pid}` });
    await publish(optedOut, 3);
    await publish(other, 2);
    await eventually('five stored sightings', async () => (await rows()) === 5);
  }, 60_000);

  afterAll(async () => {
    await client?.endAsync();
    await sut?.stop();
  });

  it('serves a plain form without a key', async () => {
    const res = await request(sut.hub.url).get('/opt-out').expect(200);
    expect(res.text).toContain('<form method="post" action="/opt-out">');
  });

  it('accepts a MAC in any notation, without an account, and never echoes it', async () => {
    const notation = macNotations(optedOut).find((n) => n.includes('-') && n === n.toUpperCase())!;
    const res = await request(sut.hub.url).post('/opt-out').send({ address: notation }).expect(202);
    expect(res.body).toMatchObject({ status: 'opted-out' });
    expectNoRawMac(res.text, 'opt-out response');
  });

  it('deleted what was held for the device in the current window, and only that', async () => {
    expect(await rows()).toBe(2);
  });

  it('drops the device at the gate from then on; other devices still count', async () => {
    const metrics = async (): Promise<string> => (await sut.get('/metrics')).text;
    const before = metricValue(await metrics(), 'aisle_observations_dropped_total', {
      reason: 'policy_rejected',
    });
    await publish(optedOut, 2);
    await publish(other, 1);
    await eventually(
      'two policy drops',
      async () =>
        metricValue(await metrics(), 'aisle_observations_dropped_total', {
          reason: 'policy_rejected',
        }) >=
        before + 2,
    );
    await eventually('the other device stored', async () => (await rows()) === 3);
  });

  it('keeps only a keyed digest: no notation of the address is in the database', async () => {
    const list = await sut.hub.get(DataSource).query<object[]>('SELECT * FROM opt_outs');
    expect(list).toHaveLength(1);
    expectNoRawMac(JSON.stringify(list), 'opt_outs');
    const secrets = await sut.hub
      .get(DataSource)
      .query<{ name: string }[]>('SELECT name FROM hub_secrets');
    expect(secrets.map((s) => s.name)).toEqual(['opt-out-key']);
    const audit = await sut.hub
      .get(DataSource)
      .query<object[]>("SELECT * FROM audit_log WHERE action = 'optout.recorded'");
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'public', detail: { added: true, deleted: 3 } }),
    ]);
    expectNoRawMac(JSON.stringify(audit), 'audit_log');
  });

  it('refuses input that is not an address, without echoing it', async () => {
    const res = await request(sut.hub.url)
      .post('/opt-out')
      .send({ address: 'my phone da:a1' })
      .expect(400);
    expect(res.body.message).toMatch(/MAC address/);
    expect(res.text).not.toContain('my phone');
    await request(sut.hub.url).post('/opt-out').send({}).expect(400);
  });

  it('answers a browser’s form submission with an HTML page that does not echo the address', async () => {
    const third = TEST_MACS.find((m) => m !== optedOut && m !== other)!;
    const res = await request(sut.hub.url)
      .post('/opt-out')
      .set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')
      .type('form')
      .send({ address: third.toUpperCase() })
      .expect(202);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<html/);
    expect(res.text).toMatch(/ignores this device/);
    expect(res.text).toContain('href="/opt-out"');
    expectNoRawMac(res.text, 'opt-out HTML answer');
    const refused = await request(sut.hub.url)
      .post('/opt-out')
      .set('Accept', 'text/html')
      .type('form')
      .send({ address: 'my phone da:a1' })
      .expect(400);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.text).toMatch(/MAC address/);
    expect(refused.text).not.toContain('my phone');
  });

  it('refuses broadcast, multicast and all-zero addresses: they belong to no device', async () => {
    for (const address of ['ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb', '00:00:00:00:00:00']) {
      const res = await request(sut.hub.url).post('/opt-out').send({ address }).expect(400);
      expect(res.body.message).toMatch(/broadcast|multicast|all-zero/);
    }
  });

  it('is rate limited per client', async () => {
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i += 1) {
      status = (
        await request(sut.hub.url)
          .post('/opt-out')
          .send({ beaconId: `beacon-${i}` })
      ).status;
    }
    expect(status).toBe(429);
  });

  it('excludes the store’s own devices at the gate, keeping only a per-store digest', async () => {
    const printer = TEST_MACS.find((m) => m !== optedOut && m !== other)!;
    const added = await sut
      .post(`/api/stores/${storeId}/fixed-devices`, {
        address: printer.toUpperCase(),
        label: 'back-office printer',
      })
      .expect(201);
    expect(added.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      label: 'back-office printer',
    });
    const list = await sut.get(`/api/stores/${storeId}/fixed-devices`).expect(200);
    expectNoRawMac(list.text, 'fixed-devices list');
    await eventually(
      'the store modules to reload',
      () => sut.hub.get(IngestRuntime).modulesFor(storeId).length > 0,
    );
    const before = await rows();
    await publish(printer, 3);
    await publish(other, 1);
    await eventually('only the shopper stored', async () => (await rows()) === before + 1);
    await sut.post(`/api/stores/${storeId}/fixed-devices`, { address: 'printer' }).expect(400);
    await sut.delete(`/api/stores/${storeId}/fixed-devices/${added.body.id as string}`).expect(204);
  });
});
