import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** `loyalty`: the loyalty provider, who registers members and their consent (not store-scoped). */
export const API_ROLES = ['admin', 'store-manager', 'integrator', 'subscriber', 'loyalty'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** An API key; only its SHA-256 hash is stored, the secret is shown once. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  /** Public key id, also the key's prefix (`ak_<id>.<secret>`). */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: ApiRole;

  /** Stores a `store-manager` (or scoped integrator/subscriber) may reach; empty = none. */
  @Column({ type: 'text', array: true, name: 'store_ids', default: () => "'{}'" })
  storeIds!: string[];

  /** Hex SHA-256 of the secret part. */
  @Column({ type: 'text', name: 'secret_hash' })
  secretHash!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
