import type { DataSource } from 'typeorm';
import {
  MessageReceiptStore,
  RECEIPTS_KEPT_PER_SESSION,
  receiptStatements,
  type MessageReceipt,
} from './message-receipts.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

describe(MessageReceiptStore.name, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let sut: MessageReceiptStore;

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = database.dataSource;
    sut = new MessageReceiptStore(dataSource);
  });
  afterAll(() => database.close());
  afterEach(async () => {
    await dataSource.query('DELETE FROM message_receipt_batches');
    await dataSource.query('DELETE FROM message_receipts');
  });

  /** Commits `receipts` as the sighting writer does with one batch of rows. */
  const commit = (receipts: MessageReceipt[]) =>
    dataSource.transaction(async (manager) => {
      for (const { sql, parameters } of receiptStatements(dataSource, receipts)) {
        await manager.query(sql, parameters);
      }
    });
  const r = (packetId: number, key: string, session = 'hub-1'): MessageReceipt => ({
    session,
    packetId,
    key,
  });
  const batchRows = async () =>
    Number(
      (
        await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM message_receipt_batches')
      )[0]!.n,
    );

  it('writes one row per batch and session, and finds each message of it by id and key', async () => {
    await commit([r(1, 'a'), r(2, 'b'), r(1, 'c', 'publisher:s1')]);

    expect(await batchRows()).toBe(2);
    expect(
      await sut.committed([
        r(1, 'a'),
        r(2, 'b'),
        r(1, 'c', 'publisher:s1'),
        r(3, 'x'),
        r(2, 'other'),
      ]),
    ).toEqual([true, true, true, false, false]);
  });

  it('answers with the newest message of a reused packet id, within a batch and across batches', async () => {
    await commit([r(5, 'old'), r(6, 'six'), r(5, 'new')]);
    expect(await sut.committed([r(5, 'old'), r(5, 'new')])).toEqual([false, true]);

    await commit([r(6, 'six again')]);
    expect(await sut.committed([r(6, 'six'), r(6, 'six again')])).toEqual([false, true]);
  });

  it(`keeps a session's batches until each receipt has ${RECEIPTS_KEPT_PER_SESSION} newer ones`, async () => {
    const ids = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => r(((from + i) % 65_535) + 1, `k${from + i}`));
    await commit(ids(0, 10)); // receipts 1–10
    await commit(ids(10, RECEIPTS_KEPT_PER_SESSION - 5)); // up to 65,540: the first batch's last has 65,530 newer
    await commit([r(1, 'other session', 'hub-2')]);
    expect(await batchRows()).toBe(3);

    await commit(ids(RECEIPTS_KEPT_PER_SESSION + 5, 5)); // 65,545: now 65,535 newer than receipt 10
    expect(await batchRows()).toBe(3); // the first batch went, the other session's stayed
    expect(await sut.committed([r(1, 'other session', 'hub-2'), r(11, 'k10')])).toEqual([
      true,
      true,
    ]);
  });

  it('still recognises receipts of the former per-message table', async () => {
    await dataSource.query(
      `INSERT INTO message_receipts ("session", "packet_id", "message_key") VALUES ('hub-1', 9, 'nine'), ('hub-1', 4, 'stale')`,
    );
    await commit([r(4, 'four')]);

    expect(await sut.committed([r(9, 'nine'), r(4, 'four'), r(4, 'stale')])).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('prunes the sessions idle for longer than asked, in both tables', async () => {
    await commit([r(1, 'a', 'idle'), r(2, 'b', 'busy')]);
    await dataSource.query(
      `INSERT INTO message_receipts ("session", "packet_id", "message_key", "received_at") VALUES ('idle', 3, 'c', now() - interval '2 hours')`,
    );
    await dataSource.query(
      `UPDATE message_receipt_batches SET "received_at" = now() - interval '2 hours' WHERE "session" = 'idle'`,
    );

    expect(await sut.prune(3600)).toBe(2);
    expect(await sut.committed([r(1, 'a', 'idle'), r(3, 'c', 'idle'), r(2, 'b', 'busy')])).toEqual([
      false,
      false,
      true,
    ]);
  });
});
