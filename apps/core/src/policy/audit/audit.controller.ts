import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainValidationError } from '../../http/domain-errors.js';
import { AuditLogService } from './audit-log.service.js';

/** Most entries one request returns. */
const AUDIT_PAGE_LIMIT = 1000;

export interface AuditEntryView {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

@ApiTags('operations')
@Controller('api/audit')
export class AuditController {
  constructor(@Inject(AuditLogService) private readonly log: AuditLogService) {}

  @Get()
  @ApiOperation({ summary: 'Privacy-relevant actions and decisions, newest first (admin)' })
  @ApiQuery({ name: 'action', required: false, example: 'consent.withdrawn' })
  @ApiQuery({ name: 'since', required: false, example: '2026-11-01T00:00:00Z' })
  async list(
    @Query('action') action?: string,
    @Query('since') since?: string,
  ): Promise<AuditEntryView[]> {
    const from = since === undefined ? undefined : Date.parse(since);
    if (from !== undefined && Number.isNaN(from)) {
      throw new DomainValidationError([
        { field: 'since', value: since, message: 'must be an ISO date-time' },
      ]);
    }
    const rows = await this.log.recent({
      ...(action ? { action } : {}),
      ...(from !== undefined ? { since: from } : {}),
      limit: AUDIT_PAGE_LIMIT,
    });
    return rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      detail: r.detail,
    }));
  }
}
