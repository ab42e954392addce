import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { REPO_ROOT, StoreDirectory, RetentionService } from '@aisle/core';
import { eventually, metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';

const EXAMPLE = join(REPO_ROOT, 'apps', 'core', 'src', 'config-file', 'aisle.example.yaml');
const STORE = 'berlin-mitte';

/**
 * Config-as-code at start (AISLE_CONFIG), and a store policy changed through the API taking effect
 * in the running gate without a restart.
 */
describe('store configuration and policy in the running hub', () => {
  let sut: TestHub;
  let client: MqttClient;
  let seq = 0;

  async function publish(count: number): Promise<void> {
    const at = Date.now();
    const observations = Array.from({ length: count }, () => {
      seq += 1;
      const mac = `02:00:00:00:${Math.floor(seq / 256)
        .toString(16)
        .padStart(2, '0')}:${(seq % 256).toString(16).padStart(2, '0')}`;
      return { kind: 'wifi', mac, rssi: -60, at };
    });
    await client.publishAsync(
      `aisle/${STORE}/radio-1/observations`,
      JSON.stringify({ v: 1, observations }),
    );
  }

  async function currentPolicy(): Promise<Record<string, unknown>> {
    return (await sut.get(`/api/stores/${STORE}`).expect(200)).body.policy as Record<
      string,
      unknown
    >;
  }

  const metrics = (): Promise<string> => sut.metrics();

  const storedRows = (): Promise<number> => sut.storedRows(STORE);

  beforeAll(async () => {
    sut = await startTestHub({ env: { AISLE_CONFIG: EXAMPLE } });
    client = await mqtt.connectAsync(sut.hub.mqttUrl, { clientId: `policy-test-${process.pid}` });
    await eventually('the example store sensor to run', async () => {
      const res = await sut.get('/api/plugins/aisle-mqtt');
      return (res.body.sensors as { storeId: string; status: string }[]).some(
        (s) => s.storeId === STORE && s.status === 'running',
      );
    });
  }, 60_000);

  afterAll(async () => {
    await client?.endAsync();
    await sut?.stop();
  });

  it('applied the YAML file at start: stores, zones and sensors', async () => {
    const store = await sut.get(`/api/stores/${STORE}`).expect(200);
    expect(store.body).toMatchObject({
      id: STORE,
      timezone: 'Europe/Berlin',
      policy: { mode: 'count-only' },
    });
    const zones = await sut.get(`/api/stores/${STORE}/zones`).expect(200);
    expect((zones.body as { id: string }[]).map((z) => z.id)).toEqual(
      expect.arrayContaining(['entrance', 'pharmacy']),
    );
  });

  it('count-only: observations are counted but nothing per-device is stored', async () => {
    const before = metricValue(await metrics(), 'aisle_observations_total', { store: STORE });
    await publish(5);
    await eventually(
      'five accepted observations',
      async () =>
        metricValue(await metrics(), 'aisle_observations_total', { store: STORE }) >= before + 5,
    );
    expect(await storedRows()).toBe(0);
  });

  it('refuses a policy that would keep a pseudonym key longer than 24 h, naming the field', async () => {
    const res = await sut
      .patch(`/api/stores/${STORE}`, { policy: { mode: 'in-visit', rotationHours: 48 } })
      .expect(400);
    expect(res.body.message).toMatch(/policy\.rotationHours/);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'policy.rotationHours', value: 48 }),
      ]),
    );
  });

  it('refuses to turn tracking on without a complete notice, naming every missing field', async () => {
    const res = await sut
      // PATCH merges the policy (RFC 7396): `notice: null` removes the stored notice.
      .patch(`/api/stores/${STORE}`, { policy: { mode: 'in-visit', notice: null } })
      .expect(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'policy.notice.controllerName',
        'policy.notice.signage.text',
        'policy.notice.dpiaReference',
      ]),
    );
    expect(res.body.message).toMatch(/before tracking can be "in-visit"/);
  });

  it('switching tracking off takes effect at once: observations are dropped as tracking_off', async () => {
    await sut
      .patch(`/api/stores/${STORE}`, { policy: { ...(await currentPolicy()), mode: 'off' } })
      .expect(200);
    await eventually(
      'the gate to see mode off',
      () => sut.hub.get(StoreDirectory).tracking(STORE)?.mode === 'off',
    );
    const before = metricValue(await metrics(), 'aisle_observations_dropped_total', {
      reason: 'tracking_off',
    });
    await publish(3);
    await eventually(
      'three tracking_off drops',
      async () =>
        metricValue(await metrics(), 'aisle_observations_dropped_total', {
          reason: 'tracking_off',
        }) >=
        before + 3,
    );
  });

  it('switching to in-visit stores pseudonymous sightings', async () => {
    await sut
      .patch(`/api/stores/${STORE}`, { policy: { ...(await currentPolicy()), mode: 'in-visit' } })
      .expect(200);
    await eventually(
      'the gate to see mode in-visit',
      () => sut.hub.get(StoreDirectory).tracking(STORE)?.mode === 'in-visit',
    );
    await publish(4);
    await eventually('four stored sightings', async () => (await storedRows()) >= 4);
  });

  it('the maintenance job deletes data past retention and everything of deleted stores', async () => {
    const old = new Date(Date.now() - 2 * 24 * 3_600_000);
    const insert = (storeId: string, subject: string | null): Promise<unknown> =>
      sut.hub
        .get(DataSource)
        .query(
          `INSERT INTO sightings (store_id, sensor_id, kind, at, period, subject) VALUES ($1, 'radio-1', 'wifi', $2, $2, $3)`,
          [storeId, old, subject],
        );
    await insert(STORE, 'a-pseudonym-from-two-days-ago');
    await insert('a-deleted-store', 'x');
    const before = await storedRows();
    await sut.hub.get(RetentionService).maintain();
    expect(await storedRows()).toBe(before - 1);
    const orphans = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>(
        "SELECT count(*)::int AS n FROM sightings WHERE store_id = 'a-deleted-store'",
      );
    expect(orphans[0]?.n).toBe(0);
    expect(metricValue(await metrics(), 'aisle_sightings_purged_total')).toBeGreaterThanOrEqual(2);
  });

  it('keeps every policy version with who changed it and when', async () => {
    const res = await sut.get(`/api/stores/${STORE}/policy/versions`).expect(200);
    const versions = res.body as {
      version: number;
      changedBy: string;
      document: { mode?: string };
      changedAt: string;
    }[];
    // YAML at start, then off, then in-visit through the API (refused changes leave no version).
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(versions.map((v) => v.document.mode)).toEqual(['in-visit', 'off', 'count-only']);
    expect(versions[2]?.changedBy).toBe('config-file');
    expect(versions[0]?.changedBy).toBe(`key:${sut.adminKey.slice(3, sut.adminKey.indexOf('.'))}`);
    expect(Date.parse(versions[0]!.changedAt)).toBeGreaterThan(0);
  });

  it('outside its tracking hours the store collects nothing, and its notice says so', async () => {
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const notToday = days[(new Date().getUTCDay() + 3) % 7]; // Berlin's today is within a day of UTC's
    await sut
      .patch(`/api/stores/${STORE}`, {
        policy: {
          ...(await currentPolicy()),
          hours: [{ days: [notToday], from: '00:00', to: '24:00' }],
        },
      })
      .expect(200);
    await eventually(
      'the hours to apply',
      () => !sut.hub.get(StoreDirectory).isOpen(STORE, Date.now()),
    );
    const before = metricValue(await metrics(), 'aisle_observations_dropped_total', {
      reason: 'policy_rejected',
    });
    await publish(2);
    await eventually(
      'two drops outside hours',
      async () =>
        metricValue(await metrics(), 'aisle_observations_dropped_total', {
          reason: 'policy_rejected',
        }) >=
        before + 2,
    );
    const notice = await sut.get(`/notice/${STORE}?format=json`).expect(200);
    expect(notice.body).toMatchObject({
      trackingActive: false,
      status: expect.stringMatching(/^Outside tracking hours/),
    });
  });
});
