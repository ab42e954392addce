import { expectedRssi } from '@aisle/localisation';
import type { Observation, PositionUpdate, Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { trackingPolicy } from '../support/policies.js';
import { expectNoRawMac } from '../support/raw-mac.js';
import { metricValue, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import {
  AggregationService,
  IngestPipeline,
  observe,
  POSITIONS,
  SIGHTINGS,
  type HandOff,
  StoreDirectory,
  SensitiveZoneScrubber,
  LocalisationService,
} from '@aisle/core';
import { SightingWriter } from '@aisle/persistence';

const STORE = 'pos-e2e';
const COUNTING = 'pos-count-only';
const rect = (minX: number, minY: number, maxX: number, maxY: number) => [
  { x: minX, y: minY },
  { x: maxX, y: minY },
  { x: maxX, y: maxY },
  { x: minX, y: maxY },
];
const RADIOS = [
  { id: 'r1', x: 1, y: 1 },
  { id: 'r2', x: 19, y: 1 },
  { id: 'r3', x: 19, y: 11 },
  { id: 'r4', x: 1, y: 11 },
  { id: 'r5', x: 10, y: 6 },
];
const SHOPPER = 'da:a1:19:4c:2b:7e';
const PATIENT = '7e:4b:90:c3:11:08';
const BEACONS = [
  { beaconId: 'ibeacon:a15e0000-0000-4000-8000-0000000000e2:1:1', x: 4, y: 3, z: 2 },
  { beaconId: 'ibeacon:a15e0000-0000-4000-8000-0000000000e2:1:2', x: 15, y: 9, z: 2 },
];
/** Deterministic ±2 dB "noise". */
const wobble = (i: number): number => 2 * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

/** What the five sensors report of a phone's Wi-Fi probe at (x, y), at 1.2 m. */
function probes(storeId: string, mac: string, x: number, y: number, at: number): Observation[] {
  return RADIOS.map((r, i) => ({
    storeId,
    sensorId: r.id,
    kind: 'wifi',
    mac,
    at,
    rssi: Math.round(
      expectedRssi({
        calibration: { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 },
        distance: Math.hypot(x - r.x, y - r.y, 1.3),
      }) + wobble(i + at / 1000),
    ),
  }));
}

/** What they hear of the reference beacons (−59 dBm at 1 m, exponent 2.8). */
function beaconReadings(storeId: string, at: number): Observation[] {
  return BEACONS.flatMap((b, k) =>
    RADIOS.map((r, i) => ({
      storeId,
      sensorId: r.id,
      kind: 'ble' as const,
      beaconId: b.beaconId,
      reference: { x: b.x, y: b.y, z: b.z },
      at,
      rssi: Math.round(
        expectedRssi({
          calibration: { measuredPower: -59, pathLossExponent: 2.8, receiverOffset: 0 },
          distance: Math.hypot(b.x - r.x, b.y - r.y, 0.5),
        }) + wobble(7 * k + i + at / 1000),
      ),
    })),
  );
}

describe('positions through the hub: sightings → localisation → API, aggregation, scrubber', () => {
  const clock = new FakeClock(Date.now());
  let sut: TestHub;
  let managerKey: string;
  let subscriberKey: string;

  beforeAll(async () => {
    // The shopper walks in right after the start: no start grace (demo-restart.e2e has it).
    sut = await startTestHub({ clock, startGraceSeconds: 0 });
    for (const [id, mode] of [
      [STORE, 'in-visit'],
      [COUNTING, 'count-only'],
    ] as const) {
      await sut
        .post('/api/stores', {
          id,
          name: id,
          timezone: 'UTC',
          width: 20,
          height: 12,
          // A visit counts from 10 s inside (the test's shopper stays 20 s) and ends after 60 s.
          policy: trackingPolicy(mode, {
            analytics: { visitGapSeconds: 60, minVisitSeconds: 10 },
          }),
        })
        .expect(201);
      for (const r of RADIOS) {
        await sut
          .post(`/api/stores/${id}/sensors`, {
            id: r.id,
            domain: 'aisle-mqtt',
            x: r.x,
            y: r.y,
            z: 2.5,
            calibration: { measuredPower: -45, pathLossExponent: 2.5 },
          })
          .expect(201);
      }
      await sut
        .post(`/api/stores/${id}/zones`, {
          id: 'aisle',
          name: 'Aisle',
          polygon: rect(0, 0, 12, 12),
          tags: ['aisle'],
        })
        .expect(201);
      await sut
        .post(`/api/stores/${id}/zones`, {
          id: 'pharmacy',
          name: 'Pharmacy',
          polygon: rect(12, 0, 20, 12),
          tags: ['pharmacy', 'sensitive'],
        })
        .expect(201);
    }
    const manager = await sut
      .post('/api/keys', { name: 'manager', role: 'store-manager', storeIds: [STORE] })
      .expect(201);
    managerKey = manager.body.key as string;
    const subscriber = await sut
      .post('/api/keys', { name: 'sub', role: 'subscriber', storeIds: [STORE] })
      .expect(201);
    subscriberKey = subscriber.body.key as string;
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(LocalisationService).reload();
    await sut.hub.get(AggregationService).reload();

    // 20 s: a shopper in the aisle, a patient at the pharmacy counter, the reference beacons.
    for (let s = 0; s < 20; s += 1) {
      const at = clock.now();
      for (const storeId of [STORE, COUNTING]) {
        for (const o of [
          ...probes(storeId, SHOPPER, 5, 6, at),
          ...probes(storeId, PATIENT, 16, 6, at),
          ...beaconReadings(storeId, at),
        ]) {
          sut.hub.get(IngestPipeline).ingest(o);
        }
      }
      clock.advance(1_000);
    }
  }, 90_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('serves current positions with uncertainty and zone; the gate pseudonym to admin only', async () => {
    const res = await sut.get(`/api/stores/${STORE}/positions`).expect(200);
    expect(res.body).toMatchObject({ storeId: STORE, mode: 'in-visit', reason: null });
    const positions = res.body.positions as {
      subject: string;
      x: number;
      y: number;
      uncertainty: number;
      zoneId: string | null;
      method: string;
      sensorCount: number;
      at: string;
    }[];
    // The patient is in a sensitive zone: never shown.
    expect(positions).toHaveLength(1);
    const [shopper] = positions;
    expect(shopper).toMatchObject({
      zoneId: 'aisle',
      method: 'multilateration',
      sensorCount: 5,
      kind: 'wifi',
    });
    expect(Math.hypot(shopper!.x - 5, shopper!.y - 6)).toBeLessThan(2);
    expect(shopper!.uncertainty).toBeGreaterThan(0);
    expect(shopper!.uncertainty).toBeLessThan(5);
    await sut.hub.get(SightingWriter).flush();
    const stored = await sut.hub
      .get(DataSource)
      .query<{ subject: string }[]>(
        "SELECT DISTINCT subject FROM sightings WHERE store_id = $1 AND kind = 'wifi'",
        [STORE],
      );
    expect(stored.map((r) => r.subject)).toContain(shopper!.subject);

    const forManager = await sut.get(`/api/stores/${STORE}/positions`, managerKey).expect(200);
    const managerSubject = (forManager.body.positions as { subject: string }[])[0]?.subject;
    expect(managerSubject).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.map((r) => r.subject)).not.toContain(managerSubject);
    expect(managerSubject).not.toBe(shopper!.subject);
    for (const body of [res.text, forManager.text]) expectNoRawMac(body, 'positions response');
  });

  it('scopes the positions API like other store routes', async () => {
    await sut.get(`/api/stores/${COUNTING}/positions`, managerKey).expect(403);
    await sut.get(`/api/stores/${STORE}/positions`, subscriberKey).expect(403);
    await sut.get('/api/stores/nowhere/positions').expect(404);
  });

  it('deletes the stored sightings of the subject in the sensitive zone, and keeps the others', async () => {
    clock.advance(2_000); // the scrubber's interval
    await sut.hub.get(SensitiveZoneScrubber).flush();
    await sut.hub.get(SightingWriter).flush();
    const rows = await sut.hub
      .get(DataSource)
      .query<{ subject: string; n: number }[]>(
        "SELECT subject, count(*)::int AS n FROM sightings WHERE store_id = $1 AND kind = 'wifi' GROUP BY subject",
        [STORE],
      );
    // The shopper's 100 probes remain; of the patient's, at most the first few seconds before the
    // first fix in the pharmacy (the look-back covers the localisation window).
    expect(rows).toEqual([{ subject: expect.any(String), n: 100 }]);
    expect(metricValue(await sut.metrics(), 'aisle_sensitive_zone_sightings_deleted_total')).toBe(
      100,
    );
  });

  it('never stores reference-beacon sightings', async () => {
    const rows = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>("SELECT count(*)::int AS n FROM sightings WHERE kind = 'ble'");
    expect(rows[0]?.n).toBe(0);
  });

  it('gives aggregation the shopper and no zone event for the sensitive zone', async () => {
    // Positions in the sensitive zone that reach the stream anyway (not from localisation, which
    // never publishes them) are dropped by aggregation too.
    const now = clock.now();
    for (let i = 0; i < 15; i += 1) {
      sut.hub.get<HandOff<PositionUpdate>>(POSITIONS).publish({
        storeId: STORE,
        subject: 'direct',
        period: now - (now % 86_400_000),
        kind: 'wifi',
        at: now - 15_000 + i * 1_000,
        x: 16,
        y: 6,
        uncertainty: 1,
        zoneId: 'pharmacy',
        method: 'multilateration',
        sensorCount: 5,
      });
    }
    clock.advance(3 * 60_000);
    await sut.hub.get(AggregationService).tick();
    expect(
      metricValue(await sut.metrics(), 'aisle_aggregation_inputs_total', { result: 'sensitive' }),
    ).toBe(15);
    const zoneEvents = sut.events.filter(
      (e) => (e.type === 'zone.entered' || e.type === 'zone.exited') && e.storeId === STORE,
    );
    expect(zoneEvents.map((e) => (e.data as { zoneId: string }).zoneId)).toContain('aisle');
    expect(zoneEvents.some((e) => (e.data as { zoneId: string }).zoneId === 'pharmacy')).toBe(
      false,
    );
    expect(
      sut.events.filter((e) => e.type === 'visit.started' && e.storeId === STORE),
    ).toHaveLength(1);
    for (const event of sut.events) expectNoRawMac(JSON.stringify(event), `event ${event.type}`);
  });

  it('shows no positions in count-only, with the reason, and publishes none', async () => {
    const res = await sut.get(`/api/stores/${COUNTING}/positions`).expect(200);
    expect(res.body).toMatchObject({
      mode: 'count-only',
      positions: [],
      reason: 'tracking mode is count-only: no per-device position is kept or shown',
    });
    expect(sut.events.some((e) => e.storeId === COUNTING && e.type.startsWith('visit.'))).toBe(
      false,
    );
    const metrics = await sut.metrics();
    expect(metricValue(metrics, 'aisle_positions_total', { result: 'withheld' })).toBeGreaterThan(
      0,
    );
    expect(metricValue(metrics, 'aisle_positions_total', { result: 'published' })).toBeGreaterThan(
      0,
    );
  });

  it('exposes the calibration fitted from the reference beacons, in use', async () => {
    const res = await sut.get(`/api/stores/${STORE}/calibration`, managerKey).expect(200);
    expect(res.body).toMatchObject({
      storeId: STORE,
      inUse: true,
      reason: null,
      references: 2,
      perSensorOffsets: true,
      fittedAt: expect.any(String),
    });
    expect(Math.abs(res.body.pathLossExponent - 2.8)).toBeLessThan(0.3);
    expect(res.body.samples).toBeGreaterThanOrEqual(100);
    expect(res.body.sensors).toHaveLength(5);
    for (const s of res.body.sensors as { samples: number; receiverOffset: number }[]) {
      expect(s.samples).toBeGreaterThan(0);
      expect(Math.abs(s.receiverOffset)).toBeLessThan(2);
    }
  });

  it('serves the coverage grid of the layout, with the calibrated exponent', async () => {
    const res = await sut.get(`/api/stores/${STORE}/coverage?step=2`, managerKey).expect(200);
    expect(res.body).toMatchObject({
      storeId: STORE,
      step: 2,
      cols: 10,
      rows: 6,
      source: 'calibration',
      sensors: ['r1', 'r2', 'r3', 'r4', 'r5'],
    });
    expect(res.body.values).toHaveLength(6);
    expect(res.body.median).toBeGreaterThan(0);
    expect(res.body.median).toBeLessThan(5);
    const bad = await sut.get(`/api/stores/${STORE}/coverage?step=0`).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/step/);
  });
});

/**
 * The demo store on a fake clock: the simulator, localisation and calibration all run on the
 * hub's clock, so the test counts simulated seconds, not wall time. Each simulated second waits
 * for that second's sightings to come through the broker, driver and gate (an event, however
 * long a loaded machine takes), so CI cannot fail on load alone.
 */
describe('the demo store: positions and calibration from the simulator over MQTT', () => {
  /** A weekday afternoon (the demo store is open and busy). */
  const clock = new FakeClock(Date.UTC(2026, 2, 10, 14, 0, 0));
  let sut: TestHub;
  let latest = 0;
  let waiting: (() => void) | null = null;
  let subscription: { unsubscribe(): void } | undefined;

  /** Advances the hub's clock one second at a time, each once its sightings are in. */
  async function simulate(seconds: number, done?: () => Promise<boolean>): Promise<boolean> {
    for (let t = 0; t < seconds; t += 1) {
      clock.advance(1_000);
      // The simulator publishes every second: wait for this second's sightings, event-driven.
      if (latest === 0) {
        // The simulator's first batch comes with a later step: until it is in, only let the
        // broker and the driver run (nothing is lost: later steps wait for their sightings).
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      while (latest < clock.now() - 1_000) {
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
      }
      if (done && t % 5 === 4 && (await done())) return true;
    }
    return done ? done() : true;
  }

  beforeAll(async () => {
    sut = await startTestHub({ demo: true, clock });
    // The demo store was written at start: localisation reads it before the clock moves.
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(LocalisationService).reload();
    subscription = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) => {
      if (s.at > latest) latest = s.at;
      const wake = waiting;
      waiting = null;
      wake?.();
    });
  }, 60_000);

  afterAll(async () => {
    subscription?.unsubscribe();
    await sut?.stop();
  });

  it('shows positions with uncertainty and zones, and a calibration in use', async () => {
    let positions: { zoneId: string | null; uncertainty: number }[] = [];
    // Alone ~15 simulated seconds; 120 leaves room for an unlucky seed, never for load.
    const placed = await simulate(120, async () => {
      const res = await sut.get('/api/stores/demo/positions').expect(200);
      positions = res.body.positions as typeof positions;
      return new Set(positions.map((p) => p.zoneId).filter(Boolean)).size >= 2;
    });
    expect(placed).toBe(true);
    expect(positions.every((p) => p.uncertainty > 0 && Number.isFinite(p.uncertainty))).toBe(true);
    expect(positions.some((p) => p.zoneId === 'pharmacy')).toBe(false);
    let calibration: Record<string, unknown> = {};
    // Refitted every 15 simulated seconds once 50 readings from 3 sensors are in.
    const fitted = await simulate(120, async () => {
      calibration = (await sut.get('/api/stores/demo/calibration').expect(200)).body as Record<
        string,
        unknown
      >;
      return calibration['inUse'] === true;
    });
    expect(fitted).toBe(true);
    // The simulator's truth: exponent 2.5, no receiver offsets (the first fit has ~15 s of
    // readings at σ = 4 dB, so it is within a few tenths).
    expect(Math.abs((calibration['pathLossExponent'] as number) - 2.5)).toBeLessThan(0.5);
    for (const s of calibration['sensors'] as {
      sensorId: string;
      receiverOffset: number | null;
    }[]) {
      if (s.sensorId.startsWith('radio-')) {
        expect(Math.abs(s.receiverOffset ?? NaN)).toBeLessThan(3);
      }
    }
    expect(calibration['references']).toBe(2);
    const coverage = await sut.get('/api/stores/demo/coverage').expect(200);
    expect(coverage.body.sensors).toHaveLength(7); // the camera is not a radio anchor
    expect(coverage.body).toMatchObject({ cols: 30, rows: 20 });
  }, 300_000);
});
