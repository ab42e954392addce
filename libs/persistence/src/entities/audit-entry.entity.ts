import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One privacy-relevant action or decision (opt-out recorded, consent granted or withdrawn, data
 * exported or erased, …), with who and when. Never holds a device identifier.
 */
@Entity({ name: 'audit_log' })
@Index('audit_log_at', ['at'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;

  /** `key:<api key id>`, `public`, `system`. */
  @Column({ type: 'text' })
  actor!: string;

  /** `<area>.<action>`: `optout.recorded`, `consent.withdrawn`, `member.erased`, … */
  @Column({ type: 'text' })
  action!: string;

  /** What it concerns (`member:<id>`, `store:<id>`), never a device address. */
  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'jsonb', default: {} })
  detail!: Record<string, unknown>;
}
