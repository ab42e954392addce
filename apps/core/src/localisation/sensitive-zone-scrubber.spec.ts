import pino from 'pino';
import {
  SightingWriter,
  StoreConfigRepository,
  StoreEntity,
  ZoneEntity,
  openTestDatabase,
  type TestDatabase,
} from '@aisle/persistence';
import type { PositionUpdate, RadioSighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { StoreDirectory } from '../stores/store-directory.js';
import {
  SCRUB_INTERVAL_MS,
  SENSITIVE_LOOKBACK_MS,
  SensitiveZoneScrubber,
} from './sensitive-zone-scrubber.js';

const STORE = 'scrub';
const OTHER = 'scrub-other';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const PERIOD = Date.UTC(2026, 0, 5);
const square = [
  { x: 0, y: 0 },
  { x: 5, y: 0 },
  { x: 5, y: 5 },
  { x: 0, y: 5 },
];

function sighting(storeId: string, subject: string, at: number): RadioSighting {
  return {
    storeId,
    sensorId: 'r1',
    subject,
    period: PERIOD,
    kind: 'wifi',
    rssi: -60,
    randomized: true,
    at,
  };
}

function position(
  storeId: string,
  subject: string,
  zoneId: string | null,
  at: number,
): PositionUpdate {
  return {
    storeId,
    subject,
    period: PERIOD,
    kind: 'wifi',
    at,
    x: 2,
    y: 2,
    uncertainty: 1,
    zoneId,
    method: 'multilateration',
    sensorCount: 3,
  };
}

describe(SensitiveZoneScrubber.name, () => {
  let database: TestDatabase;
  let writer: SightingWriter;
  let clock: FakeClock;
  let directory: StoreDirectory;
  let scrubbed: number[];
  let sut: SensitiveZoneScrubber;

  const rows = async (storeId: string, subject: string): Promise<number[]> => {
    const result = await database.dataSource.query<{ at: Date }[]>(
      'SELECT at FROM sightings WHERE store_id = $1 AND subject = $2 ORDER BY at',
      [storeId, subject],
    );
    return result.map((r) => new Date(r.at).getTime());
  };

  beforeAll(async () => {
    database = await openTestDatabase();
    const ds = database.dataSource;
    for (const id of [STORE, OTHER]) {
      await ds
        .getRepository(StoreEntity)
        .save({ id, name: id, timezone: 'UTC', width: 10, height: 10, policy: {} });
    }
    await ds.getRepository(ZoneEntity).save([
      { storeId: STORE, id: 'pharmacy', name: 'Pharmacy', polygon: square, tags: ['pharmacy'] },
      { storeId: STORE, id: 'aisle', name: 'Aisle', polygon: square, tags: ['aisle'] },
      // Same zone id in another store, not sensitive there.
      { storeId: OTHER, id: 'pharmacy', name: 'Not one', polygon: square, tags: [] },
    ]);
  });

  afterAll(async () => {
    await writer?.close();
    await database?.close();
  });

  beforeEach(async () => {
    await database.dataSource.query('DELETE FROM sightings');
    clock = new FakeClock(T0);
    writer = new SightingWriter(database.dataSource);
    directory = new StoreDirectory({
      repository: new StoreConfigRepository(database.dataSource),
      logger: pino({ level: 'silent' }),
    });
    await directory.load();
    scrubbed = [];
    sut = new SensitiveZoneScrubber({
      dataSource: database.dataSource,
      writer,
      clock,
      logger: pino({ level: 'silent' }),
      directory,
      onScrubbed: (n) => scrubbed.push(n),
    });
    await sut.start();
  });

  afterEach(async () => {
    await sut.stop();
    await writer.close();
  });

  it('knows which zones are sensitive, per store', () => {
    expect(sut.isSensitive(STORE, 'pharmacy')).toBe(true);
    expect(sut.isSensitive(STORE, 'aisle')).toBe(false);
    expect(sut.isSensitive(STORE, null)).toBe(false);
    expect(sut.isSensitive(OTHER, 'pharmacy')).toBe(false);
  });

  it('finds the sensitive zone of a position by its label, else by its point', () => {
    const at = (zoneId: string | null, x: number, y: number, storeId = STORE) => ({
      storeId,
      zoneId,
      x,
      y,
    });
    expect(sut.zoneOf(at('pharmacy', 50, 50))).toBe('pharmacy');
    // Hysteresis may still say "aisle" (or nothing) while the point is inside the pharmacy.
    expect(sut.zoneOf(at('aisle', 2, 2))).toBe('pharmacy');
    expect(sut.zoneOf(at(null, 2, 2))).toBe('pharmacy');
    expect(sut.zoneOf(at('aisle', 50, 50))).toBeNull();
    expect(sut.zoneOf(at('pharmacy', 2, 2, OTHER))).toBeNull();
  });

  it('deletes the stored sightings behind a position in a sensitive zone; others stay', async () => {
    const at = T0 + 60_000;
    const older = at - SENSITIVE_LOOKBACK_MS - 5_000;
    // The subject's sightings: one before the look-back, three behind the fix, one after it.
    for (const t of [older, at - 20_000, at - 10_000, at, at + 5_000]) {
      writer.enqueue([sighting(STORE, 'visitor', t)]);
    }
    // Someone else at the same time, and the same pseudonym in another store.
    for (const t of [at - 10_000, at]) {
      writer.enqueue([sighting(STORE, 'bystander', t), sighting(OTHER, 'visitor', t)]);
    }
    sut.observe(position(STORE, 'visitor', 'pharmacy', at));
    sut.observe(position(STORE, 'bystander', 'aisle', at));
    sut.observe(position(OTHER, 'visitor', 'pharmacy', at));
    // Still in the writer's buffer: the scrubber flushes it first.
    expect(await sut.flush()).toBe(3);
    expect(scrubbed).toEqual([3]);
    expect(await rows(STORE, 'visitor')).toEqual([older, at + 5_000]);
    expect(await rows(STORE, 'bystander')).toEqual([at - 10_000, at]);
    expect(await rows(OTHER, 'visitor')).toEqual([at - 10_000, at]);
  });

  it('deletes on its own timer and widens one span over several fixes', async () => {
    for (let t = T0; t <= T0 + 40_000; t += 10_000) writer.enqueue([sighting(STORE, 'v', t)]);
    await writer.flush();
    sut.observe(position(STORE, 'v', 'pharmacy', T0 + 30_000));
    sut.observe(position(STORE, 'v', 'pharmacy', T0 + 40_000));
    clock.advance(SCRUB_INTERVAL_MS);
    await sut.stop(); // waits for the timer's deletion
    expect(await rows(STORE, 'v')).toEqual([]);
  });

  it('picks up a zone that became sensitive after a zone change', async () => {
    const zones = database.dataSource.getRepository(ZoneEntity);
    await zones.save({
      storeId: STORE,
      id: 'aisle',
      name: 'Aisle',
      polygon: square,
      tags: ['sensitive'],
    });
    try {
      await directory.reload();
      expect(sut.isSensitive(STORE, 'aisle')).toBe(true);
      writer.enqueue([sighting(STORE, 'w', T0)]);
      sut.observe(position(STORE, 'w', 'aisle', T0));
      expect(await sut.flush()).toBe(1);
    } finally {
      await zones.save({
        storeId: STORE,
        id: 'aisle',
        name: 'Aisle',
        polygon: square,
        tags: ['aisle'],
      });
    }
  });
});
