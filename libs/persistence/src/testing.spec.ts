import { MIGRATIONS } from './migrations/index.js';
import { databaseKind } from './data-source.js';
import { openTestDatabase } from './testing.js';

describe(openTestDatabase.name, () => {
  const saved = { CI: process.env.CI, DATABASE_URL: process.env.DATABASE_URL };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('refuses to fall back to PGlite when CI=true and DATABASE_URL is missing', async () => {
    process.env.CI = 'true';
    delete process.env.DATABASE_URL;

    await expect(openTestDatabase()).rejects.toThrow('CI=true requires DATABASE_URL');
  });

  it('opens a migrated database of the configured kind', async () => {
    const sut = await openTestDatabase();
    try {
      expect(sut.kind).toBe(saved.DATABASE_URL ? 'postgres' : 'pglite');
      expect(databaseKind(sut.dataSource)).toBe(sut.kind);
      const rows = await sut.dataSource.query<
        {
          name: string;
        }[]
      >('SELECT name FROM migrations');
      expect(rows.map((r) => r.name).sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
    } finally {
      await sut.close();
    }
  });

  const onPostgres = saved.DATABASE_URL ? it : it.skip;
  onPostgres('gives each test database its own schema and drops it on close', async () => {
    const [a, b] = await Promise.all([openTestDatabase(), openTestDatabase()]);
    const schemaOf = async (t: typeof a) =>
      (await t.dataSource.query<{ s: string }[]>('SELECT current_schema() AS s'))[0]!.s;
    const schemaA = await schemaOf(a);
    const schemaB = await schemaOf(b);
    await a.close();
    const left = await b.dataSource.query<{ nspname: string }[]>(
      'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)',
      [[schemaA, schemaB]],
    );
    await b.close();

    expect(schemaA).toMatch(/^t_\d+_[0-9a-f]{12}$/);
    expect(schemaB).not.toBe(schemaA);
    expect(left.map((r) => r.nspname)).toEqual([schemaB]);
  });
});
