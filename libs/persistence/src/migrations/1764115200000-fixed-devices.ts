import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-store exclusion list of the store's own devices (digests only). */
export class FixedDevices1764115200000 implements MigrationInterface {
  readonly name = 'FixedDevices1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "fixed_devices" (
        "store_id" text NOT NULL,
        "hash" text NOT NULL,
        "label" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_f24bcf549758181dae29f921a8d" PRIMARY KEY ("store_id", "hash")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "fixed_devices"`);
  }
}
