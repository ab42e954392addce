import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipts of the MQTT messages whose effect is committed, written in the same transaction as the
 * message's sightings: a message redelivered after a crash (committed, PUBACK not sent) is
 * recognised and acknowledged without being stored twice. One row per session and packet id (a
 * packet id is reused only once the broker has its PUBACK), so a session holds at most 65,535.
 */
export class MessageReceipts1765800000000 implements MigrationInterface {
  readonly name = 'MessageReceipts1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_receipts" (
        "session" text NOT NULL,
        "packet_id" integer NOT NULL,
        "message_key" text NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_message_receipts" PRIMARY KEY ("session", "packet_id")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "message_receipts"`);
  }
}
