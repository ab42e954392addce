import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipts per committed batch instead of per message (`message_receipt_batches`): one row per
 * sighting batch and MQTT session with the batch's packet ids and message keys as arrays. With one
 * observation per message the per-message receipt rows (`message_receipts`, an upsert each) cost
 * the database as much as the sightings themselves. `message_receipts` stays, read only, so a
 * redelivery of a message committed by the previous version is still recognised; it empties as its
 * sessions are pruned.
 */
export class MessageReceiptBatches1765900000000 implements MigrationInterface {
  readonly name = 'MessageReceiptBatches1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_receipt_batches" (
        "session" text NOT NULL,
        "last_ordinal" bigint NOT NULL,
        "packet_ids" integer array NOT NULL,
        "message_keys" text array NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_message_receipt_batches" PRIMARY KEY ("session", "last_ordinal")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "message_receipt_batches"`);
  }
}
