import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One delivery attempt of an outbox message: outcome, HTTP status, latency, response excerpt. */
@Entity({ name: 'webhook_attempts' })
@Index('webhook_attempts_message', ['messageId'])
@Index('webhook_attempts_subscription_at', ['subscriptionId', 'at'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'text', name: 'subscription_id' })
  subscriptionId!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** `delivered`, `http-error`, `redirect`, `timeout`, `network-error`, `refused`. */
  @Column({ type: 'text' })
  outcome!: string;

  @Column({ type: 'int', name: 'status_code', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'int', name: 'latency_ms' })
  latencyMs!: number;

  /** The first characters of the response body or error (MAC-redacted). */
  @Column({ type: 'text', name: 'response_excerpt', default: '' })
  responseExcerpt!: string;
}
