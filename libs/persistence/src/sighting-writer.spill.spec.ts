import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RadioSighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import type { DataSource } from 'typeorm';
import { SightingEntity } from './entities/sighting.entity.js';
import {
  backoffDelay,
  SightingsDroppedError,
  SightingWriteError,
  SightingWriter,
  type SightingWriterOptions,
} from './sighting-writer.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 9);

function radio(i: number): RadioSighting {
  return {
    storeId: 'demo',
    sensorId: 's1',
    kind: 'wifi',
    at: T0 + i,
    period: T0,
    subject: `subject-${i}`,
    rssi: -50,
    randomized: false,
  };
}
const radios = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => radio(from + k));

/** Lets the writer's real I/O (database, file) run between fake-clock steps. */
const io = () => new Promise((resolve) => setTimeout(resolve, 5));

describe(`${SightingWriter.name} (acknowledgement, spill, replay)`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let clock: FakeClock;
  let folder: string;
  let errors: (SightingWriteError | SightingsDroppedError)[];
  let sut: SightingWriter;

  const writer = (options: SightingWriterOptions = {}) =>
    new SightingWriter(dataSource, {
      clock,
      onError: (error) => errors.push(error),
      retryDelayMs: 100,
      maxRetryDelayMs: 100,
      spill: { path: join(folder, 'spill.jsonl'), maxBytes: 10_000_000, afterMs: 1000 },
      ...options,
    });
  const storedAts = async () =>
    (await dataSource.getRepository(SightingEntity).find({ order: { id: 'ASC' } })).map(
      (row) => row.at.getTime() - T0,
    );
  const breakTable = () => dataSource.query('ALTER TABLE sightings RENAME TO sightings_off');
  const repairTable = () => dataSource.query('ALTER TABLE sightings_off RENAME TO sightings');
  /** Advances the fake clock in steps until `check` holds (each step lets real I/O run). */
  async function until(check: () => boolean, stepMs = 50, steps = 400): Promise<void> {
    for (let i = 0; i < steps; i += 1) {
      if (check()) return;
      await io();
      if (check()) return;
      clock.advance(stepMs);
    }
    throw new Error('condition not met');
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = database.dataSource;
  });
  afterAll(() => database.close());
  beforeEach(async () => {
    clock = new FakeClock(T0);
    errors = [];
    folder = await mkdtemp(join(tmpdir(), 'aisle-spill-'));
  });
  afterEach(async () => {
    await sut?.close();
    await repairTable().catch(() => undefined); // a failed test may leave it renamed
    await dataSource.query('DELETE FROM sightings');
    await rm(folder, { recursive: true, force: true });
  });

  it('resolves stored() only once the rows are committed, never at enqueue', async () => {
    sut = writer({ spill: undefined });
    let stored = false;
    sut.enqueue(radios(0, 3));
    void sut.stored().then(() => (stored = true));

    await io();
    expect(stored).toBe(false); // buffered: the message must not be acknowledged yet
    clock.advance(250);
    await until(() => stored, 1);

    expect(await storedAts()).toEqual([0, 1, 2]);
  });

  it('holds rows (stored() pending) while writes fail, spills them after afterMs, replays in order when the database is back', async () => {
    sut = writer();
    await sut.open();
    await breakTable();
    sut.enqueue(radios(0, 10));
    let firstStored = false;
    void sut.stored().then(() => (firstStored = true));

    clock.advance(250); // the write fails
    await until(() => sut.failedAttempts === 1, 1);
    expect(firstStored).toBe(false); // back-pressure: not acknowledged
    expect(sut.status()).toMatchObject({ backlog: 10, spilledRows: 0 });
    // The fake clock may have moved on a few ms while the failing write ran.
    expect(sut.status().failingSince).toBeGreaterThanOrEqual(T0 + 250);

    await until(() => sut.isSpilling && firstStored, 100);
    expect(sut.status()).toMatchObject({ backlog: 0, spilledRows: 10 });
    expect(sut.status().oldestUnstoredAt).toBe(T0);

    sut.enqueue(radios(10, 5)); // while spilling, new rows follow into the file
    await sut.stored();
    expect(sut.status().spilledRows).toBe(15);
    expect(sut.status().spillBytes).toBeGreaterThan(0);

    await repairTable();
    await until(() => !sut.isSpilling && sut.written === 15, 100);
    sut.enqueue(radios(15, 2));
    clock.advance(250);
    await until(() => sut.written === 17, 10);

    expect(await storedAts()).toEqual([...Array(17).keys()]);
    expect(sut.status()).toMatchObject({ backlog: 0, spilledRows: 0, spillBytes: 0 });
    expect(sut.status().oldestUnstoredAt).toBeNull();
    expect(sut.dropped).toBe(0);
    expect(await readFile(join(folder, 'spill.jsonl'), 'utf8')).toBe('');
  });

  it('drops (counted and reported) only past the spill file size limit', async () => {
    sut = writer({ spill: { path: join(folder, 'spill.jsonl'), maxBytes: 2000, afterMs: 0 } });
    await sut.open();
    await breakTable();
    sut.enqueue(radios(0, 5));
    clock.advance(250);
    await until(() => sut.isSpilling, 10);
    await sut.stored();

    sut.enqueue(radios(5, 100)); // far more than 2,000 bytes
    await sut.stored(); // knowingly dropped: stored() settles, and says so in the counts

    expect(sut.dropped).toBe(100);
    expect(sut.status().spilledRows).toBe(5);
    const dropped = errors.filter((e) => e instanceof SightingsDroppedError);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'disk-limit', count: 100 })]);
    await repairTable();
    await until(() => sut.written === 5, 100);
  });

  it('keeps spilled rows across a restart and replays them before newer rows', async () => {
    const first = writer({ closeTimeoutMs: 0 });
    await first.open();
    await breakTable();
    first.enqueue(radios(0, 4));
    clock.advance(250);
    await until(() => first.failedAttempts >= 1, 1);
    await first.close(); // the database is down: the rows go to the file, not away
    expect(first.dropped).toBe(0);
    await repairTable();

    sut = writer();
    await sut.open();
    expect(sut.status().spilledRows).toBe(4);
    sut.enqueue(radios(4, 2));
    await until(() => sut.written === 6 && !sut.isSpilling, 50);

    expect(await storedAts()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('spills at once when the memory backlog passes maxBuffered', async () => {
    sut = writer({ batchSize: 10, maxBuffered: 20 });
    await sut.open();
    await breakTable();
    sut.enqueue(radios(0, 10));
    await until(() => sut.failedAttempts === 1, 1);

    sut.enqueue(radios(10, 15)); // 25 held > 20
    await sut.stored();

    expect(sut.isSpilling).toBe(true);
    expect(sut.status().spilledRows).toBe(25);
    await repairTable();
    await until(() => sut.written === 25 && !sut.isSpilling, 100);
    expect(await storedAts()).toEqual([...Array(25).keys()]);
  });

  it('holds a waiting source back instead of spilling while the database is only slower', async () => {
    sut = writer({ batchSize: 10, maxBuffered: 20 });
    await sut.open();
    expect(sut.pressure()).toBeNull();

    sut.enqueue(radios(0, 25)); // 25 held > 20, the database takes writes
    const held = sut.pressure();
    expect(held).not.toBeNull();
    await until(() => sut.buffered <= 15);
    await held;

    expect(sut.isSpilling).toBe(false);
    expect(sut.status().spilledRows).toBe(0);
    expect(sut.held).toBe(1);
    await until(() => sut.written === 25, 300);
    expect(sut.pressure()).toBeNull();
    expect(await storedAts()).toEqual([...Array(25).keys()]);
  });

  it('holds a waiting source back batch by batch while the spill file is replayed', async () => {
    sut = writer({ batchSize: 10, maxBuffered: 20 });
    await sut.open();
    await breakTable();
    sut.enqueue(radios(0, 10));
    await until(() => sut.failedAttempts === 1, 1);
    sut.enqueue(radios(10, 30));
    await sut.stored();
    expect(sut.status().spilledRows).toBe(40);
    expect(sut.pressure()).toBeNull(); // the database refuses writes: the file takes the rows

    await repairTable();
    const hold: { on: Promise<void> | null } = { on: null };
    await until(() => (hold.on = sut.pressure()) !== null, 20);
    await hold.on; // let go by a replayed batch, while the rest of the file still waits
    expect(sut.status().spilledRows).toBeGreaterThan(0);

    await until(() => sut.written === 40 && !sut.isSpilling, 100);
    expect(sut.pressure()).toBeNull();
    expect(await storedAts()).toEqual([...Array(40).keys()]);
  });
});

describe(backoffDelay.name, () => {
  it('starts small, doubles per failure, is capped, and jitters between 50 and 100 %', () => {
    const at = (failures: number, random: number) =>
      backoffDelay({ failures, baseMs: 25, maxMs: 1000, random: () => random });

    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => at(n, 1))).toEqual([
      25, 50, 100, 200, 400, 800, 1000, 1000,
    ]);
    expect(at(1, 0)).toBe(13);
    expect(at(20, 0)).toBe(500);
    expect(at(1000, 0.999)).toBeLessThanOrEqual(1000);
  });
});
