import type { EntityManager } from 'typeorm';
import { StorePolicyVersionEntity } from './entities/store-policy-version.entity.js';

/**
 * Appends the next version of a store's policy document inside the caller's transaction, so the
 * history and the store can never disagree. Resolves to the new version number.
 */
export async function recordPolicyVersion(
  manager: EntityManager,
  params: { storeId: string; document: Record<string, unknown>; changedBy: string },
): Promise<number> {
  const rows = await manager.query<{ next: number }[]>(
    'SELECT COALESCE(MAX(version), 0)::int + 1 AS next FROM store_policy_versions WHERE store_id = $1',
    [params.storeId],
  );
  const version = rows[0]?.next ?? 1;
  const entity = manager.getRepository(StorePolicyVersionEntity).create({
    storeId: params.storeId,
    version,
    changedBy: params.changedBy,
  });
  entity.document = params.document;
  await manager.getRepository(StorePolicyVersionEntity).save(entity);
  return version;
}
