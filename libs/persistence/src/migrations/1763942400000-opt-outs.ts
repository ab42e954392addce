import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The opt-out list (HMACs only) and the hub's long-lived secrets (the opt-out key). */
export class OptOuts1763942400000 implements MigrationInterface {
  readonly name = 'OptOuts1763942400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "hub_secrets" (
        "name" text NOT NULL,
        "value" bytea NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_eed33f13927e9f14f67270f826c" PRIMARY KEY ("name")
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "opt_outs" (
        "hash" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_26441a0a91c9df5da625e02b7d7" PRIMARY KEY ("hash")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "opt_outs"`);
    await queryRunner.query(`DROP TABLE "hub_secrets"`);
  }
}
