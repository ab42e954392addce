import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One grant of a consent scope; withdrawal stamps `withdrawn_at`. Every grant is kept (history). */
@Entity({ name: 'member_consents' })
@Index(['memberId'])
export class MemberConsentEntity {
  @PrimaryColumn({ type: 'text', name: 'member_id' })
  memberId!: string;

  /** `analytics-linking` | `marketing`. */
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'granted_at' })
  grantedAt!: Date;

  @Column({ type: 'timestamptz', name: 'withdrawn_at', nullable: true })
  withdrawnAt!: Date | null;
}
