import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A loyalty member who chose to be known, registered by the loyalty provider with the member's app
 * identity. Never derived from a device: sightings stay anonymous unless a member links them.
 */
@Entity({ name: 'members' })
export class MemberEntity {
  /** `mem_<random>`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The member's identity in the loyalty app (unique). */
  @Column({ type: 'text', name: 'app_identity', unique: true })
  appIdentity!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
