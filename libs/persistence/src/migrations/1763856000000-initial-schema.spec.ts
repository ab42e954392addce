import type { DataSource } from 'typeorm';
import { openTestDatabase, type TestDatabase } from '../testing.js';
import { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
import { MIGRATIONS } from './index.js';

const TABLES = ['api_keys', 'pseudonym_keys', 'sensors', 'sightings', 'stores', 'zones'];

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

  it('is the only migration, named with its timestamp', () => {
    expect(MIGRATIONS).toEqual([InitialSchema1763856000000]);
    expect(new InitialSchema1763856000000().name).toBe('InitialSchema1763856000000');
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
    await sut.undoLastMigration({ transaction: 'all' });

    expect(await tables(sut)).toEqual([]);
    expect(await indexes(sut)).toEqual(['PK_8c82d7f526340ab734260ea46be']); // the migrations table's

    await sut.runMigrations({ transaction: 'all' });

    expect(await tables(sut)).toEqual(TABLES);
    expect(await pendingSchemaChanges(sut)).toEqual([]);
  });
});
