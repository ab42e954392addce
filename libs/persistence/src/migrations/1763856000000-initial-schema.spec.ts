import type { DataSource } from 'typeorm';
import { openTestDatabase, type TestDatabase } from '../testing.js';
import { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
import { MIGRATIONS } from './index.js';

const TABLES = [
  'agg_counts',
  'agg_visits',
  'api_keys',
  'audit_log',
  'coupon_issues',
  'fixed_devices',
  'hub_secrets',
  'member_consents',
  'member_visits',
  'members',
  'message_receipt_batches',
  'message_receipts',
  'metric_rollups',
  'opt_outs',
  'pseudonym_keys',
  'sensors',
  'sightings',
  'store_floor_plans',
  'store_policy_versions',
  'stores',
  'webhook_attempts',
  'webhook_messages',
  'webhook_subscriptions',
  'zones',
];

async function tables(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ name: string }[]>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_name <> 'migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function indexes(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ name: string }[]>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

describe(InitialSchema1763856000000.name, () => {
  let database: TestDatabase;
  let sut: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase();
    sut = database.dataSource;
  });
  afterAll(() => database.close());

  it('lists the migrations oldest first, each named with its timestamp', () => {
    expect(MIGRATIONS[0]).toBe(InitialSchema1763856000000);
    const stamps = MIGRATIONS.map((m) => Number(/(\d{13})$/.exec(new m().name)?.[1]));
    expect(stamps.every((t) => Number.isFinite(t))).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('creates exactly the entities’ tables: the schema builder has nothing to change', async () => {
    expect(await tables(sut)).toEqual(TABLES);
    expect(await indexes(sut)).toContain('sightings_store_at');
    expect(await pendingSchemaChanges(sut)).toEqual([]);
  });

  it('indexes sightings by store and time', async () => {
    const [row] = await sut.query<{ indexdef: string }[]>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'sightings_store_at'`,
    );

    expect(row?.indexdef).toMatch(/\(store_id, at\)$/);
  });

  it('goes down to nothing and up again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1) {
      await sut.undoLastMigration({ transaction: 'all' });
    }

    expect(await tables(sut)).toEqual([]);
    expect(await indexes(sut)).toEqual(['PK_8c82d7f526340ab734260ea46be']); // the migrations table's

    await sut.runMigrations({ transaction: 'all' });

    expect(await tables(sut)).toEqual(TABLES);
    expect(await pendingSchemaChanges(sut)).toEqual([]);
  });
});
