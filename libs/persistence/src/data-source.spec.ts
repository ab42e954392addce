import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource, databaseKind, openDatabase } from './data-source.js';
import { StoreEntity } from './entities/store.entity.js';
import { openTestDatabase, type TestDatabase } from './testing.js';

const store = (id: string) => ({ id, name: id, timezone: 'UTC', width: 10, height: 10 });
const countStores = async (db: DataSource | EntityManager) =>
  Number((await db.query<{ n: string }[]>('SELECT count(*) AS n FROM stores'))[0]!.n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(createDataSource.name, () => {
  let database: TestDatabase;
  let sut: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase();
    sut = database.dataSource;
  });
  afterAll(() => database.close());
  afterEach(() => sut.query('DELETE FROM stores'));

  it('talks to PostgreSQL when DATABASE_URL is set, else to PGlite', () => {
    expect(databaseKind(sut)).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    expect(database.kind).toBe(databaseKind(sut));
    expect(sut.options.synchronize).toBe(false);
    expect(sut.options.migrationsRun).toBe(false);
  });

  it('returns bigint as a string and bytea as a Buffer, like pg', async () => {
    const [row] = await sut.query<
      {
        big: unknown;
        b: unknown;
      }[]
    >(`SELECT 9007199254740993::bigint AS big, '\\x0aff'::bytea AS b`);

    expect(row!.big).toBe('9007199254740993');
    expect(Buffer.isBuffer(row!.b)).toBe(true);
    expect(row!.b).toEqual(Buffer.from([0x0a, 0xff]));
  });

  it('does not keep a rolled-back insert', async () => {
    await expect(
      sut.transaction(async (manager) => {
        await manager.insert(StoreEntity, store('rolled-back'));
        expect(await countStores(manager)).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    expect(await countStores(sut)).toBe(0);
  });

  it('keeps a transaction from seeing, or committing, another one’s uncommitted rows', async () => {
    let letAFinish!: () => void;
    const aMayFinish = new Promise<void>((resolve) => (letAFinish = resolve));
    let aInserted!: () => void;
    const aHasInserted = new Promise<void>((resolve) => (aInserted = resolve));
    const a = sut.transaction(async (manager) => {
      await manager.insert(StoreEntity, store('a-uncommitted'));
      aInserted();
      await aMayFinish;
      throw new Error('a rolls back');
    });
    await aHasInserted;
    // b starts while a is open: PostgreSQL runs it alongside, PGlite after a (one session).
    const b = sut.transaction(async (manager) => {
      const seen = await countStores(manager);
      await manager.insert(StoreEntity, store('b-committed'));
      return seen;
    });
    await sleep(50);
    letAFinish();

    await expect(a).rejects.toThrow('a rolls back');
    expect(await b).toBe(0);
    const ids = (await sut.getRepository(StoreEntity).find()).map((s) => s.id);
    expect(ids).toEqual(['b-committed']);
  });

  it('rolls back a transaction left open by a released query runner', async () => {
    const runner = sut.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.manager.insert(StoreEntity, store('abandoned'));
    if (databaseKind(sut) === 'pglite') {
      await runner.release(); // PGlite: the pool rolls back before the next holder gets in
    } else {
      await runner.rollbackTransaction(); // pg: a released client keeps its own session
      await runner.release();
    }

    expect(await countStores(sut)).toBe(0);
  });

  it('refuses a bad schema name', async () => {
    await expect(createDataSource({ url: 'postgres://x', schema: 'x"; DROP' })).rejects.toThrow(
      /schema must match/,
    );
  });
});

const onPGlite = process.env.DATABASE_URL ? describe.skip : describe;
onPGlite(`${createDataSource.name} on PGlite`, () => {
  it('refuses a second PGlite database while one is open (one per process)', async () => {
    const database = await openTestDatabase();
    try {
      await expect(openDatabase({})).rejects.toThrow(/already open in this process/);
    } finally {
      await database.close();
    }
  });
});
