import type { DataSource, EntityManager } from 'typeorm';
import { AuditEntryEntity } from './entities/audit-entry.entity.js';

export interface AuditRecord {
  actor: string;
  action: string;
  subject?: string;
  detail?: Record<string, unknown>;
}

/** Appends to the audit log (in the caller's transaction when a manager is given). */
export async function audit(
  target: DataSource | EntityManager,
  record: AuditRecord,
): Promise<void> {
  const repo = target.getRepository(AuditEntryEntity);
  const entry = repo.create({
    actor: record.actor,
    action: record.action,
    subject: record.subject ?? null,
  });
  entry.detail = record.detail ?? {};
  await repo.save(entry);
}

/** The newest audit entries, optionally of one action and since a time (epoch ms). */
export async function recentAuditEntries(
  dataSource: DataSource,
  filter: { action?: string; since?: number; limit: number },
): Promise<AuditEntryEntity[]> {
  const query = dataSource
    .getRepository(AuditEntryEntity)
    .createQueryBuilder('a')
    .orderBy('a.id', 'DESC')
    .limit(filter.limit);
  if (filter.action) query.andWhere('a.action = :action', { action: filter.action });
  if (filter.since !== undefined) query.andWhere('a.at >= :from', { from: new Date(filter.since) });
  return query.getMany();
}
