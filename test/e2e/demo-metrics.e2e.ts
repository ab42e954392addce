import { QUERY_METRICS } from '@aisle/aggregation';
import { FakeClock } from '@aisle/sdk/testing';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { AggregationService, observe, SIGHTINGS, type HandOff, StoreDirectory } from '@aisle/core';
import { type Sighting } from '@aisle/sdk';

/**
 * A weekday late morning (Berlin), the demo store busy. Not on the hour: the demo publishes the
 * second before it starts at once, which must fall in the same hourly bucket as the rest.
 */
const T0 = Date.UTC(2026, 2, 10, 10, 0, 30);
/**
 * Simulated minutes of the running demo: shoppers who came in after the start grace (those inside
 * at the start are not counted) leave, and their visits close 30 s + lateness later.
 */
const SIMULATED_S = 12 * 60;
/** The shortest visit gap the policy validator allows (analytics.visitGapSeconds ≥ 30). */
const VISIT_GAP_S = 30;

interface Point {
  start: string;
  value: number | null;
  suppressed: boolean;
  [extra: string]: unknown;
}

describe('the demo store through the API: every metric after a few (fake-clock) minutes', () => {
  let sut: TestHub;
  const clock = new FakeClock(T0);
  const body: Record<string, { series?: Point[]; figure?: Record<string, unknown> }> = {};
  let heatmap: { cols: number; rows: number; dwellSeconds: number[]; visits: number[] };

  beforeAll(async () => {
    sut = await startTestHub({ demo: true, clock });
    // Visits close after the gap: the validator's minimum keeps the test within seconds.
    const store = await sut.get('/api/stores/demo').expect(200);
    const policy = store.body.policy as Record<string, unknown>;
    await sut
      .patch('/api/stores/demo', {
        policy: {
          ...policy,
          analytics: { ...(policy['analytics'] as object), visitGapSeconds: VISIT_GAP_S },
        },
      })
      .expect(200);
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(AggregationService).reload();

    // The simulator runs on the hub's clock: one simulated second per step, each step's MQTT
    // batches through the broker, driver, gate and localisation before the next.
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

    const q = `from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(clock.now() + 3_600_000).toISOString()}&bucket=1h`;
    for (const metric of QUERY_METRICS) {
      body[metric] = (await sut.get(`/api/stores/demo/metrics/${metric}?${q}`).expect(200)).body;
    }
    heatmap = (await sut.get(`/api/stores/demo/heatmap?${q.replace('&bucket=1h', '')}`).expect(200))
      .body;
  }, 300_000);

  afterAll(async () => {
    await sut?.stop();
  });

  const total = (metric: string): number =>
    (body[metric]?.series ?? []).reduce((n, p) => n + (p.value ?? 0), 0);

  it('counts visits, passers-by, unique and repeat visitors, and the capture rate', () => {
    const visits = total('visits');
    const passers = total('passers-by');
    expect(visits).toBeGreaterThanOrEqual(5);
    expect(passers).toBeGreaterThanOrEqual(5);
    expect(total('unique-visitors')).toBeGreaterThan(0);
    expect(total('unique-visitors')).toBeLessThanOrEqual(visits);
    // Every bucket with visits has a repeat-visitor figure (0 while addresses are fresh).
    expect(body['repeat-visitors']?.series?.length).toBe(body['visits']?.series?.length);
    expect(total('repeat-visitors')).toBeLessThanOrEqual(visits - total('unique-visitors') + 1);
    expect(body['returning-members']?.series?.length).toBe(body['visits']?.series?.length);
    const rates = (body['capture-rate']?.series ?? []).map((p) => p.value);
    expect(rates.length).toBeGreaterThan(0);
    for (const rate of rates) {
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThan(1);
    }
  });

  it('counts the door both ways with the camera, and occupancy and dwell from the visits', () => {
    const entries = total('footfall-in');
    const exits = total('footfall-out');
    // ~6 shoppers a minute through the door for six minutes (the counter misses a few).
    expect(entries).toBeGreaterThan(15);
    expect(exits).toBeGreaterThan(15);
    expect(Math.abs(entries - exits)).toBeLessThan(Math.max(entries, exits));
    const occupancy = (body['occupancy']?.series ?? []).map((p) => p.value ?? 0);
    expect(Math.max(...occupancy)).toBeGreaterThan(0);
    const dwell = body['dwell']?.series ?? [];
    expect(dwell.length).toBeGreaterThan(0);
    for (const p of dwell) {
      expect(p['count']).toBeGreaterThan(0);
      // A shopper: entrance, 2–5 stops of 10–90 s, checkout 30–120 s; the median within that.
      expect(p['medianSeconds']).toBeGreaterThan(10);
      expect(p['medianSeconds']).toBeLessThan(20 * 60);
    }
  });

  it('shows zone transitions and paths inside the store', () => {
    const cells = (body['transitions']?.figure?.['cells'] ?? []) as { count: number }[];
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((c) => c.count > 0)).toBe(true);
    const paths = (body['paths']?.figure?.['paths'] ?? []) as { path: string[] }[];
    expect(paths.length).toBeGreaterThan(0);
    expect(JSON.stringify(paths)).not.toMatch(/pharmacy/);
  });

  it('calibrates the device share by the camera and estimates people from devices', () => {
    const shares = (body['device-share']?.series ?? []).filter((p) => p.value !== null);
    expect(shares.length).toBeGreaterThan(0);
    for (const p of shares) {
      expect(p['people']).toBeGreaterThan(0);
      expect(p['devices']).toBeGreaterThan(0);
      expect(p.value).toBeGreaterThan(0);
      expect(p.value).toBeLessThanOrEqual(1);
      expect(p['lower']).toBeLessThanOrEqual(p.value as number);
      expect(p['upper']).toBeGreaterThanOrEqual(p.value as number);
    }
    const estimates = (body['people-estimate']?.series ?? []).filter((p) => p.value !== null);
    expect(estimates.length).toBeGreaterThan(0);
    for (const p of estimates) {
      expect(p.value).toBeGreaterThanOrEqual(p['devices'] as number);
    }
  });

  it('draws a heatmap over the floor plan, nothing in the pharmacy', () => {
    expect(heatmap).toMatchObject({ cols: 30, rows: 20 });
    const warm = heatmap.dwellSeconds.filter((s) => s > 0).length;
    expect(warm).toBeGreaterThan(10);
    // The pharmacy (x 21–30, y 6–20) is a sensitive zone: no positions, no dwell.
    let pharmacy = 0;
    for (let y = 7; y < 20; y += 1) {
      for (let x = 22; x < 30; x += 1) pharmacy += heatmap.dwellSeconds[y * 30 + x] ?? 0;
    }
    expect(pharmacy).toBe(0);
  });
});
