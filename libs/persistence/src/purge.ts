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
