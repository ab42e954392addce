import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The current pseudonym key of a store's period. Rows are deleted at rotation (the key is
 * destroyed), so sightings of different periods cannot be linked, even by us.
 */
@Entity({ name: 'pseudonym_keys' })
export class PseudonymKeyEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  period!: Date;

  @Column({ type: 'bytea' })
  key!: Buffer;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;
}
