import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Members' linked visits (only with analytics-linking consent) and the offers issued to them. */
export class Coupons1765500000000 implements MigrationInterface {
  readonly name = 'Coupons1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "member_visits" (
        "id" text NOT NULL,
        "member_id" text NOT NULL,
        "store_id" text NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_98e6913386c899e4089ff1c7ffc" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_e9c29dab8792126355ee93aeee" ON "member_visits" ("member_id", "store_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "coupon_issues" (
        "id" text NOT NULL,
        "member_id" text NOT NULL,
        "store_id" text NOT NULL,
        "rule_id" text NOT NULL,
        "visit_id" text NOT NULL,
        "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "dismissed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_c643b0ba71eacb133e1c33665e7" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_8ef3a072d77017e09a15b2212b" ON "coupon_issues" ("member_id", "store_id", "issued_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_8ef3a072d77017e09a15b2212b"`);
    await queryRunner.query(`DROP TABLE "coupon_issues"`);
    await queryRunner.query(`DROP INDEX "IDX_e9c29dab8792126355ee93aeee"`);
    await queryRunner.query(`DROP TABLE "member_visits"`);
  }
}
