import { join } from 'node:path';
import mqtt from 'mqtt';
import { REPO_ROOT, observe, SIGHTINGS, type HandOff } from '@aisle/core';
import type { Sighting } from '@aisle/sdk';
import { trackingPolicy } from '../support/policies.js';
import { TEST_MACS, expectNoRawMac, macNotations } from '../support/raw-mac.js';
import { FIXTURE_PLUGINS, eventually, startTestHub, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { DataSource } from 'typeorm';
import { SightingWriter } from '@aisle/persistence';

/**
 * Privacy as a test: raw MAC addresses go in over MQTT, in every common notation, in valid and in
 * malformed messages; none may come out in the database, a log line, an event or an API response.
 */
describe('raw MAC addresses never leave the ingest gate', () => {
  let sut: TestHub;
  let receiver: WebhookReceiver;
  const storeId = `leak-${process.pid}-${Date.now().toString(36)}`;
  const validSent: number[] = [];
  const espresensePrefix = `leak-esp-${process.pid}-${Date.now().toString(36)}`;
  const theengsGateway = `leak-gw-${process.pid}-${Date.now().toString(36)}`;
  /** The gate's keyed element fingerprints (in-memory association only: never stored or sent). */
  const fingerprints = new Set<string>();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sut = await startTestHub({
      pluginDirs: [join(REPO_ROOT, 'plugins'), join(FIXTURE_PLUGINS, 'ok')],
      env: { AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' },
    });
    // Every event type an admin may have to a local receiver: webhook bodies are checked for raw
    // MACs too (member-id events go only to the loyalty provider; no member takes part here).
    const eventTypes = (await sut.get('/api/webhooks/event-types').expect(200)).body as {
      type: string;
      loyaltyOnly: boolean;
    }[];
    await sut
      .post('/api/webhooks', {
        url: receiver.url,
        eventTypes: eventTypes.filter((t) => !t.loyaltyOnly).map((t) => t.type),
      })
      .expect(201);
    await sut
      .post('/api/stores', {
        id: storeId,
        policy: trackingPolicy('in-visit'),
        name: 'Leak test store',
        timezone: 'Europe/Berlin',
        width: 30,
        height: 20,
      })
      .expect(201);
    await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'radio-1',
        domain: 'aisle-mqtt',
        x: 5,
        y: 5,
        z: 2.5,
      })
      .expect(201);
    // A careless plugin puts raw MACs in its logs, rejections and setup error: the hub must redact.
    const careless = TEST_MACS.flatMap((m) => macNotations(m));
    await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'careless-1',
        domain: 'careless-driver',
        x: 1,
        y: 1,
        z: 2.5,
        config: {},
      })
      .expect(201);
    await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'careless-2',
        domain: 'careless-driver',
        x: 2,
        y: 1,
        z: 2.5,
        config: { fail: true },
      })
      .expect(201);
    validSent.push(careless.length * 2);
    // BLE addresses through the ble-beacon driver: an ESPresense node and a Theengs gateway.
    await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'esp-1',
        domain: 'ble-beacon',
        x: 8,
        y: 5,
        config: { source: 'espresense', espresensePrefix, room: 'esp-1' },
      })
      .expect(201);
    await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'gw-1',
        domain: 'ble-beacon',
        x: 12,
        y: 5,
        config: { source: 'theengs', theengsTopic: `home/${theengsGateway}/BTtoMQTT/+` },
      })
      .expect(201);
    await eventually('the BLE sensors to subscribe', async () => {
      const res = await sut.get('/api/plugins/ble-beacon');
      return (
        (res.body.sensors as { storeId: string; status: string }[] | undefined)?.filter(
          (s) => s.storeId === storeId && s.status === 'running',
        ).length === 2
      );
    });
    await eventually('the radio sensor to subscribe', async () => {
      const res = await sut.get('/api/plugins/aisle-mqtt');
      return (res.body.sensors as { sensorId: string; status: string }[] | undefined)?.some(
        (s) => s.sensorId === 'radio-1' && s.status === 'running',
      );
    });

    observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s: Sighting) => {
      if (s.kind === 'wifi' && s.storeId === storeId && s.fingerprint !== undefined) {
        fingerprints.add(s.fingerprint);
      }
    });
    const client = await mqtt.connectAsync(sut.hub.mqttUrl, {
      clientId: `leak-test-${process.pid}`,
    });
    const topic = `aisle/${storeId}/radio-1/observations`;
    const now = Date.now();
    const observations: object[] = [];
    for (const mac of TEST_MACS) {
      for (const notation of macNotations(mac)) {
        observations.push({
          kind: 'wifi',
          mac: notation,
          rssi: -60,
          at: now,
          channel: 6,
          seq: 77,
          fingerprint: 'ie-leak-test',
        });
        observations.push({ kind: 'ble', address: notation, rssi: -70, at: now });
      }
    }
    validSent.push(observations.length);
    await client.publishAsync(topic, JSON.stringify({ v: 1, observations }));
    // Malformed input that carries MACs: must be rejected without echoing them.
    const mac = TEST_MACS[0]!;
    await client.publishAsync(
      topic,
      JSON.stringify({
        v: 1,
        observations: [
          { kind: 'wifi', mac, rssi: 'strong', at: now },
          { kind: 'wifi', mac: `${mac}:00`, rssi: -50, at: now },
          { kind: 'radar', mac, rssi: -50, at: now },
          { kind: 'ble', address: mac, rssi: 99, at: now },
        ],
      }),
    );
    await client.publishAsync(topic, `{"v":1,"observations":[{"kind":"wifi","mac":"${mac}",`);
    await client.publishAsync(topic, `not json ${mac.toUpperCase()}`);
    // The same devices as ESPresense and Theengs messages, the address in the topic and payload.
    for (const device of TEST_MACS) {
      const bare = macNotations(device)[6]!;
      for (const notation of macNotations(device)) {
        await client.publishAsync(
          `${espresensePrefix}/devices/known:${bare}/esp-1`,
          JSON.stringify({ id: `known:${bare}`, mac: notation, rssi: -66, 'rssi@1m': -59 }),
        );
        await client.publishAsync(
          `home/${theengsGateway}/BTtoMQTT/${bare.toUpperCase()}`,
          JSON.stringify({ id: notation, rssi: -72, manufacturerdata: '4c001005031c6f1e2b' }),
        );
        validSent.push(2);
      }
    }
    await client.publishAsync(
      `${espresensePrefix}/devices/known:${mac}/esp-1`,
      JSON.stringify({ mac: `${mac}:00`, rssi: -60 }),
    );
    await client.publishAsync(
      `home/${theengsGateway}/BTtoMQTT/${mac}`,
      `{"id":"${mac.toUpperCase()}","rssi":`,
    );
    await client.endAsync();

    await eventually('every valid observation to be written', async () => {
      await sut.hub.get(SightingWriter).flush();
      const rows = await sut.hub
        .get(DataSource)
        .query<{ n: number }[]>('SELECT count(*)::int AS n FROM sightings WHERE store_id = $1', [
          storeId,
        ]);
      return (rows[0]?.n ?? 0) >= validSent.reduce((a, b) => a + b, 0);
    });
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await receiver?.close();
  });

  it('stored pseudonymous sightings: one subject per device whatever the notation', async () => {
    const rows = await sut.hub
      .get(DataSource)
      .query<{ kind: string; subjects: number }[]>(
        'SELECT kind, count(DISTINCT subject)::int AS subjects FROM sightings WHERE store_id = $1 GROUP BY kind ORDER BY kind',
        [storeId],
      );
    expect(rows).toEqual([
      { kind: 'ble', subjects: TEST_MACS.length },
      { kind: 'wifi', subjects: TEST_MACS.length },
    ]);
  });

  it('no table of the database holds a raw MAC', async () => {
    const ds = sut.hub.get(DataSource);
    const tables = await ds.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['sightings', 'stores', 'sensors', 'pseudonym_keys']),
    );
    for (const { table_name } of tables) {
      const rows = await ds.query<object[]>(`SELECT * FROM "${table_name}"`);
      expectNoRawMac(
        JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)),
        `table ${table_name}`,
      );
    }
  });

  it('no table holds the keyed element fingerprint (it serves the in-memory association only)', async () => {
    expect(fingerprints.size).toBeGreaterThan(0);
    const ds = sut.hub.get(DataSource);
    const tables = await ds.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables) {
      const text = JSON.stringify(await ds.query<object[]>(`SELECT * FROM "${table_name}"`));
      for (const fingerprint of fingerprints) expect(text).not.toContain(fingerprint);
      expect(text).not.toContain('ie-leak-test');
    }
    for (const r of receiver.received) {
      for (const fingerprint of fingerprints) expect(r.body).not.toContain(fingerprint);
    }
  });

  it('no log line holds a raw MAC, and the rejections were logged', () => {
    expect(sut.logs.some((line) => line.includes('rejected input'))).toBe(true);
    expect(sut.logs.some((line) => line.includes('saw device [redacted-mac]'))).toBe(true);
    for (const line of sut.logs) expectNoRawMac(line, 'log line');
  });

  it('no event on the bus holds a raw MAC', () => {
    for (const event of sut.events) expectNoRawMac(JSON.stringify(event), `event ${event.type}`);
  });

  it('no webhook body holds a raw MAC', async () => {
    await eventually('webhooks from the leak store', () =>
      receiver.received.some((r) => r.body.includes(storeId)),
    );
    for (const r of receiver.received) {
      expectNoRawMac(r.body, 'webhook body');
      expectNoRawMac(JSON.stringify(r.headers), 'webhook headers');
    }
  });

  it('no API response holds a raw MAC', async () => {
    for (const path of [
      '/api/stores',
      `/api/stores/${storeId}`,
      `/api/stores/${storeId}/sensors`,
      '/api/plugins',
      '/api/plugins/aisle-mqtt',
      '/api/plugins/careless-driver',
      '/api/plugins/ble-beacon',
      `/notice/${storeId}?format=json`,
      `/notice/${storeId}?format=html`,
      '/metrics',
      '/health',
      `/api/stores/${storeId}/metrics/visits`,
      `/api/stores/${storeId}/metrics/transitions`,
      `/api/stores/${storeId}/heatmap`,
      `/api/stores/${storeId}/positions`,
      `/api/stores/${storeId}/coverage`,
      `/api/stores/${storeId}/calibration`,
      '/api/webhooks',
    ]) {
      const res = await sut.get(path);
      expect(res.status).toBeLessThan(500);
      expectNoRawMac(res.text, `GET ${path}`);
    }
  });

  it('shows a failing plugin its own error with the MACs redacted', async () => {
    const res = await sut.get('/api/plugins/careless-driver').expect(200);
    const failed = (
      res.body.sensors as { sensorId: string; status: string; error?: string }[]
    ).find((s) => s.sensorId === 'careless-2');
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^cannot open capture for \[redacted-mac\]/),
    });
  });

  it('counted the malformed input by reason', async () => {
    const metrics = (await sut.get('/metrics')).text;
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="aisle-mqtt",reason="[a-z_]+"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="ble-beacon",reason="bad_address"\} 1/,
    );
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="ble-beacon",reason="bad_json"\} 1/,
    );
  });
});
