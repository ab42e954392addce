import type { DataSource } from 'typeorm';
import { recentAuditEntries, type AuditEntryEntity } from '@aisle/persistence';

/** Reads the audit log (the SQL is in libs/persistence). */
export class AuditLogService {
  constructor(private readonly dataSource: DataSource) {}

  recent(filter: { action?: string; since?: number; limit: number }): Promise<AuditEntryEntity[]> {
    return recentAuditEntries(this.dataSource, filter);
  }
}
