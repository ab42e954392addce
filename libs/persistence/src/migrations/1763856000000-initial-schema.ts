import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: stores, zones, sensors, API keys, sightings and pseudonym keys. Names are
 * unqualified (the connection's search_path picks the schema) and constraint/index names are the
 * ones TypeORM derives from the entities, so its schema builder sees nothing to change.
 * PostgreSQL 15 syntax only (CI's server is 15; PGlite is newer and would accept more).
 */
export class InitialSchema1763856000000 implements MigrationInterface {
  readonly name = 'InitialSchema1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "stores" (
        "id" text NOT NULL,
        "name" text NOT NULL,
        "timezone" text NOT NULL,
        "width" double precision NOT NULL,
        "height" double precision NOT NULL,
        "policy" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_7aa6e7d71fa7acdd7ca43d7c9cb" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "zones" (
        "store_id" text NOT NULL,
        "id" text NOT NULL,
        "name" text NOT NULL,
        "polygon" jsonb NOT NULL,
        "tags" text array NOT NULL DEFAULT '{}',
        CONSTRAINT "PK_e18f8037e94a981aea2aa5e876f" PRIMARY KEY ("store_id", "id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_a92fe636e443537e8a8a7ae953" ON "zones" ("store_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "sensors" (
        "store_id" text NOT NULL,
        "id" text NOT NULL,
        "domain" text NOT NULL,
        "name" text,
        "x" double precision NOT NULL,
        "y" double precision NOT NULL,
        "z" double precision NOT NULL DEFAULT '2.5',
        "calibration" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "config" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "enabled" boolean NOT NULL DEFAULT true,
        CONSTRAINT "PK_856153585e875963aee6eed2802" PRIMARY KEY ("store_id", "id")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_84c45f7bdda42d9383af499931" ON "sensors" ("store_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_keys" (
        "id" text NOT NULL,
        "name" text NOT NULL,
        "role" text NOT NULL,
        "store_ids" text array NOT NULL DEFAULT '{}',
        "secret_hash" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "sightings" (
        "id" BIGSERIAL NOT NULL,
        "store_id" text NOT NULL,
        "sensor_id" text NOT NULL,
        "kind" text NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "subject" text,
        "rssi" smallint,
        "randomized" boolean NOT NULL DEFAULT false,
        "beacon" boolean NOT NULL DEFAULT false,
        "channel" smallint,
        "tx_power" smallint,
        "fingerprint" text,
        "line_id" text,
        "zone_id" text,
        "entries" integer,
        "exits" integer,
        "occupancy" integer,
        "interval_start" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_bd31845d3086f8bfdfecd5037ca" PRIMARY KEY ("id")
      )`,
    );
    await queryRunner.query(`CREATE INDEX "sightings_store_at" ON "sightings" ("store_id", "at")`);
    await queryRunner.query(
      `CREATE TABLE "pseudonym_keys" (
        "store_id" text NOT NULL,
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "key" bytea NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_f48ac9e934c49c437ee4776c79c" PRIMARY KEY ("store_id", "period")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pseudonym_keys"`);
    await queryRunner.query(`DROP INDEX "sightings_store_at"`);
    await queryRunner.query(`DROP TABLE "sightings"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP INDEX "IDX_84c45f7bdda42d9383af499931"`);
    await queryRunner.query(`DROP TABLE "sensors"`);
    await queryRunner.query(`DROP INDEX "IDX_a92fe636e443537e8a8a7ae953"`);
    await queryRunner.query(`DROP TABLE "zones"`);
    await queryRunner.query(`DROP TABLE "stores"`);
  }
}
