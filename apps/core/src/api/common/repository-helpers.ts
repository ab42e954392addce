import type { ObjectLiteral, Repository } from 'typeorm';

/** PostgreSQL's unique_violation (SQLSTATE 23505), from `pg` or PGlite. */
export function isUniqueViolation(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | null)?.driverError];
  return candidates.some(
    (e) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505',
  );
}

/**
 * `repo.insert` for a complete entity. TypeORM's deep-partial type rejects `jsonb` columns typed
 * `Record<string, unknown>`; a whole entity is always a valid insert. Never `save` for creates:
 * it would silently update a row with the same key.
 */
export async function insertEntity<T extends ObjectLiteral>(
  repo: Repository<T>,
  entity: T,
): Promise<void> {
  await repo.insert(entity);
}
