import type { DataSource } from 'typeorm';

/**
 * Pseudonym keys in `pseudonym_keys` (the shape of `KeyStore` in @aisle/ingest; times are epoch
 * ms). A key is written once per store and period: a second save of the same period keeps the
 * first key. Deleted rows leave the key bytes in dead tuples and WAL until PostgreSQL vacuums and
 * recycles them: destruction is logical, not a scrub of the disk.
 */
export class DbKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  async load(storeId: string, period: number): Promise<Buffer | null> {
    const rows = await this.dataSource.query<{ key: Buffer }[]>(
      'SELECT "key" FROM "pseudonym_keys" WHERE "store_id" = $1 AND "period" = $2',
      [storeId, new Date(period)],
    );
    const key = rows[0]?.key;
    return key === undefined ? null : Buffer.from(key); // a copy the caller may zero-fill
  }

  async save(storeId: string, period: number, key: Buffer, expiresAt: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "pseudonym_keys" ("store_id", "period", "key", "expires_at")
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ("store_id", "period") DO UPDATE SET "key" = EXCLUDED."key", "expires_at" = EXCLUDED."expires_at"`,
      [storeId, new Date(period), Buffer.from(key), new Date(expiresAt)],
    );
  }

  /** Deletes every key whose expiry is at or before `now`; resolves to how many. */
  async destroyBefore(now: number): Promise<number> {
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH deleted AS (DELETE FROM "pseudonym_keys" WHERE "expires_at" <= $1 RETURNING 1)
       SELECT count(*)::int AS "count" FROM deleted`,
      [new Date(now)],
    );
    return rows[0]?.count ?? 0;
  }
}
