import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatchers claim per subscription (`… WHERE subscription_id = $1 AND status = 'pending' AND
 * next_attempt_at <= now ORDER BY next_attempt_at`): a partial index holding only pending rows
 * keeps that an index range scan however many delivered rows the table keeps. It replaces the
 * `(status, next_attempt_at)` index, which every delivered row kept growing.
 */
export class WebhookPendingIndex1765600000000 implements MigrationInterface {
  readonly name = 'WebhookPendingIndex1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "webhook_messages_due"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_messages_pending" ON "webhook_messages" ("subscription_id", "next_attempt_at", "id") WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "webhook_messages_pending"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_messages_due" ON "webhook_messages" ("status", "next_attempt_at")`,
    );
  }
}
