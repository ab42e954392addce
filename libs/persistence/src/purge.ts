import type { DataSource } from 'typeorm';

/**
 * Deletes a store's sightings past their retention: per-device rows (with a subject) older than
 * `deviceBefore`, counts (no subject) older than `countsBefore` (epoch ms). Resolves to how many.
 */
export async function purgeSightings(
  dataSource: DataSource,
  params: { storeId: string; deviceBefore: number; countsBefore: number },
): Promise<number> {
  const result = await dataSource
    .createQueryBuilder()
    .delete()
    .from('sightings')
    .where('store_id = :storeId', { storeId: params.storeId })
    .andWhere(
      '((subject IS NOT NULL AND at < :deviceBefore) OR (subject IS NULL AND at < :countsBefore))',
      { deviceBefore: new Date(params.deviceBefore), countsBefore: new Date(params.countsBefore) },
    )
    .returning('id')
    .execute();
  return Array.isArray(result.raw) ? result.raw.length : (result.affected ?? 0);
}

/** Deletes sightings of stores that no longer exist (a deleted store keeps nothing). */
export async function purgeOrphanSightings(dataSource: DataSource): Promise<number> {
  const result = await dataSource
    .createQueryBuilder()
    .delete()
    .from('sightings')
    .where('NOT EXISTS (SELECT 1 FROM stores WHERE stores.id = sightings.store_id)')
    .returning('id')
    .execute();
  return Array.isArray(result.raw) ? result.raw.length : (result.affected ?? 0);
}

/**
 * Deletes a store's aggregation data past retention: visit facts (pseudonymous) that ended before
 * `deviceBefore`; counter facts and rollups (counts) before `countsBefore`. Resolves to how many.
 */
export async function purgeAggregates(
  dataSource: DataSource,
  params: { storeId: string; deviceBefore: number; countsBefore: number },
): Promise<number> {
  const device = new Date(params.deviceBefore).toISOString();
  const counts = new Date(params.countsBefore).toISOString();
  let n = 0;
  for (const [sql, at] of [
    ['DELETE FROM agg_visits WHERE store_id = $1 AND ended_at < $2 RETURNING 1', device],
    ['DELETE FROM agg_counts WHERE store_id = $1 AND at < $2 RETURNING 1', counts],
    ['DELETE FROM metric_rollups WHERE store_id = $1 AND bucket_start < $2 RETURNING 1', counts],
  ] as const) {
    n += affectedRows(await dataSource.query<unknown>(sql, [params.storeId, at]));
  }
  return n;
}

/** Deletes aggregation data of stores that no longer exist. */
export async function purgeOrphanAggregates(dataSource: DataSource): Promise<number> {
  let n = 0;
  for (const table of ['agg_visits', 'agg_counts', 'metric_rollups']) {
    n += affectedRows(
      await dataSource.query<unknown>(
        `DELETE FROM ${table} WHERE NOT EXISTS (SELECT 1 FROM stores WHERE stores.id = ${table}.store_id) RETURNING 1`,
      ),
    );
  }
  return n;
}

/** Rows a DELETE … RETURNING removed: TypeORM gives `[rows, count]` on pg, rows on PGlite. */
function affectedRows(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
    return typeof result[1] === 'number' ? result[1] : result[0].length;
  }
  return Array.isArray(result) ? result.length : 0;
}

/**
 * Deletes finished webhook messages (delivered, given up, test sends) of a store created before
 * `before`, with their delivery attempts: their bodies carry (re-keyed) subject ids, so they are
 * device data and go with the store's device retention. Pending messages stay until delivered
 * or given up. Messages of no store (`endpoint.disabled`) or of a deleted store go after
 * `storelessBefore`. Resolves to how many messages were deleted.
 */
export async function purgeWebhookMessages(
  dataSource: DataSource,
  params: { storeId: string; before: number } | { storelessBefore: number },
): Promise<number> {
  const [where, args] =
    'storeId' in params
      ? [
          `store_id = $1 AND status <> 'pending' AND created_at < $2`,
          [params.storeId, new Date(params.before).toISOString()],
        ]
      : [
          `(store_id IS NULL OR NOT EXISTS (SELECT 1 FROM stores WHERE stores.id = webhook_messages.store_id))
           AND status <> 'pending' AND created_at < $1`,
          [new Date(params.storelessBefore).toISOString()],
        ];
  return dataSource.transaction(async (manager) => {
    await manager.query(
      `DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE ${where})`,
      args,
    );
    const rows: unknown = await manager.query(
      `DELETE FROM webhook_messages WHERE ${where} RETURNING id`,
      args,
    );
    return Array.isArray(rows) ? rows.length : 0;
  });
}
