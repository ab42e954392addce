import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A device a shopper opted out. Only an HMAC of the address under the hub's long-term opt-out key
 * is kept: the list cannot be read back into addresses without that key.
 */
@Entity({ name: 'opt_outs' })
export class OptOutEntity {
  /** Hex HMAC-SHA256 of `device:<normalised address>` (or `beacon:<id>`). */
  @PrimaryColumn({ type: 'text' })
  hash!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
