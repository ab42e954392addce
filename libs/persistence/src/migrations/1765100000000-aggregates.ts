import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Aggregation: visit and counter facts (retention-purged) and time-bucketed rollups. */
export class Aggregates1765100000000 implements MigrationInterface {
  readonly name = 'Aggregates1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "agg_visits" ("store_id" text NOT NULL, "visit_id" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE NOT NULL, "record" jsonb NOT NULL, CONSTRAINT "PK_a6208353ff60863940fd597c254" PRIMARY KEY ("store_id", "visit_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "agg_visits_store_ended" ON "agg_visits" ("store_id", "ended_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "agg_visits_store_started" ON "agg_visits" ("store_id", "started_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "agg_counts" ("store_id" text NOT NULL, "sensor_id" text NOT NULL, "line_id" text NOT NULL, "interval_start" TIMESTAMP WITH TIME ZONE NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "entries" integer NOT NULL, "exits" integer NOT NULL, CONSTRAINT "PK_85fcea331e61103b3f8342ee3c7" PRIMARY KEY ("store_id", "sensor_id", "line_id", "interval_start"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "metric_rollups" ("store_id" text NOT NULL, "bucket" text NOT NULL, "metric" text NOT NULL, "zone_id" text NOT NULL, "bucket_start" TIMESTAMP WITH TIME ZONE NOT NULL, "value" double precision NOT NULL, "subjects" integer NOT NULL, "detail" jsonb, CONSTRAINT "PK_5e3a24c748ebcc32b04f80c16dc" PRIMARY KEY ("store_id", "bucket", "metric", "zone_id", "bucket_start"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metric_rollups"`);
    await queryRunner.query(`DROP TABLE "agg_counts"`);
    await queryRunner.query(`DROP INDEX "agg_visits_store_started"`);
    await queryRunner.query(`DROP INDEX "agg_visits_store_ended"`);
    await queryRunner.query(`DROP TABLE "agg_visits"`);
  }
}
