import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Loyalty members and their consent grants (with withdrawal times). */
export class Members1764201600000 implements MigrationInterface {
  readonly name = 'Members1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "members" (
        "id" text NOT NULL,
        "app_identity" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_a78aa449b170f8652fdb9972d91" UNIQUE ("app_identity"),
        CONSTRAINT "PK_28b53062261b996d9c99fa12404" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "member_consents" (
        "member_id" text NOT NULL,
        "scope" text NOT NULL,
        "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "withdrawn_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_37a53b87e0000814714b851a760" PRIMARY KEY ("member_id", "scope", "granted_at")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_e129c089f18e9041c788cd8207" ON "member_consents" ("member_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_e129c089f18e9041c788cd8207"`);
    await queryRunner.query(`DROP TABLE "member_consents"`);
    await queryRunner.query(`DROP TABLE "members"`);
  }
}
