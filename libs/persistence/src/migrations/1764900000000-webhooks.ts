import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook subscriptions, the outbox of messages to deliver, and the delivery attempt log. */
export class Webhooks1764900000000 implements MigrationInterface {
  readonly name = 'Webhooks1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_subscriptions" (
        "id" text NOT NULL,
        "owner_key_id" text NOT NULL,
        "url" text NOT NULL,
        "event_types" text array NOT NULL,
        "store_ids" text array NOT NULL DEFAULT '{}',
        "description" text NOT NULL DEFAULT '',
        "enabled" boolean NOT NULL DEFAULT true,
        "disabled_reason" text,
        "secret" text NOT NULL,
        "previous_secret" text,
        "previous_secret_until" TIMESTAMP WITH TIME ZONE,
        "pseudonym_key" bytea NOT NULL,
        "failing_since" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_bf631ae77d39849d599817fb6f4" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_subscriptions_owner" ON "webhook_subscriptions" ("owner_key_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_messages" (
        "id" text NOT NULL,
        "subscription_id" text NOT NULL,
        "event_id" text NOT NULL,
        "event_type" text NOT NULL,
        "store_id" text,
        "body" text NOT NULL,
        "status" text NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT '0',
        "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        "last_error" text,
        CONSTRAINT "PK_526e8e1655924920adc4cd30dcd" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_messages_due" ON "webhook_messages" ("status", "next_attempt_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_messages_subscription" ON "webhook_messages" ("subscription_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_attempts" (
        "id" BIGSERIAL NOT NULL,
        "message_id" text NOT NULL,
        "subscription_id" text NOT NULL,
        "attempt" integer NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "outcome" text NOT NULL,
        "status_code" integer,
        "latency_ms" integer NOT NULL,
        "response_excerpt" text NOT NULL DEFAULT '',
        CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_attempts_message" ON "webhook_attempts" ("message_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_attempts_subscription_at" ON "webhook_attempts" ("subscription_id", "at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_messages"`);
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
  }
}
