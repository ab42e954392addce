import type { DataSource } from 'typeorm';
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

/** Receipts per statement: 3 parameters each, well under PostgreSQL's 65,535. */
const MAX_PER_STATEMENT = 5000;

/** The receipts table, schema-qualified like the sightings table. */
function receiptsTable(dataSource: DataSource): string {
  const { schema, tableName } = dataSource.getMetadata(MessageReceiptEntity);
  return schema === undefined ? `"${tableName}"` : `"${schema}"."${tableName}"`;
}

/**
 * The statements that record `receipts` (run in the transaction of the messages' rows). One row per
 * session and packet id: a newer message with the same id replaces the older one's receipt (the
 * broker reuses an id only after it got the older message's PUBACK).
 */
export function receiptStatements(
  dataSource: DataSource,
  receipts: readonly MessageReceipt[],
): { sql: string; parameters: (string | number)[] }[] {
  const latest = new Map<string, MessageReceipt>();
  for (const receipt of receipts) latest.set(`${receipt.packetId}\u0000${receipt.session}`, receipt);
  const unique = [...latest.values()];
  const statements: { sql: string; parameters: (string | number)[] }[] = [];
  const table = receiptsTable(dataSource);
  for (let start = 0; start < unique.length; start += MAX_PER_STATEMENT) {
    const chunk = unique.slice(start, start + MAX_PER_STATEMENT);
    const parameters: (string | number)[] = [];
    const tuples = chunk.map((r, i) => {
      parameters.push(r.session, r.packetId, r.key);
      return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`;
    });
    statements.push({
      sql:
        `INSERT INTO ${table} ("session", "packet_id", "message_key") VALUES ${tuples.join(', ')} ` +
        `ON CONFLICT ("session", "packet_id") DO UPDATE SET "message_key" = EXCLUDED."message_key", "received_at" = now()`,
      parameters,
    });
  }
  return statements;
}

/** Reads the receipts the sighting writer commits with the rows of each message. */
export class MessageReceiptStore {
  constructor(private readonly dataSource: DataSource) {}

  /** For each receipt (same order): whether that very message's effect is committed. */
  async committed(receipts: readonly MessageReceipt[]): Promise<boolean[]> {
    if (receipts.length === 0) return [];
    const found = new Map<string, string>();
    for (let start = 0; start < receipts.length; start += MAX_PER_STATEMENT) {
      const chunk = receipts.slice(start, start + MAX_PER_STATEMENT);
      const parameters: (string | number)[] = [];
      const tuples = chunk.map((r, i) => {
        parameters.push(r.session, r.packetId);
        return `($${i * 2 + 1}::text, $${i * 2 + 2}::integer)`;
      });
      const rows = await this.dataSource.query<
        { session: string; packet_id: number; message_key: string }[]
      >(
        `SELECT "session", "packet_id", "message_key" FROM ${receiptsTable(this.dataSource)}
          WHERE ("session", "packet_id") IN (${tuples.join(', ')})`,
        parameters,
      );
      for (const row of rows) found.set(`${row.packet_id}\u0000${row.session}`, row.message_key);
    }
    return receipts.map((r) => found.get(`${r.packetId}\u0000${r.session}`) === r.key);
  }

  /**
   * Forgets the receipts of sessions idle for longer than `olderThanSeconds` (a session the broker
   * has expired cannot redeliver). Returns how many went.
   */
  async prune(olderThanSeconds: number): Promise<number> {
    const result = await this.dataSource.query<unknown>(
      `DELETE FROM ${receiptsTable(this.dataSource)} WHERE "session" IN (
         SELECT "session" FROM ${receiptsTable(this.dataSource)} GROUP BY "session"
         HAVING max("received_at") < now() - make_interval(secs => $1))`,
      [olderThanSeconds],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
