import type { Observation, Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { trackingPolicy } from '../support/policies.js';
import { expectNoRawMac } from '../support/raw-mac.js';
import { metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { IngestPipeline, observe, SIGHTINGS, type HandOff, StoreDirectory } from '@aisle/core';
import { SightingWriter } from '@aisle/persistence';

const COUNTING = 'occ-count-only';
const SMALL = 'occ-small';
const DARK = 'occ-off';
const MIN = 60_000;
const INTERVAL = 5 * MIN;
/**
 * Six phones: two with their factory (globally administered) address, four randomised ones that
 * take a new address every 2 minutes, each model with its own information-element fingerprint.
 */
const PHONES = [
  { macs: ['3c:22:fb:12:34:56'], fingerprint: 'ie-apple-a' },
  { macs: ['f4:f5:e8:9a:bc:de'], fingerprint: 'ie-pixel-a' },
  { macs: ['da:a1:19:4c:2b:7e', 'da:a1:19:4c:2b:01', 'da:a1:19:4c:2b:02'], fingerprint: 'ie-1' },
  { macs: ['7e:4b:90:c3:11:08', '7e:4b:90:c3:11:09', '7e:4b:90:c3:11:0a'], fingerprint: 'ie-2' },
  { macs: ['d2:00:00:00:00:01', 'd2:00:00:00:00:02', 'd2:00:00:00:00:03'], fingerprint: 'ie-3' },
  { macs: ['d6:00:00:00:00:01', 'd6:00:00:00:00:02', 'd6:00:00:00:00:03'], fingerprint: 'ie-4' },
];
const ALL_MACS = PHONES.flatMap((p) => p.macs);
const SENSORS = ['w1', 'w2'];

interface PointBody {
  start: string;
  estimate: number | null;
  suppressed: boolean;
  subjects?: number;
}

describe('live Wi-Fi occupancy through the hub (count-only store)', () => {
  // Aligned to an interval, so the 7 minutes below close exactly one full interval.
  const clock = new FakeClock(Math.ceil(Date.now() / INTERVAL) * INTERVAL);
  const start = clock.now();
  let sut: TestHub;
  let managerKey: string;
  let otherKey: string;
  const subjects = new Set<string>();
  /** The gate's keyed fingerprints: they serve the in-memory association, never storage. */
  const fingerprints = new Set<string>();

  beforeAll(async () => {
    sut = await startTestHub({ clock });
    for (const [id, policy] of [
      [COUNTING, trackingPolicy('count-only')],
      [SMALL, trackingPolicy('count-only')],
      [DARK, undefined],
    ] as const) {
      await sut
        .post('/api/stores', {
          id,
          name: id,
          timezone: 'UTC',
          width: 20,
          height: 12,
          ...(policy ? { policy } : {}),
        })
        .expect(201);
      for (const [i, sensorId] of SENSORS.entries()) {
        await sut
          .post(`/api/stores/${id}/sensors`, {
            id: sensorId,
            domain: 'aisle-mqtt',
            x: 2 + 10 * i,
            y: 6,
          })
          .expect(201);
      }
    }
    managerKey = (
      await sut
        .post('/api/keys', { name: 'm', role: 'store-manager', storeIds: [COUNTING, SMALL] })
        .expect(201)
    ).body.key as string;
    otherKey = (
      await sut
        .post('/api/keys', { name: 'o', role: 'store-manager', storeIds: [DARK] })
        .expect(201)
    ).body.key as string;
    await sut.hub.get(StoreDirectory).reload();
    observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s: Sighting) => {
      if (s.kind !== 'camera' && s.subject !== undefined) subjects.add(s.subject);
      if (s.kind !== 'camera' && s.fingerprint !== undefined) fingerprints.add(s.fingerprint);
    });

    // 7 minutes: every phone probes every 20 s, heard by both sensors; the small store has two.
    for (let s = 0; s < 7 * 60; s += 1) {
      const at = clock.now();
      if (s % 20 === 0) {
        const address = Math.floor(s / 120);
        for (const [storeId, phones] of [
          [COUNTING, PHONES],
          [SMALL, PHONES.slice(0, 2)],
          [DARK, PHONES],
        ] as const) {
          for (const phone of phones) {
            for (const [i, sensorId] of SENSORS.entries()) {
              const o: Observation = {
                storeId,
                sensorId,
                kind: 'wifi',
                mac: phone.macs[Math.min(address, phone.macs.length - 1)]!,
                rssi: -50 - 6 * i,
                fingerprint: phone.fingerprint,
                at: at + i * 15,
              };
              sut.hub.get(IngestPipeline).ingest(o);
            }
          }
        }
      }
      clock.advance(1_000);
    }
  }, 90_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('shows the estimate of the closed interval, the open one and the series', async () => {
    const res = await sut.get(`/api/stores/${COUNTING}/occupancy/estimate`, managerKey).expect(200);
    expect(res.body).toMatchObject({
      storeId: COUNTING,
      mode: 'count-only',
      method: 'wifi-probe-association',
      intervalSeconds: 300,
      k: 5,
      reason: null,
    });
    const current = res.body.current as PointBody;
    expect(current).toEqual({
      start: new Date(start).toISOString(),
      end: new Date(start + INTERVAL).toISOString(),
      estimate: 6,
      low: 6,
      high: 6,
      suppressed: false,
    });
    expect(res.body.series).toEqual([current]);
    expect((res.body.inProgress as PointBody).estimate).toBe(6);
    expect(
      metricValue(await sut.metrics(), 'aisle_wifi_occupancy_estimate', { store: COUNTING }),
    ).toBe(6);
    expectNoRawMac(res.text, 'occupancy response', ALL_MACS);
  });

  it('suppresses a figure from fewer than k subjects for non-admin keys, not for admin', async () => {
    const forManager = await sut
      .get(`/api/stores/${SMALL}/occupancy/estimate`, managerKey)
      .expect(200);
    expect(forManager.body.current).toMatchObject({ estimate: null, suppressed: true });
    expect(forManager.body.current).not.toHaveProperty('subjects');
    const forAdmin = await sut.get(`/api/stores/${SMALL}/occupancy/estimate`).expect(200);
    expect(forAdmin.body.current).toMatchObject({ estimate: 2, suppressed: false, subjects: 2 });
    expect(forAdmin.body.k).toBeNull();
    const text = await sut.metrics();
    expect(text).not.toMatch(new RegExp(`aisle_wifi_occupancy_estimate\\{store="${SMALL}"`));
    expect(metricValue(text, 'aisle_wifi_occupancy_suppressed', { store: SMALL })).toBe(1);
  });

  it('gives nothing for a store with tracking off, and scopes the route', async () => {
    const res = await sut.get(`/api/stores/${DARK}/occupancy/estimate`, otherKey).expect(200);
    expect(res.body).toMatchObject({ mode: 'off', current: null, inProgress: null, series: [] });
    expect(res.body.reason).toMatch(/off/);
    await sut.get(`/api/stores/${DARK}/occupancy/estimate`, managerKey).expect(403);
    await sut.get('/api/stores/nowhere/occupancy/estimate').expect(404);
  });

  it('stores nothing per device: no sighting, no pseudonym, no fingerprint, no address in any table', async () => {
    await sut.hub.get(SightingWriter).flush();
    expect(subjects.size).toBeGreaterThan(0);
    expect(fingerprints.size).toBeGreaterThan(0);
    const tables = await sut.hub
      .get(DataSource)
      .query<{ name: string }[]>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      );
    expect(tables.map((t) => t.name)).toContain('sightings');
    for (const { name } of tables) {
      const rows = await sut.hub
        .get(DataSource)
        .query<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      for (const { row } of rows) {
        for (const subject of subjects) expect(row).not.toContain(subject);
        for (const fingerprint of fingerprints) expect(row).not.toContain(fingerprint);
      }
      expectNoRawMac(rows.map((r) => r.row).join('\n'), `table ${name}`, ALL_MACS);
    }
    const stored = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>('SELECT count(*)::int AS n FROM sightings WHERE store_id = ANY($1)', [
        [COUNTING, SMALL, DARK],
      ]);
    expect(stored[0]?.n).toBe(0);
    expectNoRawMac(sut.logs.join('\n'), 'logs', ALL_MACS);
  });
});
