import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every change of a store's policy document, with who and when. */
export class PolicyVersions1764028800000 implements MigrationInterface {
  readonly name = 'PolicyVersions1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "store_policy_versions" (
        "store_id" text NOT NULL,
        "version" integer NOT NULL,
        "document" jsonb NOT NULL,
        "changed_by" text NOT NULL,
        "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_49a8b14eaad4d3fced098b90add" PRIMARY KEY ("store_id", "version")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "store_policy_versions"`);
  }
}
