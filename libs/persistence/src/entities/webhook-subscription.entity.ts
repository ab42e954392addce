import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A third party's webhook endpoint. The signing secrets are kept (they are needed to sign);
 * `pseudonym_key` re-keys subject ids per subscription so two subscribers cannot join on an id.
 */
@Entity({ name: 'webhook_subscriptions' })
@Index('webhook_subscriptions_owner', ['ownerKeyId'])
export class WebhookSubscriptionEntity {
  /** `ws_<hex>`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The API key that created it (a subscriber sees only its own). */
  @Column({ type: 'text', name: 'owner_key_id' })
  ownerKeyId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true, name: 'event_types' })
  eventTypes!: string[];

  /** Stores whose events are delivered; empty = every store and hub-wide events (admins only). */
  @Column({ type: 'text', array: true, name: 'store_ids', default: () => "'{}'" })
  storeIds!: string[];

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Why it was disabled (`manual`, `gone`, `failing`), null while enabled. */
  @Column({ type: 'text', name: 'disabled_reason', nullable: true })
  disabledReason!: string | null;

  /** `whsec_<base64 of 32 bytes>`. */
  @Column({ type: 'text' })
  secret!: string;

  /** The secret before the last rotation, still signed with until `previous_secret_until`. */
  @Column({ type: 'text', name: 'previous_secret', nullable: true })
  previousSecret!: string | null;

  @Column({ type: 'timestamptz', name: 'previous_secret_until', nullable: true })
  previousSecretUntil!: Date | null;

  /** 32 random bytes: HMAC key for this subscription's pseudonyms. */
  @Column({ type: 'bytea', name: 'pseudonym_key' })
  pseudonymKey!: Buffer;

  /** Start of the current run of failed deliveries (null after a success). */
  @Column({ type: 'timestamptz', name: 'failing_since', nullable: true })
  failingSince!: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
