import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import request from 'supertest';
import type { Subscription } from 'rxjs';
import { REPO_ROOT, observe, SIGHTINGS, type HandOff } from '@aisle/core';
import type { CameraSighting, Sighting } from '@aisle/sdk';
import { trackingPolicy } from '../support/policies.js';
import { LiveSumDevice } from '../support/live-sum-device.js';
import { TEST_MACS, expectNoRawMac } from '../support/raw-mac.js';
import { eventually, metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { SightingWriter } from '@aisle/persistence';

const SAMPLE = JSON.parse(
  readFileSync(
    join(REPO_ROOT, '..', 'shared', 'data', 'payload-samples', 'frigate_events_example.json'),
    'utf8',
  ),
) as { type: string; before: Record<string, unknown>; after: Record<string, unknown> };
const TOKEN = 'e2e-push-token-0123456789';
/** Frigate event ids are track ids: they must never leave the driver. */
const TRACK_ID = `${Date.now() / 1000}-e2etrk`;

/**
 * Camera people counters end to end: Frigate over the real broker (embedded aedes, or Mosquitto
 * with MQTT_URL), an Axis-style counter pushing to /push and one polled over HTTP; their counts
 * pass the gate as camera sightings (footfall per line, entries/exits and occupancy per zone).
 */
describe('camera people counters through the hub', () => {
  let sut: TestHub;
  let client: MqttClient;
  let device: LiveSumDevice;
  let subscription: Subscription;
  const sightings: CameraSighting[] = [];
  const storeId = `cams-${process.pid}-${Date.now().toString(36)}`;
  const prefix = `frigate-${process.pid}-${Date.now().toString(36)}`;

  const ofSensor = (sensorId: string) => sightings.filter((s) => s.sensorId === sensorId);
  const sum = (list: CameraSighting[], field: 'entries' | 'exits') =>
    list.reduce((total, s) => total + (s[field] ?? 0), 0);

  beforeAll(async () => {
    device = new LiveSumDevice();
    const pollUrl = await device.listen();
    sut = await startTestHub({ pluginDirs: [join(REPO_ROOT, 'plugins')] });
    subscription = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) => {
      if (s.storeId === storeId && s.kind === 'camera') sightings.push(s);
    });
    await sut
      .post('/api/stores', {
        id: storeId,
        name: 'Camera store',
        timezone: 'UTC',
        width: 30,
        height: 20,
        policy: trackingPolicy('in-visit'),
      })
      .expect(201);
    const sensor = (id: string, config: object) =>
      sut
        .post(`/api/stores/${storeId}/sensors`, {
          id,
          domain: 'camera-counter',
          x: 1,
          y: 1,
          z: 3,
          config,
        })
        .expect(201);
    // The API refuses a configuration its source cannot run with, naming the field.
    const refused = await sut
      .post(`/api/stores/${storeId}/sensors`, {
        id: 'cam-bad',
        domain: 'camera-counter',
        x: 1,
        y: 1,
        z: 3,
        config: { source: 'push', pushToken: 'short-secret' },
      })
      .expect(400);
    expect(refused.text).toContain('config.source');
    expect(refused.text).not.toContain('short-secret');
    await sensor('cam-frigate', {
      source: 'frigate',
      frigateTopicPrefix: prefix,
      zones: { yard: 'front-yard', driveway: 'drive' },
    });
    await sensor('cam-push', {
      source: 'push',
      // The digest only: the token itself is then not kept in (or shown with) the configuration.
      pushTokenSha256: createHash('sha256').update(TOKEN).digest('hex'),
      lineId: 'entrance',
      serial: 'ACCC8E0000C1',
    });
    await sensor('cam-poll', {
      source: 'poll',
      pollUrl,
      pollIntervalSeconds: 1,
      pollTimeoutSeconds: 2,
      lineId: 'side-door',
    });
    await eventually('the three camera sensors to run', async () => {
      const res = await sut.get('/api/plugins/camera-counter');
      const running = (res.body.sensors as { sensorId: string; status: string }[] | undefined)
        ?.filter((s) => s.status === 'running')
        .map((s) => s.sensorId)
        .sort();
      return running?.join(',') === 'cam-frigate,cam-poll,cam-push';
    });
    client = await mqtt.connectAsync(sut.hub.mqttUrl, {
      clientId: `camera-e2e-${process.pid}-${Date.now().toString(36)}`,
    });
  }, 60_000);

  afterAll(async () => {
    await client?.endAsync();
    subscription?.unsubscribe();
    await sut?.stop();
    await device?.close();
  });

  it('turns Frigate events and zone counts from the broker into zone sightings', async () => {
    const now = Date.now() / 1000;
    const after = { ...SAMPLE.after, id: TRACK_ID, start_time: now - 2 };
    const appeared = { ...after, frame_time: now - 2, current_zones: [], entered_zones: [] };
    const moved = { ...after, frame_time: now - 1 }; // the sample: in yard and driveway
    const left = { ...after, frame_time: now, end_time: now };
    const events = `${prefix}/events`;
    await client.publishAsync(
      events,
      JSON.stringify({ type: 'new', before: appeared, after: appeared }),
    );
    await client.publishAsync(
      events,
      JSON.stringify({ ...SAMPLE, before: appeared, after: moved }),
    );
    await client.publishAsync(
      events,
      JSON.stringify({ ...SAMPLE, before: appeared, after: moved }),
    );
    await client.publishAsync(`${prefix}/yard/person`, '1');
    await client.publishAsync(`${prefix}/driveway/person`, '1');
    await client.publishAsync(events, JSON.stringify({ type: 'end', before: moved, after: left }));
    await client.publishAsync(`${prefix}/yard/person`, '0');
    await client.publishAsync(`${prefix}/driveway/person`, '0');
    // Not a person, and a message with a picture: neither counts.
    await client.publishAsync(
      events,
      JSON.stringify({ type: 'new', before: {}, after: { ...moved, id: 'car-1', label: 'car' } }),
    );
    await client.publishAsync(
      events,
      JSON.stringify({
        type: 'new',
        before: {},
        after: { ...moved, id: 'p-2', thumbnail: '/9j/4AAQ' },
      }),
    );

    await eventually('the Frigate sightings', () => ofSensor('cam-frigate').length >= 8);
    const frigate = ofSensor('cam-frigate');
    const zone = (id: string) => frigate.filter((s) => s.zoneId === id);
    for (const id of ['front-yard', 'drive']) {
      expect(sum(zone(id), 'entries')).toBe(1); // the duplicated update counted once
      expect(sum(zone(id), 'exits')).toBe(1);
      expect(zone(id).flatMap((s) => (s.occupancy === undefined ? [] : [s.occupancy]))).toEqual([
        1, 0,
      ]);
    }
    expect(frigate).toHaveLength(8);
    for (const s of frigate) {
      expect(s).toMatchObject({ kind: 'camera', storeId, period: expect.any(Number) });
      expect(s.subject).toBeUndefined(); // counts, never identity
    }
  });

  it('takes pushed interval counts once, authenticated per sensor', async () => {
    const url = `/push/camera-counter/${storeId}/cam-push/counts`;
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const report = {
      serial: 'ACCC8E0000C1',
      name: 'Entrance',
      timestamp: new Date(minute).toISOString(),
      in: 12,
      out: 5,
    };
    const push = (body: object, token = TOKEN) =>
      request(sut.hub.url).post(url).set('Authorization', `Bearer ${token}`).send(body);
    await push(report).expect(202, { accepted: 1, duplicates: 0, rejected: [] });
    await push(report).expect(200); // a device retry: not counted twice
    await push({ ...report, in: 13 }).expect(409);
    await push(report, 'not-the-token-of-this-sensor').expect(401);
    // Another sensor's token does not open this sensor's route, and an unknown route is 404.
    await request(sut.hub.url)
      .post(`/push/camera-counter/${storeId}/cam-nope/counts`)
      .send(report)
      .expect(404);
    const rejected = await push({
      ...report,
      serial: TEST_MACS[1],
      timestamp: new Date(minute - 60_000).toISOString(),
    }).expect(400);
    expect(rejected.body.rejected[0]).toMatchObject({ reason: 'wrong_serial' });
    await push({ ...report, in: -4, timestamp: new Date(minute - 120_000).toISOString() }).expect(
      400,
    );

    await eventually('the pushed sighting', () => ofSensor('cam-push').length >= 1);
    expect(ofSensor('cam-push')).toEqual([
      {
        kind: 'camera',
        storeId,
        sensorId: 'cam-push',
        period: expect.any(Number),
        lineId: 'entrance',
        entries: 12,
        exits: 5,
        intervalStart: minute - 60_000,
        at: minute,
      },
    ]);
  });

  it('polls the live sum and counts only what was added since the first reading', async () => {
    await eventually('the first poll (baseline)', () => device.served >= 1);
    device.in += 5;
    device.out += 2;
    await eventually('the polled sighting', () => sum(ofSensor('cam-poll'), 'entries') >= 5);
    const before = device.served;
    await eventually('two more polls', () => device.served >= before + 2, 10_000);
    const poll = ofSensor('cam-poll');
    expect(sum(poll, 'entries')).toBe(5); // the 40 of before the hub looked are not counted
    expect(sum(poll, 'exits')).toBe(2);
    for (const s of poll) {
      expect(s).toMatchObject({ lineId: 'side-door', intervalStart: expect.any(Number) });
      expect(s.intervalStart!).toBeLessThan(s.at);
    }
  });

  it('stores the sightings, counts the rejections, and leaks no serial or track id', async () => {
    await sut.hub.get(SightingWriter).flush();
    const rows = await sut.hub
      .get(DataSource)
      .query<{ sensor_id: string; n: number }[]>(
        'SELECT sensor_id, count(*)::int AS n FROM sightings WHERE store_id = $1 GROUP BY sensor_id ORDER BY sensor_id',
        [storeId],
      );
    expect(rows.map((r) => r.sensor_id)).toEqual(['cam-frigate', 'cam-poll', 'cam-push']);
    const metrics = await sut.metrics();
    for (const reason of [
      'image_data',
      'conflicting_interval',
      'unauthorized',
      'wrong_serial',
      'bad_count',
    ]) {
      expect(
        metricValue(metrics, 'aisle_input_rejected_total', { plugin: 'camera-counter', reason }),
      ).toBeGreaterThan(0);
    }
    expect(
      metricValue(metrics, 'aisle_observations_total', { store: storeId, kind: 'camera' }),
    ).toBe(sightings.length);
    const stored = JSON.stringify(
      await sut.hub.get(DataSource).query('SELECT * FROM sightings WHERE store_id = $1', [storeId]),
    );
    for (const [what, text] of [
      ['sightings table', stored],
      ['logs', sut.logs.join('\n')],
      ['events', JSON.stringify(sut.events)],
      ['metrics', metrics],
    ] as const) {
      expectNoRawMac(text, what);
      expect(text).not.toContain(TRACK_ID);
    }
    const sensors = await sut.get(`/api/stores/${storeId}/sensors`).expect(200);
    expect(sensors.text).not.toContain(TOKEN);
    const status = await sut.get('/api/plugins/camera-counter').expect(200);
    expect(
      (status.body.sensors as { sensorId: string; status: string }[]).map((s) => s.status),
    ).toEqual(['running', 'running', 'running']);
  });
});
