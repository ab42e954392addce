import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Long-lived secrets of the hub (e.g. the opt-out key), created on first start. */
@Entity({ name: 'hub_secrets' })
export class HubSecretEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'bytea' })
  value!: Buffer;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
