import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A member's visit to a store, as their app reported it. Kept only while the member has the
 * `analytics-linking` consent (that is what lets visits be linked and counted); withdrawal or
 * erasure deletes the rows. Never joined to device sightings.
 */
@Entity({ name: 'member_visits' })
@Index(['memberId', 'storeId'])
export class MemberVisitEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'member_id' })
  memberId!: string;

  @Column({ type: 'text', name: 'store_id' })
  storeId!: string;

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt!: Date;
}
