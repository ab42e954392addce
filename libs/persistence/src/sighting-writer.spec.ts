import type { CameraSighting, RadioSighting, Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { SightingEntity } from './entities/sighting.entity.js';
import { MessageReceiptStore } from './message-receipts.js';
import { toSightingRow, toSightingValues } from './sighting-row.js';
import {
  copyBuffer,
  copyText,
  SightingsDroppedError,
  SightingWriteError,
  SightingWriter,
  type SightingWriterOptions,
} from './sighting-writer.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 9);

function radio(i: number, extra: Partial<RadioSighting> = {}): RadioSighting {
  return {
    storeId: 'demo',
    sensorId: 's1',
    kind: 'wifi',
    at: T0 + i,
    period: T0,
    subject: `subject-${i}`,
    rssi: -40 - (i % 50),
    randomized: i % 2 === 0,
    ...extra,
  };
}
const radios = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => radio(from + k));

async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe(SightingWriter.name, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let clock: FakeClock;
  let errors: (SightingWriteError | SightingsDroppedError)[];
  let sut: SightingWriter;

  const writer = (options: SightingWriterOptions = {}) =>
    new SightingWriter(dataSource, {
      clock,
      onError: (error) => errors.push(error),
      retryDelayMs: 100,
      maxRetryDelayMs: 100,
      ...options,
    });
  const storedRows = async () =>
    dataSource.getRepository(SightingEntity).find({ order: { at: 'ASC', id: 'ASC' } });
  const storedCount = async () => dataSource.getRepository(SightingEntity).count();
  const breakTable = () => dataSource.query('ALTER TABLE sightings RENAME TO sightings_off');
  const repairTable = () => dataSource.query('ALTER TABLE sightings_off RENAME TO sightings');

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = database.dataSource;
  });
  afterAll(() => database.close());
  beforeEach(() => {
    clock = new FakeClock(T0);
    errors = [];
  });
  afterEach(async () => {
    await sut?.close();
    await dataSource.query('DELETE FROM sightings');
  });

  describe.each(['insert', 'copy'] as const)('with %s', (method) => {
    it('writes N rows in ⌈N / batchSize⌉ statements: full batches at once, the rest on the timer', async () => {
      const query = jest.spyOn(dataSource, 'query');
      sut = writer({ method, batchSize: 100, flushIntervalMs: 250 });

      sut.enqueue(radios(0, 250));
      await eventually(() => sut.written === 200);
      clock.advance(249);
      expect(sut.buffered).toBe(50);
      clock.advance(1);
      await eventually(() => sut.written === 250);

      expect(sut.writes).toBe(3);
      expect(await storedCount()).toBe(250);
      const inserts = query.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO'));
      expect(inserts).toHaveLength(method === 'insert' ? 3 : 0);
      expect(errors).toEqual([]);
      query.mockRestore();
    });

    it('writes a backlog in larger transactions: backlogBatchSize rows while that many wait, then batchSize', async () => {
      sut = writer({ method, batchSize: 100, flushIntervalMs: 250 }); // backlog 4 × 100

      sut.enqueue(radios(0, 1000));
      await eventually(() => sut.written === 1000);

      // 400 + 400 while ≥ 400 waited, then 100 + 100 for the last 200.
      expect(sut.writes).toBe(4);
      expect(await storedCount()).toBe(1000);
      expect(errors).toEqual([]);
    });

    it('refuses a backlog batch outside batchSize..maxBuffered, naming the values', () => {
      expect(() => writer({ method, batchSize: 100, backlogBatchSize: 50 })).toThrow(
        'backlogBatchSize (50) must be between batchSize (100) and maxBuffered (100000)',
      );
      expect(() =>
        writer({ method, batchSize: 10, maxBuffered: 20, backlogBatchSize: 30 }),
      ).toThrow(/backlogBatchSize \(30\)/);
      expect(writer({ method, batchSize: 10, maxBuffered: 20 })).toBeInstanceOf(SightingWriter);
    });

    it('commits a message receipt with its rows: a failed transaction stores neither', async () => {
      const receipts = new MessageReceiptStore(dataSource);
      const receipt = { session: 'hub-1', packetId: 7, key: 'k7' };
      const other = { session: 'hub-1', packetId: 8, key: 'k8' };
      sut = writer({ method, batchSize: 100 });
      await dataSource.query(
        'ALTER TABLE message_receipt_batches RENAME TO message_receipt_batches_off',
      );
      try {
        sut.enqueue(radios(0, 3));
        void sut.stored(receipt);
        sut.enqueue(radios(3, 2));
        void sut.stored(other);
        await sut.flush().catch(() => undefined);
        expect(sut.failedAttempts).toBe(1);
        expect(await storedCount()).toBe(0); // the rows rolled back with their receipts
      } finally {
        await dataSource.query(
          'ALTER TABLE message_receipt_batches_off RENAME TO message_receipt_batches',
        );
      }
      clock.advance(100); // the retry
      await eventually(() => sut.written === 5);

      expect(await storedCount()).toBe(5);
      expect(
        await receipts.committed([receipt, other, { ...other, key: 'another message' }]),
      ).toEqual([true, true, false]);
      await dataSource.query('DELETE FROM message_receipt_batches');
    });

    it('never splits a message with a receipt across two transactions: the batch grows to its end', async () => {
      sut = writer({ method, batchSize: 4 });
      sut.enqueue(radios(0, 3));
      void sut.stored({ session: 'hub-1', packetId: 1, key: 'a' });
      sut.enqueue(radios(3, 3)); // rows 3–5: a batch of 4 would cut this message after row 3
      void sut.stored({ session: 'hub-1', packetId: 2, key: 'b' });
      await eventually(() => sut.written === 6);

      expect(sut.writes).toBe(1);
      await dataSource.query('DELETE FROM message_receipt_batches');
    });

    it('preserves every field of radio and camera sightings', async () => {
      const tricky = 'tab\there, newline\nthere, back\\slash, \\N, quote\' "dq", ünïcødé 🛒';
      const sightings: Sighting[] = [
        radio(1, {
          kind: 'ble',
          beacon: true,
          channel: 37,
          txPower: -59,
          fingerprint: tricky,
          subject: tricky,
        }),
        radio(2),
        {
          storeId: 'demo',
          sensorId: 'cam\r1',
          kind: 'camera',
          at: T0 + 3,
          period: T0,
          lineId: 'door',
          zoneId: 'entrance',
          entries: 2_000_000_000,
          exits: 0,
          occupancy: 12,
          intervalStart: T0 - 60_000,
          subject: 'track-7',
        } satisfies CameraSighting,
        { storeId: 'demo', sensorId: 'cam', kind: 'camera', at: T0 + 4, period: T0 },
      ];
      sut = writer({ method });

      sut.enqueue(sightings);
      await sut.flush();

      const stored = (await storedRows()).map(({ id, ...row }) => {
        expect(id).toMatch(/^\d+$/);
        return row;
      });
      expect(stored).toEqual(sightings.map(toSightingRow));
    });
  });

  it('splits a batch too big for one INSERT (65,535 parameters) inside one transaction', async () => {
    const query = jest.spyOn(dataSource, 'query');
    const transaction = jest.spyOn(dataSource, 'transaction');
    sut = writer({ method: 'insert', batchSize: 4000 });

    sut.enqueue(radios(0, 4000));
    await sut.flush();

    expect(await storedCount()).toBe(4000);
    expect(sut.writes).toBe(1);
    expect(transaction).toHaveBeenCalledTimes(1);
    const inserts = query.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO'));
    expect(inserts.map(([, parameters]) => parameters!.length / 18)).toEqual([3640, 360]);
    expect(inserts.every(([, , runner]) => runner !== undefined)).toBe(true); // the transaction's
    query.mockRestore();
    transaction.mockRestore();
  });

  it('keeps the rows of a failed write, retries with back-off and loses none', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    sut = writer({ batchSize: 10 });
    await breakTable();

    sut.enqueue(radios(0, 25)); // two full batches: the first write fails
    await eventually(() => sut.failedAttempts === 1);
    clock.advance(100); // retry (back-off capped at 100 ms): fails again
    await eventually(() => sut.failedAttempts === 2);

    expect(sut.written).toBe(0);
    expect(sut.buffered).toBe(25);
    expect(errors.every((e) => e instanceof SightingWriteError)).toBe(true);
    expect(errors[0]).toMatchObject({ rows: 10, attempt: 1 });
    expect(errors[1]).toMatchObject({ attempt: 2 });
    expect(errors[1]!.message).toMatch(/sightings/);

    await repairTable();
    clock.advance(100);
    await eventually(() => sut.written === 25);

    expect(await storedCount()).toBe(25);
    expect((await storedRows()).map((r) => r.subject)).toEqual(radios(0, 25).map((s) => s.subject));
    expect(sut.dropped).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  it('waits for the retry timer, not the flush interval, after a failure', async () => {
    sut = writer({
      batchSize: 10,
      flushIntervalMs: 250,
      retryDelayMs: 1000,
      maxRetryDelayMs: 1000,
    });
    await breakTable();
    sut.enqueue(radios(0, 5)); // arms the flush timer
    sut.enqueue(radios(5, 10)); // a full batch: written now, and fails
    await eventually(() => sut.failedAttempts === 1);

    clock.advance(250);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sut.failedAttempts).toBe(1);

    await repairTable();
    clock.advance(1000);
    await eventually(() => sut.written === 15);
    expect(sut.failedAttempts).toBe(1);
  });

  it('rejects flush() when the write fails, and a later flush() writes the rows', async () => {
    sut = writer();
    await breakTable();
    sut.enqueue(radios(0, 5));

    await expect(sut.flush()).rejects.toBeInstanceOf(SightingWriteError);
    await repairTable();
    await sut.flush();

    expect(await storedCount()).toBe(5);
  });

  it('drops the oldest rows beyond maxBuffered, counts and reports them', async () => {
    sut = writer({ batchSize: 10, maxBuffered: 100 });
    await breakTable();
    sut.enqueue(radios(0, 10));
    await expect(sut.flush()).rejects.toBeInstanceOf(SightingWriteError);

    sut.enqueue(radios(10, 140)); // 150 held > 100: the 50 oldest go

    expect(sut.dropped).toBe(50);
    expect(sut.buffered).toBe(100);
    await repairTable();
    await sut.flush();

    expect(sut.written).toBe(100);
    expect((await storedRows()).map((r) => r.at.getTime())).toEqual(
      radios(50, 100).map((s) => s.at),
    );
    const dropped = errors.filter((e) => e instanceof SightingsDroppedError);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'overflow', count: 50 })]);
  });

  it('refuses rows the database would refuse, and writes the rest', async () => {
    sut = writer();

    sut.enqueue([radio(0), radio(1, { rssi: 99999 }), radio(2)]);
    await sut.flush();

    expect(sut.rejected).toBe(1);
    expect(sut.written).toBe(2);
    expect(errors).toEqual([expect.objectContaining({ reason: 'invalid', count: 1 })]);
    expect(errors[0]!.message).toMatch(/rssi/);
  });

  it('writes what is left on close, then counts later rows as dropped', async () => {
    sut = writer();
    sut.enqueue(radios(0, 7));

    await sut.close();
    sut.enqueue(radios(7, 2));

    expect(await storedCount()).toBe(7);
    expect(sut.dropped).toBe(2);
    expect(errors).toEqual([expect.objectContaining({ reason: 'closed', count: 2 })]);
    expect(clock.pending).toBe(0);
  });

  it('gives up on close after closeTimeoutMs, reporting what it could not write', async () => {
    sut = writer({ closeTimeoutMs: 0 });
    await breakTable();
    sut.enqueue(radios(0, 3));

    await sut.close();
    await eventually(() => sut.dropped === 3); // the write in flight fails after close returned
    await repairTable();

    expect(sut.buffered).toBe(0);
    expect(errors.map((e) => e.name)).toEqual(['SightingWriteError', 'SightingsDroppedError']);
    expect(errors[1]).toMatchObject({ reason: 'closed', count: 3 });
  });

  it('does not let a hung write hold close() beyond closeTimeoutMs', async () => {
    sut = writer({ closeTimeoutMs: 1000 });
    const blocker = dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    if (database.kind === 'postgres') {
      await blocker.query('LOCK TABLE sightings IN ACCESS EXCLUSIVE MODE'); // the COPY waits
    } // PGlite: the open transaction holds the only session, so the write waits for it
    sut.enqueue(radios(0, 4));

    const closed = sut.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(1000);
    await closed;

    expect(sut.written).toBe(0);
    await blocker.rollbackTransaction();
    await blocker.release();
    await eventually(() => sut.written === 4); // the write in flight still completes
    expect(sut.dropped).toBe(0);
  });

  it('gives consecutive stored() callers one promise until a write takes their rows, at most a batch of rows', async () => {
    sut = writer({ batchSize: 4 });
    const promises: Promise<void>[] = [];
    for (let i = 0; i < 5; i += 1) {
      sut.enqueue(radios(i, 1));
      promises.push(sut.stored());
    }
    // The first four rows are one batch: one promise; the fifth row would make the group bigger.
    expect(new Set(promises.slice(0, 4)).size).toBe(1);
    expect(promises[4]).not.toBe(promises[0]);
    await promises[0];
    expect(sut.written).toBe(4); // settled once the last of the group is stored, not before
    let fifth = false;
    void promises[4]!.then(() => (fifth = true));
    sut.enqueue(radios(5, 1));
    const sixth = sut.stored();
    expect(sixth).toBe(promises[4]); // rows 4 and 5 still wait: same group
    await Promise.resolve();
    expect(fifth).toBe(false);
    clock.advance(250); // the flush interval writes the partial batch
    await sixth;
    expect(sut.written).toBe(6);
    expect(await sut.stored()).toBeUndefined(); // nothing pending: settled at once
  });

  it('writeNow() writes a partial batch at once, without a promise to wait on', async () => {
    sut = writer({ batchSize: 100 });
    sut.enqueue(radios(0, 3));
    const stored = sut.stored();

    expect(sut.writeNow()).toBeUndefined();
    await stored; // no clock advance: not the flush interval's doing
    expect(sut.written).toBe(3);
    sut.writeNow(); // nothing pending: nothing to do
    expect(sut.writes).toBe(1);
  });

  it('flushes nothing when empty, and keeps no timer when idle', async () => {
    sut = writer();

    await sut.flush();

    expect(clock.pending).toBe(0);
  });
});

describe(copyText.name, () => {
  it('writes COPY text format: tabs between cells, \\N for null, escaped specials', () => {
    const row = toSightingValues(
      radio(0, { subject: 'a\tb\nc\\d\re', sensorId: '\\N', fingerprint: 'fp' }),
    );

    const line = copyText([row]);

    expect(line.endsWith('\n')).toBe(true);
    const cells = line.slice(0, -1).split('\t');
    expect(cells).toHaveLength(18);
    expect(cells[5]).toBe('a\\tb\\nc\\\\d\\re');
    expect(cells[1]).toBe('\\\\N');
    expect(cells[11]).toBe('\\N'); // the fingerprint is never stored
    expect(cells[9]).toBe('\\N');
    expect(cells[7]).toBe('t');
    expect(cells[3]).toBe(new Date(T0).toISOString());
  });

  it('writes times, integers and plain ids as their strings would read', () => {
    const camera: CameraSighting = {
      storeId: 'demo',
      sensorId: 'door-cam',
      kind: 'camera',
      at: Date.UTC(1969, 11, 31, 23, 59, 59, 7),
      period: Date.UTC(9999, 11, 31),
      lineId: 'entrance',
      entries: 2_147_483_647,
      exits: 0,
      occupancy: 40,
      intervalStart: Date.UTC(2026, 0, 1, 9, 0, 5, 120),
    };
    const rows = [
      toSightingValues(camera),
      toSightingValues(
        radio(7, { rssi: -32768, channel: 165, txPower: -4, subject: 'x'.repeat(70) }),
      ),
      toSightingValues(radio(8, { sensorId: 'tilde~ and space', at: T0 + 59_999 })),
    ];
    const cell = (v: string | number | boolean | null) =>
      v === null ? '\\N' : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
    const expected = rows
      .map((r) =>
        [
          r.storeId,
          r.sensorId,
          r.kind,
          new Date(r.at).toISOString(),
          new Date(r.period).toISOString(),
          r.subject,
          r.rssi,
          r.randomized,
          r.beacon,
          r.channel,
          r.txPower,
          r.fingerprint,
          r.lineId,
          r.zoneId,
          r.entries,
          r.exits,
          r.occupancy,
          r.intervalStart === null ? null : new Date(r.intervalStart).toISOString(),
        ]
          .map(cell)
          .join('\t'),
      )
      .join('\n');

    expect(copyText(rows)).toBe(`${expected}\n`);
  });

  it('writes the bytes straight into a buffer that grows past its estimate, UTF-8 intact', () => {
    const long = 'é\t'.repeat(400); // far more than the per-row estimate
    const rows = [
      toSightingValues(radio(0, { subject: long, sensorId: 'capteur-été' })),
      toSightingValues(radio(1)),
    ];

    const bytes = copyBuffer(rows);

    const text = bytes.toString('utf8');
    expect(text).toBe(copyText(rows));
    const [first, second] = text.slice(0, -1).split('\n');
    expect(first?.split('\t')[5]).toBe('é\\t'.repeat(400));
    expect(first?.split('\t')[1]).toBe('capteur-été');
    expect(second?.split('\t')).toHaveLength(18);
  });
});
