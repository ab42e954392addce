import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The store's tracking policy as kept with the store (validated by the ingest/policy layer). */
export type StorePolicyDocument = Record<string, unknown>;

@Entity({ name: 'stores' })
export class StoreEntity {
  /** Slug chosen by the retailer (`demo`, `berlin-mitte`). */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** IANA time zone, e.g. `Europe/Berlin`. */
  @Column({ type: 'text' })
  timezone!: string;

  /** Floor-plan size, metres. */
  @Column({ type: 'double precision' })
  width!: number;

  @Column({ type: 'double precision' })
  height!: number;

  @Column({ type: 'jsonb', default: {} })
  policy!: StorePolicyDocument;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
