import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Every version of every store's policy document, with who changed it and when (kept for audit). */
@Entity({ name: 'store_policy_versions' })
export class StorePolicyVersionEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  /** 1, 2, 3, … per store. */
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  document!: Record<string, unknown>;

  /** `key:<api key id>`, `config-file`, … */
  @Column({ type: 'text', name: 'changed_by' })
  changedBy!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'changed_at' })
  changedAt!: Date;
}
