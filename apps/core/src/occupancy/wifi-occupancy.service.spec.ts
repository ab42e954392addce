import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { TrackingMode } from '@aisle/ingest';
import type { RadioSighting, Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import {
  OCCUPANCY_MAX_SAMPLES,
  OCCUPANCY_SERIES_LENGTH,
  WifiOccupancyService,
} from './wifi-occupancy.service.js';

const MIN = 60_000;
const INTERVAL = 5 * MIN;
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const SENSORS = ['s1', 's2', 's3'];

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Phone {
  id: number;
  arrive: number;
  leave: number;
  randomized: boolean;
  /** Probe burst every this many ms. */
  every: number;
  /** A randomised phone takes a new address this often. */
  rotateMs: number;
  phase: number;
}

/**
 * A shop floor: phones arrive and leave (stays of 10–40 min), 80 % with randomised addresses that
 * rotate every 1–4 min, each model with its own fingerprint; every burst is heard by three sensors.
 */
function shopFloor(seed: number, durationMs: number, arrivalsPerMin: number): Phone[] {
  const r = rng(seed);
  const phones: Phone[] = [];
  for (let t = 0; t < durationMs; t += MIN) {
    for (let k = 0; k < arrivalsPerMin; k += 1) {
      const arrive = T0 + t + Math.floor(r() * MIN);
      phones.push({
        id: phones.length,
        arrive,
        leave: arrive + (10 + Math.floor(r() * 30)) * MIN,
        randomized: r() < 0.8,
        every: 20_000 + Math.floor(r() * 40_000),
        rotateMs: (1 + Math.floor(r() * 4)) * MIN,
        phase: Math.floor(r() * 20_000),
      });
    }
  }
  return phones;
}

function sightingsAt(phones: readonly Phone[], storeId: string) {
  const out: RadioSighting[] = [];
  for (const p of phones) {
    for (let at = p.arrive + p.phase; at < p.leave; at += p.every) {
      const address = p.randomized ? Math.floor((at - p.arrive) / p.rotateMs) : 0;
      for (const [i, sensorId] of SENSORS.entries()) {
        out.push({
          storeId,
          sensorId,
          kind: 'wifi',
          at: at + i * 20,
          period: T0,
          subject: `pseudo-${p.id}-${address}`,
          rssi: -55 - i * 5,
          randomized: p.randomized,
          ...(p.randomized ? { fingerprint: `fp-${p.id}` } : {}),
        });
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** People present at any time in the interval (what a person counting at the door would say). */
function truth(phones: readonly Phone[], start: number): number {
  return phones.filter((p) => p.arrive < start + INTERVAL && p.leave > start).length;
}

function setUp(modes: Record<string, TrackingMode> = {}, k = 5) {
  const clock = new FakeClock(T0);
  const sightings = new Subject<Sighting>();
  const registry = new Registry();
  const sut = new WifiOccupancyService({
    sightings,
    clock,
    modeFor: (storeId) => modes[storeId] ?? 'count-only',
    kFor: () => k,
    registry,
  });
  sut.start();
  const feeds = new Map<readonly Phone[], { list: RadioSighting[]; next: number }>();
  /** Feeds the stream second by second on the fake clock, as sensors would. */
  const run = (phones: readonly Phone[], storeId: string, ms: number) => {
    let feed = feeds.get(phones);
    if (!feed) feeds.set(phones, (feed = { list: sightingsAt(phones, storeId), next: 0 }));
    const until = clock.now() + ms;
    while (clock.now() < until) {
      const to = clock.now() + 1_000;
      while (feed.next < feed.list.length && feed.list[feed.next]!.at < to) {
        const s = feed.list[feed.next]!;
        feed.next += 1;
        if (s.at >= clock.now() - 1_000) sightings.next({ ...s, storeId });
      }
      clock.advance(1_000);
    }
  };
  return { sut, clock, sightings, registry, run };
}

describe(WifiOccupancyService.name, () => {
  it('estimates the people present from a synthetic stream, per closed 5-min interval', () => {
    const { sut, run } = setUp();
    const phones = shopFloor(7, 60 * MIN, 2);
    run(phones, 'shop', 61 * MIN);
    const sutEstimate = sut.estimate('shop')!;
    expect(sutEstimate.method).toBe('wifi-probe-association');
    expect(sutEstimate.series).toHaveLength(OCCUPANCY_SERIES_LENGTH);
    // After the first 20 min the floor is in a steady state of a few dozen people.
    const steady = sutEstimate.series.filter((p) => p.start >= T0 + 20 * MIN);
    expect(steady.length).toBeGreaterThanOrEqual(7);
    for (const point of steady) {
      const expected = truth(phones, point.start);
      expect(expected).toBeGreaterThan(20);
      expect(Math.abs(point.estimate - expected)).toBeLessThanOrEqual(0.15 * expected);
    }
    expect(sutEstimate.current).toEqual(sutEstimate.series[sutEstimate.series.length - 1]);
  });

  it('keeps memory bounded: only the open interval and the merge window, capped per store', () => {
    const { sut, run } = setUp();
    const phones = shopFloor(3, 60 * MIN, 4);
    let most = 0;
    for (let m = 0; m < 60; m += 1) {
      run(phones, 'shop', MIN);
      most = Math.max(most, sut.heldSamples('shop'));
    }
    // ~100 phones present, one sample per 20–60 s each over at most 5 + 2 min (+ subject index).
    expect(most).toBeLessThan(2 * 100 * 21 + 1_000);
    expect(most).toBeGreaterThan(0);

    // A flood of distinct subjects is counted past the cap, never held.
    const { sut: flooded, clock, sightings } = setUp();
    for (let i = 0; i < OCCUPANCY_MAX_SAMPLES + 5_000; i += 1) {
      sightings.next({
        storeId: 'flood',
        sensorId: 's1',
        kind: 'wifi',
        at: clock.now(),
        period: T0,
        subject: `flood-${i}`,
        rssi: -50,
        randomized: true,
      });
    }
    expect(flooded.heldSamples('flood')).toBeLessThanOrEqual(2 * OCCUPANCY_MAX_SAMPLES);
    clock.advance(20 * MIN);
    expect(flooded.heldSamples('flood')).toBe(0);
  });

  it.each([1, 2])(
    'keeps a device (address not randomised) to minProbes = %i samples per interval, and counts it',
    async (minProbes) => {
      const clock = new FakeClock(T0);
      const sightings = new Subject<Sighting>();
      const registry = new Registry();
      const sut = new WifiOccupancyService({
        sightings,
        clock,
        modeFor: () => 'count-only',
        kFor: () => 5,
        registry,
        options: { minProbes },
      });
      sut.start();
      const DEVICES = 300;
      const held: number[] = [];
      // Every device heard every 2 s for 16 min, by one of three sensors; a randomised phone too.
      for (let t = 0; t < 16 * MIN; t += 2_000) {
        for (let d = 0; d < DEVICES; d += 1) {
          sightings.next({
            storeId: 'shop',
            sensorId: SENSORS[d % 3]!,
            kind: 'wifi',
            at: clock.now(),
            period: T0,
            subject: `dev-${d}`,
            rssi: -60,
            randomized: false,
          });
        }
        sightings.next({
          storeId: 'shop',
          sensorId: 's1',
          kind: 'wifi',
          at: clock.now(),
          period: T0,
          subject: `phone-${Math.floor(t / (3 * MIN))}`,
          rssi: -60,
          randomized: true,
          fingerprint: 'fp-phone',
        });
        clock.advance(2_000);
        held.push(sut.heldSamples('shop'));
      }
      // ≤ minProbes a device in the open interval and, until the tick after it closed (the close
      // lag), in the one before; the index of current stretches (one per subject); the phone's
      // samples and stretches (≤ 2 per 100 s over the interval and the association window, a new
      // address every 3 min: < 30). Before, a device kept 2 samples per 100 s over both (~10).
      expect(Math.max(...held)).toBeLessThanOrEqual(DEVICES * (2 * minProbes + 1) + 30);
      const series = sut.estimate('shop')!.series;
      expect(series.length).toBeGreaterThanOrEqual(2);
      for (const point of series) expect(point.estimate).toBe(DEVICES + 1);
      const enough = (await registry.getSingleMetric('aisle_wifi_occupancy_inputs_total')!.get())
        .values;
      expect(enough.find((v) => v.labels['result'] === 'enough')?.value).toBeGreaterThan(0);
      sut.stop();
    },
  );

  it('holds 20,000 devices heard without pause within its bound, and counts every one', async () => {
    const { sut, clock, sightings, registry } = setUp({}, 5);
    const DEVICES = 20_000;
    const EVERY = 10_000;
    // Half keep their address, half are randomised with a stable address per visit (pseudonyms
    // and fingerprints of their own): each device probes every 10 s on one of three sensors.
    const subject = Array.from({ length: DEVICES }, (_, d) => `dev-${d}`);
    const fingerprint = Array.from({ length: DEVICES }, (_, d) => `fp-${d}`);
    let most = 0;
    for (let t = 0; t < 12 * MIN; t += 1_000) {
      // Each second a tenth of the devices (those whose phase is this second) is heard.
      const phase = (t / 1_000) % (EVERY / 1_000);
      for (let d = phase; d < DEVICES; d += EVERY / 1_000) {
        const randomized = d % 2 === 1;
        sightings.next({
          storeId: 'big',
          sensorId: SENSORS[d % 3]!,
          kind: 'wifi',
          at: clock.now(),
          period: T0,
          subject: subject[d]!,
          rssi: -60,
          randomized,
          seq: (t / EVERY) % 4096,
          ...(randomized ? { fingerprint: fingerprint[d]! } : {}),
        });
      }
      clock.advance(1_000);
      most = Math.max(most, sut.heldSamples('big'));
    }
    expect(most).toBeLessThanOrEqual(OCCUPANCY_MAX_SAMPLES + DEVICES);
    // Without stretches every sixth probe would be kept: ~20,000 × 52 over 520 s.
    expect(most).toBeLessThan(DEVICES * 14);
    const closed = sut.estimate('big')!.series;
    expect(closed.length).toBeGreaterThanOrEqual(1);
    for (const point of closed) {
      expect(point).toMatchObject({
        estimate: DEVICES,
        low: DEVICES,
        high: DEVICES,
        subjects: DEVICES,
      });
    }
    const inputs = await registry.getSingleMetricAsString('aisle_wifi_occupancy_inputs_total');
    expect(inputs).not.toContain('result="overflow"');
    expect(inputs).toMatch(/result="thinned"\} [1-9]/);
  });

  it('works in count-only; an off store gets nothing and a store turned off is forgotten', () => {
    const modes: Record<string, TrackingMode> = { counted: 'count-only', dark: 'off' };
    const { sut, run, registry } = setUp(modes, 2);
    const phones = shopFloor(11, 10 * MIN, 1);
    run(phones, 'counted', 6 * MIN);
    run(phones, 'dark', MIN);
    expect(sut.estimate('counted')!.current!.estimate).toBeGreaterThan(0);
    expect(sut.estimate('dark')).toBeNull();
    return registry
      .getSingleMetricAsString('aisle_wifi_occupancy_estimate')
      .then((text) => {
        expect(text).toMatch(/aisle_wifi_occupancy_estimate\{store="counted"\} \d/);
        modes['counted'] = 'off';
        run(phones, 'counted', 20_000);
        expect(sut.estimate('counted')).toBeNull();
        return registry.getSingleMetricAsString('aisle_wifi_occupancy_estimate');
      })
      .then((text) => expect(text).not.toContain('store="counted"'));
  });

  it('never publishes the interval the hub started in: it heard only part of it', () => {
    const clock = new FakeClock(T0 + 2 * MIN);
    const sightings = new Subject<Sighting>();
    const sut = new WifiOccupancyService({
      sightings,
      clock,
      modeFor: () => 'count-only',
      kFor: () => 0,
      registry: new Registry(),
    });
    sut.start();
    const probe = (subject: string): RadioSighting => ({
      storeId: 'late-start',
      sensorId: 's1',
      kind: 'wifi',
      at: clock.now(),
      period: T0,
      subject,
      rssi: -50,
      randomized: false,
    });
    sightings.next(probe('a'));
    clock.advance(4 * MIN);
    expect(sut.estimate('late-start')!.current).toBeNull();
    sightings.next(probe('a'));
    sightings.next(probe('b'));
    clock.advance(5 * MIN);
    expect(sut.estimate('late-start')!.series).toEqual([
      { start: T0 + INTERVAL, end: T0 + 2 * INTERVAL, estimate: 2, low: 2, high: 2, subjects: 2 },
    ]);
  });

  it('links address changes by the sequence numbers the gate lets through', () => {
    const { sut, clock, sightings } = setUp({}, 0);
    // One phone, no fingerprint, a new pseudonym every 30 s, its frame counter running on.
    const probe = (i: number, period: number): RadioSighting => ({
      storeId: 'seq',
      sensorId: 's1',
      kind: 'wifi',
      at: clock.now(),
      period,
      subject: `p${period}-${i}`,
      rssi: -60,
      randomized: true,
      seq: (4000 + 12 * i) % 4096,
    });
    for (let i = 0; i < 10; i += 1) {
      sightings.next(probe(i, T0));
      clock.advance(30_000);
    }
    clock.advance(INTERVAL);
    expect(sut.estimate('seq')!.series[0]).toMatchObject({ estimate: 1, subjects: 1 });
  });

  it('withholds the public gauge below k', async () => {
    const { sut, sightings, clock, registry } = setUp({}, 5);
    for (const [i, subject] of ['a', 'b'].entries()) {
      sightings.next({
        storeId: 'tiny',
        sensorId: 's1',
        kind: 'wifi',
        at: clock.now() + i,
        period: T0,
        subject,
        rssi: -50,
        randomized: false,
      });
    }
    clock.advance(INTERVAL + 20_000);
    expect(sut.estimate('tiny')!.current).toMatchObject({ estimate: 2, subjects: 2 });
    expect(await registry.getSingleMetricAsString('aisle_wifi_occupancy_estimate')).not.toContain(
      'tiny',
    );
    expect(await registry.getSingleMetricAsString('aisle_wifi_occupancy_suppressed')).toContain(
      'aisle_wifi_occupancy_suppressed{store="tiny"} 1',
    );
  });
});
