import { inflateSync } from 'node:zlib';
import { HEATMAP_MAP_ORIGIN } from '@aisle/aggregation';
import type { CameraObservation, PositionUpdate } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { StoreEntity } from '@aisle/persistence';
import { trackingPolicy } from '../support/policies.js';
import { metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import {
  AggregationService,
  IngestPipeline,
  POSITIONS,
  type HandOff,
  StoreDirectory,
} from '@aisle/core';

const STORE = 'agg-e2e';
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const PERIOD = Date.UTC(2026, 0, 1);
const HOUR = { from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString() };

const rect = (minX: number, minY: number, maxX: number, maxY: number) => [
  { x: minX, y: minY },
  { x: maxX, y: minY },
  { x: maxX, y: maxY },
  { x: minX, y: maxY },
];

function position(subject: string, at: number, zoneId: string): PositionUpdate {
  const y = zoneId === 'storefront' ? 1 : zoneId === 'entrance' ? 3 : 7;
  return {
    storeId: STORE,
    subject,
    period: PERIOD,
    kind: 'wifi',
    at,
    x: 5,
    y,
    uncertainty: 1,
    zoneId,
    method: 'multilateration',
    sensorCount: 3,
  };
}

/** Shoppers: pavement → entrance → 2 min in the aisle → out, a position every 10 s. */
function shopper(subject: string, start: number): PositionUpdate[] {
  const plan: [string, number][] = [
    ['storefront', 1],
    ['entrance', 2],
    ['aisle', 12],
    ['entrance', 1],
    ['storefront', 1],
  ];
  const out: PositionUpdate[] = [];
  let t = start;
  for (const [zone, n] of plan) {
    for (let i = 0; i < n; i += 1, t += 10_000) out.push(position(subject, t, zone));
  }
  return out;
}

const passerBy = (subject: string, start: number): PositionUpdate[] =>
  [0, 1, 2].map((i) => position(subject, start + i * 10_000, 'storefront'));

describe('aggregation through the hub: positions and camera counts → events, rollups, API', () => {
  let sut: TestHub;
  const clock = new FakeClock(T0);
  let managerKey: string;

  beforeAll(async () => {
    // Positions are fed from the hub's first instant: no start grace (demo-restart.e2e has it).
    sut = await startTestHub({
      clock,
      startGraceSeconds: 0,
      env: { AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' },
    });
    // Nothing listens there: only the outbox rows are looked at.
    await sut
      .post('/api/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.ended'] })
      .expect(201);
    await sut
      .post('/api/stores', {
        id: STORE,
        name: 'Aggregation store',
        timezone: 'Europe/Berlin',
        width: 10,
        height: 10,
        policy: trackingPolicy('in-visit', {
          analytics: { visitGapSeconds: 60, minVisitSeconds: 30, occupancyThresholds: [5] },
        }),
      })
      .expect(201);
    for (const [id, polygon, tags] of [
      ['storefront', rect(0, 0, 10, 2), ['storefront']],
      ['entrance', rect(0, 2, 10, 4), ['entrance']],
      ['aisle', rect(0, 4, 10, 10), ['aisle']],
    ] as const) {
      await sut.post(`/api/stores/${STORE}/zones`, { id, name: id, polygon, tags }).expect(201);
    }
    const created = await sut
      .post('/api/keys', { name: 'manager', role: 'store-manager', storeIds: [STORE] })
      .expect(201);
    managerKey = created.body.key as string;
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(AggregationService).reload();

    // Six shoppers (one of them sent twice, and out of order) and two passers-by.
    const positions = [
      ...['s1', 's2', 's3', 's4', 's5', 's6'].flatMap((s, i) => shopper(s, T0 + i * 5_000)),
      ...passerBy('p1', T0),
      ...passerBy('p2', T0 + 20_000),
    ];
    const duplicate = shopper('s1', T0).reverse();
    for (const p of [...positions, ...duplicate]) {
      sut.hub.get<HandOff<PositionUpdate>>(POSITIONS).publish(p);
    }
    // The entrance counter: 7 people in (one without a detectable phone), 7 out; one report twice.
    const camera = (intervalStart: number, entries: number, exits: number): CameraObservation => ({
      storeId: STORE,
      sensorId: 'cam-door',
      kind: 'camera',
      lineId: 'door',
      entries,
      exits,
      intervalStart,
      at: intervalStart + 10_000,
    });
    for (const o of [
      camera(T0, 4, 0),
      camera(T0 + 10_000, 3, 0),
      camera(T0 + 10_000, 3, 0),
      camera(T0 + 170_000, 0, 7),
    ]) {
      sut.hub.get(IngestPipeline).ingest(o);
    }
    clock.advance(2 * 60_000); // everyone inside (the watermark lags a minute)
    await sut.hub.get(AggregationService).tick();
    clock.advance(8 * 60_000); // all visits closed
    await sut.hub.get(AggregationService).tick();
  }, 90_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('publishes visit and zone events, passers-by marked, with deterministic visit ids', () => {
    const started = sut.events.filter((e) => e.type === 'visit.started');
    const ended = sut.events.filter((e) => e.type === 'visit.ended');
    expect(started).toHaveLength(6);
    expect(ended).toHaveLength(8);
    const passers = ended.filter((e) => (e.data as { passerBy: boolean }).passerBy);
    expect(passers).toHaveLength(2);
    expect(sut.events.some((e) => e.type === 'zone.entered' && e.storeId === STORE)).toBe(true);
    const crossings = sut.events.filter(
      (e) => e.type === 'occupancy.changed' && (e.data as { zoneId: unknown }).zoneId === null,
    );
    expect(crossings.map((e) => e.data)).toEqual([
      expect.objectContaining({ threshold: 5, direction: 'up', occupancy: 6 }),
      expect.objectContaining({ threshold: 5, direction: 'down', occupancy: 0 }),
    ]);
    const ids = new Set(
      sut.events
        .filter((e) => e.type === 'visit.ended')
        .map((e) => (e.data as { visitId: string }).visitId),
    );
    expect(ids.size).toBe(8);
  });

  it('writes each visit.ended to the webhook outbox once, in the transaction of its visit fact', async () => {
    const ended = sut.events.filter((e) => e.type === 'visit.ended');
    const rows = await sut.hub.get(DataSource).query<{ event_id: string; n: number }[]>(
      `SELECT event_id, count(*)::int AS n FROM webhook_messages
       WHERE event_type = 'visit.ended' GROUP BY event_id`,
    );
    expect(new Map(rows.map((r) => [r.event_id, r.n]))).toEqual(
      new Map(ended.map((e) => [e.id, 1])),
    );
    const facts = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM agg_visits WHERE store_id = $1`, [
        STORE,
      ]);
    expect(facts[0]?.n).toBe(ended.length);
  });

  it('serves the metrics to an admin unsuppressed', async () => {
    const q = `from=${HOUR.from}&to=${HOUR.to}&bucket=1h`;
    const visits = await sut.get(`/api/stores/${STORE}/metrics/visits?${q}`).expect(200);
    expect(visits.body).toMatchObject({ storeId: STORE, metric: 'visits', bucket: '1h', k: null });
    expect(visits.body.series).toEqual([{ start: HOUR.from, value: 6, suppressed: false }]);
    const passers = await sut.get(`/api/stores/${STORE}/metrics/passers-by?${q}`).expect(200);
    expect(passers.body.series[0].value).toBe(2);
    const capture = await sut.get(`/api/stores/${STORE}/metrics/capture-rate?${q}`).expect(200);
    expect(capture.body.series[0].value).toBe(0.75);
    const footfall = await sut.get(`/api/stores/${STORE}/metrics/footfall-in?${q}`).expect(200);
    expect(footfall.body.series[0].value).toBe(7);
    const dwell = await sut.get(`/api/stores/${STORE}/metrics/dwell?${q}&zone=aisle`).expect(200);
    expect(dwell.body.series[0]).toMatchObject({ count: 6, medianSeconds: 120, p90Seconds: 120 });
    const share = await sut.get(`/api/stores/${STORE}/metrics/device-share?${q}`).expect(200);
    expect(share.body.series[0]).toMatchObject({ people: 7, devices: 6 });
    expect(share.body.series[0].lower).toBeLessThan(6 / 7);
    expect(share.body.series[0].upper).toBeGreaterThan(6 / 7);
    const transitions = await sut.get(`/api/stores/${STORE}/metrics/transitions?${q}`).expect(200);
    expect(transitions.body.figure.cells).toEqual(
      expect.arrayContaining([{ from: 'entrance', to: 'aisle', count: 6 }]),
    );
    const minutes = await sut
      .get(`/api/stores/${STORE}/metrics/occupancy?${q.replace('1h', '1m')}&zone=aisle`)
      .expect(200);
    expect(minutes.body.series.length).toBeGreaterThanOrEqual(2);
  });

  it('suppresses small cells for a store manager, and refuses other stores', async () => {
    const q = `from=${HOUR.from}&to=${HOUR.to}&bucket=1h`;
    const visits = await sut
      .get(`/api/stores/${STORE}/metrics/visits?${q}`, managerKey)
      .expect(200);
    expect(visits.body.k).toBe(5);
    expect(visits.body.series[0]).toMatchObject({ value: 6, suppressed: false });
    const passers = await sut
      .get(`/api/stores/${STORE}/metrics/passers-by?${q}`, managerKey)
      .expect(200);
    expect(passers.body.series[0]).toMatchObject({ value: null, suppressed: true });
    const csv = await sut
      .get(`/api/stores/${STORE}/metrics/passers-by?${q}`, managerKey)
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toBe(`start,value,suppressed\r\n${HOUR.from},,true\r\n`);
    await sut.get(`/api/stores/demo/metrics/visits?${q}`, managerKey).expect(403);
    const bad = await sut
      .get(`/api/stores/${STORE}/metrics/nonsense?bucket=2h`, managerKey)
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/bucket/);
  });

  it('draws the heatmap as a JSON grid and a PNG', async () => {
    const q = `from=${HOUR.from}&to=${HOUR.to}`;
    const grid = await sut.get(`/api/stores/${STORE}/heatmap?${q}`).expect(200);
    expect(grid.body).toMatchObject({ cols: 10, rows: 10, cellM: 1 });
    // the aisle positions are at (5, 7): 6 shoppers × 2 min there
    expect(grid.body.dwellSeconds[7 * 10 + 5]).toBeGreaterThanOrEqual(6 * 110);
    const png = await sut
      .get(`/api/stores/${STORE}/heatmap?${q}&format=png`, managerKey)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const body = png.body as Buffer;
    expect(png.headers['content-type']).toBe('image/png');
    expect(body.subarray(1, 4).toString('ascii')).toBe('PNG');
    // 40 px per 1 m cell (the map about 600 px wide, at most 40 per cell), legend beside it.
    const width = body.readUInt32BE(16);
    const height = body.readUInt32BE(20);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(400);
    const idatLength = body.readUInt32BE(33);
    const raw = inflateSync(body.subarray(41, 41 + idatLength));
    expect(raw.length).toBe((width * 3 + 1) * height);
    const pixel = (x: number, y: number): number[] => {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      return [raw[i]!, raw[i + 1]!, raw[i + 2]!];
    };
    // y down like the JSON rows: the hot cell (5, 7) is 7 cells below the top edge, and the
    // cell mirrored to y-up, (5, 2), has no dwell (black).
    const { x: X0, y: Y0 } = HEATMAP_MAP_ORIGIN;
    expect(pixel(X0 + 5 * 40 + 20, Y0 + 7 * 40 + 20)).toEqual([220, 30, 30]);
    expect(pixel(X0 + 5 * 40 + 20, Y0 + 2 * 40 + 20)).toEqual([0, 0, 0]);
  });

  it('publishes aggregate.hourly after the hour closed, suppressed at k', async () => {
    clock.advance(60 * 60_000);
    await sut.hub.get(AggregationService).tick();
    const hourly = sut.events.find((e) => e.type === 'aggregate.hourly' && e.storeId === STORE);
    expect(hourly?.data).toMatchObject({
      hourStart: T0,
      visits: 6,
      passersBy: null,
      footfallIn: 7,
      footfallOut: 7,
      medianDwellSeconds: 160,
    });
  });

  it('aggregates a store created a moment ago: no position is lost before its first reload', async () => {
    const inputs = async (result: string) =>
      metricValue(await sut.metrics(), 'aisle_aggregation_inputs_total', {
        kind: 'position',
        result,
      });
    const unknownBefore = await inputs('unknown-store');
    const acceptedBefore = await inputs('accepted');
    const start = clock.now();
    // Created through the API: its config event reloads aggregation, no manual reload here.
    await sut
      .post('/api/stores', {
        id: 'agg-new-api',
        name: 'New store',
        timezone: 'UTC',
        width: 10,
        height: 10,
        policy: trackingPolicy('in-visit', {
          analytics: { visitGapSeconds: 60, minVisitSeconds: 30 },
        }),
      })
      .expect(201);
    // Written behind the hub's back (no event): its first positions must wait for the reload
    // they trigger, not be dropped.
    await sut.hub
      .get(DataSource)
      .getRepository(StoreEntity)
      .save({
        id: 'agg-new-db',
        name: 'New store (no event)',
        timezone: 'UTC',
        width: 10,
        height: 10,
        policy: trackingPolicy('in-visit', {
          analytics: { visitGapSeconds: 60, minVisitSeconds: 30 },
        }) as Record<string, unknown>,
      });
    const walks = ['agg-new-api', 'agg-new-db'].flatMap((storeId) =>
      ['n1', 'n2'].flatMap((s) => shopper(s, start).map((p) => ({ ...p, storeId }))),
    );
    for (const p of walks) sut.hub.get<HandOff<PositionUpdate>>(POSITIONS).publish(p);
    clock.advance(2 * 60_000);
    await sut.hub.get(AggregationService).tick();
    clock.advance(8 * 60_000);
    await sut.hub.get(AggregationService).tick();

    expect(await inputs('unknown-store')).toBe(unknownBefore);
    expect(await inputs('accepted')).toBe(acceptedBefore + walks.length);
    const q = `from=${new Date(start - 3_600_000).toISOString()}&to=${new Date(start + 3_600_000).toISOString()}&bucket=1h`;
    for (const storeId of ['agg-new-api', 'agg-new-db']) {
      const visits = await sut.get(`/api/stores/${storeId}/metrics/visits?${q}`).expect(200);
      const total = (visits.body.series as { value: number }[]).reduce((n, p) => n + p.value, 0);
      expect({ storeId, total }).toEqual({ storeId, total: 2 });
    }
  });

  it('drops (and counts) positions of a store that does not exist, after one reload', async () => {
    const unknown = async () =>
      metricValue(await sut.metrics(), 'aisle_aggregation_inputs_total', {
        kind: 'position',
        result: 'unknown-store',
      });
    const before = await unknown();
    const ghost = shopper('g1', clock.now()).map((p) => ({ ...p, storeId: 'agg-ghost' }));
    for (const p of ghost) sut.hub.get<HandOff<PositionUpdate>>(POSITIONS).publish(p);
    await sut.hub.get(AggregationService).reload();
    expect(await unknown()).toBe(before + ghost.length);
  });
});
