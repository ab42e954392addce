import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An offer issued to a member (for the frequency caps, dismissal and the member's export). */
@Entity({ name: 'coupon_issues' })
@Index(['memberId', 'storeId', 'issuedAt'])
export class CouponIssueEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'member_id' })
  memberId!: string;

  @Column({ type: 'text', name: 'store_id' })
  storeId!: string;

  @Column({ type: 'text', name: 'rule_id' })
  ruleId!: string;

  @Column({ type: 'text', name: 'visit_id' })
  visitId!: string;

  @Column({ type: 'timestamptz', name: 'issued_at' })
  issuedAt!: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', name: 'dismissed_at', nullable: true })
  dismissedAt!: Date | null;
}
