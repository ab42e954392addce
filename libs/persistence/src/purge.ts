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
