import pino from 'pino';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { expectedRssi } from '@aisle/localisation';
import {
  SensorEntity,
  StoreConfigRepository,
  StoreEntity,
  SightingWriter,
  ZoneEntity,
  openTestDatabase,
  type TestDatabase,
} from '@aisle/persistence';
import type { TrackingMode } from '@aisle/ingest';
import type { PositionUpdate, RadioSighting, Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { StoreDirectory } from '../stores/store-directory.js';
import { SensitiveZoneScrubber } from './sensitive-zone-scrubber.js';
import {
  CALIBRATION_FIT_MS,
  LocalisationService,
  POSITION_TTL_MS,
} from './localisation.service.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const STORE = 'loc';
const RADIOS = [
  { id: 'r1', x: 1, y: 1 },
  { id: 'r2', x: 19, y: 1 },
  { id: 'r3', x: 19, y: 11 },
  { id: 'r4', x: 1, y: 11 },
  { id: 'r5', x: 10, y: 6 },
];
const rect = (minX: number, minY: number, maxX: number, maxY: number) => [
  { x: minX, y: minY },
  { x: maxX, y: minY },
  { x: maxX, y: maxY },
  { x: minX, y: maxY },
];
/** The calibration the sightings are made with (what the sensors are configured with). */
const CAL = { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 };
/** Deterministic ±1.5 dB "noise". */
const wobble = (i: number): number => 1.5 * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

function readings(params: {
  subject: string;
  x: number;
  y: number;
  at: number;
  exponent?: number;
  reference?: { x: number; y: number; z: number };
}): RadioSighting[] {
  const z = params.reference?.z ?? 1.2;
  return RADIOS.map((r, i) => ({
    storeId: STORE,
    sensorId: r.id,
    subject: params.subject,
    period: T0 - (T0 % 86_400_000),
    kind: 'ble',
    randomized: true,
    at: params.at,
    rssi:
      expectedRssi({
        calibration: { ...CAL, pathLossExponent: params.exponent ?? CAL.pathLossExponent },
        distance: Math.hypot(params.x - r.x, params.y - r.y, 2.5 - z),
      }) + wobble(i + params.at / 1000 + params.x),
    ...(params.reference ? { beacon: true, reference: params.reference } : {}),
  }));
}

describe(LocalisationService.name, () => {
  let database: TestDatabase;
  let clock: FakeClock;
  let sightings: Subject<Sighting>;
  let directory: StoreDirectory;
  let published: PositionUpdate[];
  let scrubbed: PositionUpdate[];
  let mode: TrackingMode;
  let registry: Registry;
  let writer: SightingWriter;
  let scrubber: SensitiveZoneScrubber;
  let sut: LocalisationService;

  beforeAll(async () => {
    database = await openTestDatabase();
    const ds = database.dataSource;
    await ds.getRepository(StoreEntity).save({
      id: STORE,
      name: 'Localisation store',
      timezone: 'UTC',
      width: 20,
      height: 12,
      policy: {},
    });
    await ds.getRepository(SensorEntity).save([
      ...RADIOS.map((r) => ({
        storeId: STORE,
        id: r.id,
        domain: 'radio-plugin',
        name: null,
        x: r.x,
        y: r.y,
        z: 2.5,
        calibration: { measuredPower: CAL.measuredPower, pathLossExponent: CAL.pathLossExponent },
        config: {},
        enabled: true,
      })),
      {
        storeId: STORE,
        id: 'cam',
        domain: 'camera-plugin',
        name: null,
        x: 10,
        y: 0.5,
        z: 3,
        calibration: {},
        config: {},
        enabled: true,
      },
    ]);
    await ds.getRepository(ZoneEntity).save([
      { storeId: STORE, id: 'left', name: 'Left', polygon: rect(0, 0, 12, 12), tags: ['aisle'] },
      {
        storeId: STORE,
        id: 'chemist',
        name: 'Chemist',
        polygon: rect(12, 0, 20, 12),
        tags: ['pharmacy'],
      },
    ]);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    clock = new FakeClock(T0);
    sightings = new Subject();
    directory = new StoreDirectory({
      repository: new StoreConfigRepository(database.dataSource),
      logger: pino({ level: 'silent' }),
    });
    await directory.load();
    published = [];
    scrubbed = [];
    mode = 'in-visit';
    registry = new Registry();
    const positions = { publish: (p: PositionUpdate) => published.push(p) };
    writer = new SightingWriter(database.dataSource);
    scrubber = new SensitiveZoneScrubber({
      dataSource: database.dataSource,
      writer,
      // Its own clock: only its zones are used here, and its flush timer is not the service's.
      clock: new FakeClock(T0),
      logger: pino({ level: 'silent' }),
      directory,
    });
    await scrubber.start();
    sut = new LocalisationService({
      directory,
      sightings,
      positions,
      // The hub's own judge of sensitive zones (from the zones' tags); what it is handed is recorded.
      sensitive: {
        zoneOf: (p) => scrubber.zoneOf(p),
        observe: (p) => scrubbed.push(p),
      },
      clock,
      logger: pino({ level: 'silent' }),
      modeFor: (storeId) => (storeId === STORE ? mode : undefined),
      isRadioDomain: (domain) => domain === 'radio-plugin',
      registry,
    });
    await sut.start();
  });

  afterEach(async () => {
    await sut.stop();
    await scrubber.stop();
    await writer.close();
  });

  /** Sightings of `subject` at (x, y) every second for `seconds`, the clock moving along. */
  function walk(subject: string, x: number, y: number, seconds: number): void {
    for (let i = 0; i < seconds; i += 1) {
      for (const s of readings({ subject, x, y, at: clock.now() })) sightings.next(s);
      clock.advance(1_000);
    }
  }

  async function counter(name: string, result: string): Promise<number> {
    const metric = await registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) => v.labels['result'] === result)?.value ?? 0;
  }

  it('publishes positions with uncertainty and zone once a second from radio sightings', async () => {
    walk('aa', 5, 6, 5);
    expect(published.length).toBeGreaterThanOrEqual(4);
    const last = published[published.length - 1]!;
    expect(last).toMatchObject({
      storeId: STORE,
      subject: 'aa',
      zoneId: 'left',
      method: 'multilateration',
      sensorCount: 5,
    });
    expect(Math.hypot(last.x - 5, last.y - 6)).toBeLessThan(1.5);
    expect(last.uncertainty).toBeGreaterThan(0);
    expect(last.uncertainty).toBeLessThan(5);
    expect(await counter('aisle_positions_total', 'published')).toBe(published.length);
    expect(await counter('aisle_localisation_inputs_total', 'accepted')).toBe(25);
  });

  it('keeps current positions for the API, re-keyed per viewer, until they go idle', () => {
    walk('aa', 5, 6, 3);
    const [own] = sut.currentPositions(STORE);
    expect(own?.subject).toBe('aa');
    const [forKey1] = sut.currentPositions(STORE, 'key-1');
    const [forKey2] = sut.currentPositions(STORE, 'key-2');
    expect(forKey1?.subject).toMatch(/^[0-9a-f]{32}$/);
    expect(forKey1?.subject).not.toBe(forKey2?.subject);
    expect(sut.currentPositions(STORE, 'key-1')[0]?.subject).toBe(forKey1?.subject);
    clock.advance(POSITION_TTL_MS + 1_000);
    expect(sut.currentPositions(STORE)).toEqual([]);
  });

  it('hands positions in a sensitive zone to the scrubber and never publishes them', async () => {
    walk('bb', 16, 6, 5);
    expect(scrubbed.length).toBeGreaterThanOrEqual(4);
    expect(scrubbed.every((p) => p.subject === 'bb' && p.zoneId === 'chemist')).toBe(true);
    expect(published).toEqual([]);
    expect(sut.currentPositions(STORE)).toEqual([]);
    expect(await counter('aisle_positions_total', 'sensitive')).toBe(scrubbed.length);
  });

  it('treats a point inside a sensitive zone as sensitive even while hysteresis labels it elsewhere', async () => {
    walk('dd', 6, 6, 8);
    const before = published.length;
    expect(published.at(-1)?.zoneId).toBe('left');
    // Straight into the chemist: the first fixes past the boundary may still carry "left".
    walk('dd', 15, 6, 6);
    const after = published.slice(before);
    expect(after.every((p) => p.x < 12)).toBe(true);
    expect(scrubbed.length).toBeGreaterThan(0);
    expect(scrubbed.every((p) => p.zoneId === 'chemist')).toBe(true);
  });

  it('publishes and keeps nothing where the mode keeps no per-device data', async () => {
    mode = 'count-only';
    walk('cc', 5, 6, 4);
    expect(published).toEqual([]);
    expect(sut.currentPositions(STORE)).toEqual([]);
    expect(await counter('aisle_positions_total', 'withheld')).toBeGreaterThan(0);
  });

  it('counts bad input and goes on with the stream', async () => {
    const good = readings({ subject: 'dd', x: 5, y: 6, at: clock.now() })[0]!;
    sightings.next({ ...good, storeId: 'nowhere' });
    sightings.next({ ...good, sensorId: 'r9' });
    sightings.next({ ...good, sensorId: 'cam' }); // a camera: not a radio anchor
    sightings.next({ ...good, rssi: Number.NaN });
    sightings.next({ ...good, at: Number.POSITIVE_INFINITY });
    sightings.next(null as unknown as Sighting);
    walk('dd', 5, 6, 3);
    expect(await counter('aisle_localisation_inputs_total', 'unknown_store')).toBe(1);
    expect(await counter('aisle_localisation_inputs_total', 'unknown_sensor')).toBe(2);
    expect(await counter('aisle_localisation_inputs_total', 'invalid')).toBe(2);
    expect(await counter('aisle_localisation_inputs_total', 'internal_error')).toBe(1);
    expect(published.some((p) => p.subject === 'dd')).toBe(true);
  });

  it('reloads sensors and zones on a configuration change', async () => {
    const zones = database.dataSource.getRepository(ZoneEntity);
    try {
      await zones.save({
        storeId: STORE,
        id: 'left',
        name: 'Left',
        polygon: rect(0, 0, 3, 12),
        tags: ['aisle'],
      });
      await zones.save({
        storeId: STORE,
        id: 'middle',
        name: 'Middle',
        polygon: rect(3, 0, 12, 12),
        tags: [],
      });
      await directory.reload();
      walk('ee', 5, 6, 3);
      expect(published[published.length - 1]?.zoneId).toBe('middle');
    } finally {
      await zones.delete({ storeId: STORE, id: 'middle' });
      await zones.save({
        storeId: STORE,
        id: 'left',
        name: 'Left',
        polygon: rect(0, 0, 12, 12),
        tags: ['aisle'],
      });
    }
  });

  it('fits calibration from reference beacons, applies it and uses it for coverage', () => {
    expect(sut.calibration(STORE)).toMatchObject({ inUse: false, reason: 'not fitted yet' });
    expect(sut.coverage(STORE, 1)).toMatchObject({
      source: 'configuration',
      pathLossExponent: 2.5,
      sensors: ['r1', 'r2', 'r3', 'r4', 'r5'],
      cols: 20,
      rows: 12,
    });
    const beacons = [
      { x: 4, y: 3, z: 1 },
      { x: 15, y: 9, z: 1 },
    ];
    for (let i = 0; i < CALIBRATION_FIT_MS / 1_000 + 1; i += 1) {
      for (const reference of beacons) {
        for (const s of readings({
          subject: 'ref',
          ...reference,
          at: clock.now(),
          exponent: 3,
          reference,
        })) {
          sightings.next(s);
        }
      }
      clock.advance(1_000);
    }
    const status = sut.calibration(STORE)!;
    expect(status).toMatchObject({
      inUse: true,
      reason: null,
      references: 2,
      perSensorOffsets: true,
    });
    expect(Math.abs((status.pathLossExponent ?? 0) - 3)).toBeLessThan(0.3);
    expect(status.sensors.map((s) => s.sensorId)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(status.sensors.every((s) => s.samples > 0 && s.receiverOffset !== null)).toBe(true);
    expect(status.fittedAt).toBe(status.attemptedAt);
    // Reference beacons are never positioned.
    expect(published.some((p) => p.subject === 'ref')).toBe(false);
    const coverage = sut.coverage(STORE, 1)!;
    expect(coverage.source).toBe('calibration');
    expect(coverage.pathLossExponent).toBe(status.pathLossExponent);
    expect(coverage.median).toBeGreaterThan(0);
  });

  it('stops cleanly: no timers left, nothing published after stop', async () => {
    await sut.stop();
    expect(clock.pending).toBe(0);
    for (const s of readings({ subject: 'ff', x: 5, y: 6, at: clock.now() })) sightings.next(s);
    clock.advance(5_000);
    expect(published).toEqual([]);
  });
});
