import type { DataSource } from 'typeorm';
import { MessageReceiptBatchEntity } from './entities/message-receipt-batch.entity.js';
import { MessageReceiptEntity } from './entities/message-receipt.entity.js';

/**
 * A received message, named so a redelivery of it can be recognised: the MQTT session it came
 * through, its packet id there, and a hash of its topic and payload (`key`).
 */
export interface MessageReceipt {
  session: string;
  packetId: number;
  key: string;
}

/** Receipts per lookup statement: 2 parameters each, well under PostgreSQL's 65,535. */
const MAX_PER_STATEMENT = 5000;
/**
 * Receipts kept per session: a batch goes once all of its receipts have this many newer ones. The
 * hub acknowledges in arrival order, so a message with 65,535 newer ones was acknowledged long ago
 * (and the broker has reused its packet id): as many as the former one-row-per-id table held.
 */
export const RECEIPTS_KEPT_PER_SESSION = 65_535;

/** `entity`'s table, schema-qualified like the sightings table. */
function tableOf(
  dataSource: DataSource,
  entity: typeof MessageReceiptBatchEntity | typeof MessageReceiptEntity,
): string {
  const { schema, tableName } = dataSource.getMetadata(entity);
  return schema === undefined ? `"${tableName}"` : `"${schema}"."${tableName}"`;
}

/**
 * The statements that record `receipts` (run in the transaction of the messages' rows): one row
 * per session in `message_receipt_batches`, holding the batch's packet ids and keys as arrays (a
 * repeated packet id keeps its last message: the broker reuses an id only after the older message's
 * PUBACK), numbered after the session's previous batch; the same statement deletes the session's
 * batches whose receipts all have {@link RECEIPTS_KEPT_PER_SESSION} newer ones.
 */
export function receiptStatements(
  dataSource: DataSource,
  receipts: readonly MessageReceipt[],
): { sql: string; parameters: (string | number | string[] | number[])[] }[] {
  if (receipts.length === 0) return [];
  const bySession = new Map<string, Map<number, string>>();
  for (const { session, packetId, key } of receipts) {
    let ids = bySession.get(session);
    if (ids === undefined) bySession.set(session, (ids = new Map<number, string>()));
    ids.delete(packetId); // the last message with this id, in its arrival position
    ids.set(packetId, key);
  }
  const table = tableOf(dataSource, MessageReceiptBatchEntity);
  const sql = `WITH previous AS (SELECT "last_ordinal" FROM ${table} WHERE "session" = $1 ORDER BY "last_ordinal" DESC LIMIT 1),
          added AS (INSERT INTO ${table} ("session", "last_ordinal", "packet_ids", "message_keys")
                    VALUES ($1, COALESCE((SELECT "last_ordinal" FROM previous), 0) + $4, $2::integer[], $3::text[])
                    RETURNING "last_ordinal")
     DELETE FROM ${table} WHERE "session" = $1
        AND "last_ordinal" <= (SELECT "last_ordinal" FROM added) - ${RECEIPTS_KEPT_PER_SESSION}`;
  return [...bySession].map(([session, ids]) => ({
    sql,
    parameters: [session, [...ids.keys()], [...ids.values()], ids.size],
  }));
}

/** `($1::text, $2::integer), …` for the receipts' sessions and packet ids, with the parameters. */
function receiptTuples(receipts: readonly MessageReceipt[]): {
  tuples: string[];
  parameters: (string | number)[];
} {
  const parameters: (string | number)[] = [];
  const tuples = receipts.map((r, i) => {
    parameters.push(r.session, r.packetId);
    return `($${i * 2 + 1}::text, $${i * 2 + 2}::integer)`;
  });
  return { tuples, parameters };
}

/** Reads the receipts the sighting writer commits with the rows of each message. */
export class MessageReceiptStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * For each receipt (same order): whether that very message's effect is committed — the newest
   * batch of its session holding its packet id has its key. Receipts of the former per-message
   * table (`message_receipts`, written by earlier versions) answer for ids no batch holds.
   */
  async committed(receipts: readonly MessageReceipt[]): Promise<boolean[]> {
    if (receipts.length === 0) return [];
    const found = new Map<string, string>();
    const id = (session: string, packetId: number) => `${packetId}\u0000${session}`;
    const batches = tableOf(this.dataSource, MessageReceiptBatchEntity);
    const former = tableOf(this.dataSource, MessageReceiptEntity);
    for (let start = 0; start < receipts.length; start += MAX_PER_STATEMENT) {
      const chunk = receipts.slice(start, start + MAX_PER_STATEMENT);
      const { tuples, parameters } = receiptTuples(chunk);
      const rows = await this.dataSource.query<
        { session: string; packet_id: number; message_key: string }[]
      >(
        `WITH wanted ("session", "packet_id") AS (VALUES ${tuples.join(', ')})
         SELECT DISTINCT ON (b."session", u."packet_id") b."session", u."packet_id", u."message_key"
           FROM ${batches} b
           CROSS JOIN LATERAL unnest(b."packet_ids", b."message_keys") WITH ORDINALITY AS u ("packet_id", "message_key", "n")
          WHERE b."session" IN (SELECT "session" FROM wanted)
            AND (b."session", u."packet_id") IN (SELECT "session", "packet_id" FROM wanted)
          ORDER BY b."session", u."packet_id", b."last_ordinal" DESC, u."n" DESC`,
        parameters,
      );
      for (const row of rows) found.set(id(row.session, row.packet_id), row.message_key);
      const rest = chunk.filter((r) => !found.has(id(r.session, r.packetId)));
      if (rest.length === 0) continue;
      const { tuples: restTuples, parameters: restParameters } = receiptTuples(rest);
      const formerRows = await this.dataSource.query<
        { session: string; packet_id: number; message_key: string }[]
      >(
        `SELECT "session", "packet_id", "message_key" FROM ${former}
          WHERE ("session", "packet_id") IN (${restTuples.join(', ')})`,
        restParameters,
      );
      for (const row of formerRows) found.set(id(row.session, row.packet_id), row.message_key);
    }
    return receipts.map((r) => found.get(id(r.session, r.packetId)) === r.key);
  }

  /**
   * Forgets the receipts of sessions idle for longer than `olderThanSeconds` (a session the broker
   * has expired cannot redeliver). Returns how many sessions' batches went.
   */
  async prune(olderThanSeconds: number): Promise<number> {
    let pruned = 0;
    for (const table of [
      tableOf(this.dataSource, MessageReceiptBatchEntity),
      tableOf(this.dataSource, MessageReceiptEntity),
    ]) {
      const result = await this.dataSource.query<unknown>(
        `DELETE FROM ${table} WHERE "session" IN (
           SELECT "session" FROM ${table} GROUP BY "session"
           HAVING max("received_at") < now() - make_interval(secs => $1))`,
        [olderThanSeconds],
      );
      if (Array.isArray(result) && typeof result[1] === 'number') pruned += result[1];
    }
    return pruned;
  }
}
