import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log of privacy-relevant actions and decisions. */
export class AuditLog1764288000000 implements MigrationInterface {
  readonly name = 'AuditLog1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" (
        "id" BIGSERIAL NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "subject" text,
        "detail" jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(`CREATE INDEX "audit_log_at" ON "audit_log" ("at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "audit_log_at"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
