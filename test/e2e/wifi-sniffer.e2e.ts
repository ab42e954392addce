import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import request from 'supertest';
import type { Subscription } from 'rxjs';
import { REPO_ROOT, observe, SIGHTINGS, type HandOff } from '@aisle/core';
import type { Sighting } from '@aisle/sdk';
import { trackingPolicy } from '../support/policies.js';
import { TEST_MACS, expectNoRawMac } from '../support/raw-mac.js';
import { eventually, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';

const DATA = join(REPO_ROOT, '..', 'shared', 'data');
const CAPTURE = join(
  DATA,
  'probe-requests-but-position1',
  'pcap',
  'sc6-61_2024-03-16_anonymized.pcap',
);
const MERAKI = join(DATA, 'payload-samples', 'meraki_scanning_v3_captured.jsonl');
const SSID = 'AisleHomeNet-42';
const SECRET = 'e2e-meraki-secret';
const REAL_FRAMES = 40;

/** A probe request (radiotap: antenna signal -55 dBm, 2437 MHz) asking for a home network by name. */
function probeWithSsid(source: string): Buffer {
  const radiotap = Buffer.from([0, 0, 14, 0, 0x28, 0, 0, 0, 0x9a, 0x09, 0x80, 0, 0xc9, 0]);
  const mac = Buffer.from(source.replaceAll(':', ''), 'hex');
  const header = Buffer.concat([
    Buffer.from([0x40, 0, 0, 0]),
    Buffer.alloc(6, 0xff),
    mac,
    Buffer.alloc(6, 0xff),
    Buffer.from([0x10, 0x02]),
  ]);
  const ssid = Buffer.from(SSID);
  return Buffer.concat([
    radiotap,
    header,
    Buffer.from([0, ssid.length]),
    ssid,
    Buffer.from([1, 2, 0x82, 0x84]),
  ]);
}

/** The first frames of the real capture plus one synthetic probe with an SSID, stamped `now`. */
function replayFile(now: number): { path: string; macs: string[] } {
  const real = readFileSync(CAPTURE);
  const records: Buffer[] = [];
  const macs = new Set<string>();
  let at = 24;
  for (let i = 0; i < REAL_FRAMES; i += 1) {
    const caplen = real.readUInt32LE(at + 8);
    const data = real.subarray(at + 16, at + 16 + caplen);
    macs.add(data.subarray(14 + 10, 14 + 16).toString('hex'));
    records.push(record(now - (REAL_FRAMES - i) * 1000, data));
    at += 16 + caplen;
  }
  records.push(record(now, probeWithSsid(TEST_MACS[1]!)));
  const path = join(mkdtempSync(join(tmpdir(), 'aisle-wifi-e2e-')), 'replay.pcap');
  writeFileSync(path, Buffer.concat([real.subarray(0, 24), ...records]));
  return { path, macs: [...macs].map((m) => m.match(/../g)!.join(':')) };
}

function record(atMs: number, data: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Math.floor(atMs / 1000), 0);
  h.writeUInt32LE((atMs % 1000) * 1000, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(data.length, 12);
  return Buffer.concat([h, data]);
}

describe('wifi-sniffer end to end: pcap replay, ESP32 over MQTT, Meraki over HTTP', () => {
  let sut: TestHub;
  let subscription: Subscription;
  const sightings: Sighting[] = [];
  const storeId = `wifi-${process.pid}-${Date.now().toString(36)}`;
  const now = Date.now();
  const replay = replayFile(now);
  const allMacs = [...TEST_MACS, ...replay.macs];

  beforeAll(async () => {
    sut = await startTestHub({ pluginDirs: [join(REPO_ROOT, 'plugins')] });
    subscription = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) =>
      sightings.push(s),
    );
    await sut
      .post('/api/stores', {
        id: storeId,
        policy: trackingPolicy('in-visit'),
        name: 'Wi-Fi e2e',
        timezone: 'UTC',
        width: 20,
        height: 10,
      })
      .expect(201);
    const sensor = (id: string, config: object) =>
      sut
        .post(`/api/stores/${storeId}/sensors`, {
          id,
          domain: 'wifi-sniffer',
          x: 1,
          y: 1,
          z: 2.5,
          config,
        })
        .expect(201);
    await sensor('pcap-1', { source: 'capture', file: replay.path });
    await sensor('esp-1', { source: 'esp32' });
    await sensor('meraki-1', {
      source: 'meraki',
      merakiSecret: SECRET,
      merakiValidator: 'validator-e2e',
    });
    await eventually('the wifi-sniffer sensors to run', async () => {
      const res = await sut.get('/api/plugins/wifi-sniffer');
      const sensors = (res.body.sensors ?? []) as { sensorId: string; status: string }[];
      return sensors.filter((s) => s.status === 'running').length === 3;
    });

    const client = await mqtt.connectAsync(sut.hub.mqttUrl, {
      clientId: `wifi-e2e-${process.pid}`,
    });
    const probes = TEST_MACS.map((mac, i) => ({
      mac,
      rssi: -60 - i,
      channel: 6,
      seq: 100 + i,
      ts: now - 500,
      ie_hash: '0123abcd',
    }));
    await client.publishAsync(`aisle/${storeId}/esp-1/esp32`, JSON.stringify({ v: 1, probes }));
    await client.publishAsync(
      `aisle/${storeId}/esp-1/esp32`,
      `{"v":1,"probes":[{"mac":"${TEST_MACS[0]}","rssi":"loud"}]}`,
    );
    await client.publishAsync(`aisle/${storeId}/esp-1/esp32`, `garbage ${TEST_MACS[2]}`);
    await client.endAsync();

    const iso = new Date(now - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const body = JSON.parse(readFileSync(MERAKI, 'utf8').split('\n')[0]!) as {
      secret: string;
      data: {
        observations: { clientMac: string; ssid: unknown; latestRecord: { time: string } }[];
      };
    };
    body.secret = SECRET;
    body.data.observations = body.data.observations.slice(0, TEST_MACS.length).map((o, i) => ({
      ...o,
      clientMac: TEST_MACS[i]!,
      ssid: SSID,
      latestRecord: { ...o.latestRecord, time: iso },
    }));
    const path = `/push/wifi-sniffer/${storeId}/meraki-1/meraki`;
    await request(sut.hub.url).get(path).expect(200, 'validator-e2e');
    await request(sut.hub.url)
      .post(path)
      .send({ ...body, secret: 'wrong' })
      .expect(403);
    await request(sut.hub.url).post(path).send(body).expect(202);
  }, 90_000);

  afterAll(async () => {
    subscription?.unsubscribe();
    await sut?.stop();
  });

  it('all three inputs produce sightings past the gate, and they are stored', async () => {
    const per = (id: string) => sightings.filter((s) => s.sensorId === id).length;
    await eventually(
      'sightings from every input',
      () =>
        per('pcap-1') === REAL_FRAMES + 1 &&
        per('esp-1') === TEST_MACS.length &&
        per('meraki-1') === TEST_MACS.length,
    );
    expect(await sut.storedRows(storeId)).toBe(REAL_FRAMES + 1 + 2 * TEST_MACS.length);
    const esp = sightings.find((s) => s.sensorId === 'esp-1' && s.kind === 'wifi');
    expect(esp).toMatchObject({
      kind: 'wifi',
      randomized: true,
      channel: 6,
      fingerprint: expect.stringMatching(/^[0-9a-f]+$/),
    });
  });

  it('counted the garbage by reason', async () => {
    const metrics = await sut.metrics();
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="wifi-sniffer",reason="bad_probe"\} 1/,
    );
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="wifi-sniffer",reason="bad_json"\} 1/,
    );
    expect(metrics).toMatch(
      /aisle_input_rejected_total\{plugin="wifi-sniffer",reason="bad_secret"\} 1/,
    );
  });

  it('no raw MAC and no SSID in the database, logs, events or API responses', async () => {
    const ds = sut.hub.get(DataSource);
    const tables = await ds.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    const texts: [string, string][] = [];
    for (const { table_name } of tables) {
      const rows = await ds.query<object[]>(`SELECT * FROM "${table_name}"`);
      texts.push([
        `table ${table_name}`,
        JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)),
      ]);
    }
    for (const line of sut.logs) texts.push(['log line', line]);
    for (const e of sut.events) texts.push([`event ${e.type}`, JSON.stringify(e)]);
    texts.push(['sightings', JSON.stringify(sightings)]);
    for (const path of [
      `/api/stores/${storeId}/sensors`,
      '/api/plugins/wifi-sniffer',
      '/metrics',
      '/health',
    ]) {
      texts.push([`GET ${path}`, (await sut.get(path)).text]);
    }
    for (const [where, text] of texts) {
      expectNoRawMac(text, where, allMacs);
      expect({ where, ssid: text.includes(SSID) }).toEqual({ where, ssid: false });
    }
  });
});
