import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A store's floor-plan image (PNG/SVG), one per store, deleted with the store. */
export class StoreFloorPlans1765700000000 implements MigrationInterface {
  readonly name = 'StoreFloorPlans1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "store_floor_plans" (
        "store_id" text NOT NULL,
        "content_type" text NOT NULL,
        "image" bytea NOT NULL,
        "sha256" text NOT NULL,
        "pixel_width" integer,
        "pixel_height" integer,
        "updated_by" text NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_store_floor_plans" PRIMARY KEY ("store_id"),
        CONSTRAINT "FK_store_floor_plans_store" FOREIGN KEY ("store_id")
          REFERENCES "stores"("id") ON DELETE CASCADE
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "store_floor_plans"`);
  }
}
