import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const WEBHOOK_MESSAGE_STATUSES = ['pending', 'delivered', 'failed', 'test'] as const;
export type WebhookMessageStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];

/**
 * The outbox: one row per event and matching subscription. Its id is the `webhook-id` header
 * (stable across retries); `body` is the exact signed payload. Dispatchers claim due rows with
 * `FOR UPDATE SKIP LOCKED` and push `next_attempt_at` forward as a lease while delivering.
 */
@Entity({ name: 'webhook_messages' })
@Index('webhook_messages_pending', ['subscriptionId', 'nextAttemptAt', 'id'], {
  where: `status = 'pending'`,
})
@Index('webhook_messages_subscription', ['subscriptionId', 'createdAt'])
export class WebhookMessageEntity {
  /** `msg_<hex>`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'subscription_id' })
  subscriptionId!: string;

  /** The bus event it came from. */
  @Column({ type: 'text', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'text', name: 'event_type' })
  eventType!: string;

  @Column({ type: 'text', name: 'store_id', nullable: true })
  storeId!: string | null;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: WebhookMessageStatus;

  /** Attempts started (counted when claimed, so a crash mid-delivery still counts). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  /** When the event happened (latency is measured from here). */
  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;
}
