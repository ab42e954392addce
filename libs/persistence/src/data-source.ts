import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type Migration } from 'typeorm';
import {
  pgliteAlreadyOpen,
  pgliteOptions,
  pgliteState,
  startEmbeddedDatabase,
  type EmbeddedStart,
} from './embedded-start.js';
import {
  freshTemplateDirPath,
  freshTemplatePath,
  publishFreshTemplateDir,
  readFreshTemplate,
  writeFreshTemplate,
} from './fresh-template.js';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export interface DatabaseOptions {
  /** PostgreSQL connection string. Without it, the embedded PGlite database is used. */
  url?: string;
  /** PGlite only: directory of the database files; omitted = in memory (lost on close). */
  dataDir?: string;
  /** Schema for every table (created by {@link runMigrations}); lower-case identifier. */
  schema?: string;
  /** Log every SQL statement (TypeORM's logger). */
  logging?: boolean;
  /** PGlite only: start from this dump of a data directory (`PGlite.dumpDataDir()`). */
  loadDataDir?: Blob;
  /**
   * PGlite only: the opening of `dataDir` already begun ({@link startEmbeddedDatabase}, what
   * `npm start` does before it loads the rest of the hub).
   */
  started?: EmbeddedStart;
}

export type DatabaseKind = 'postgres' | 'pglite';

/** Which engine a data source made by {@link createDataSource} talks to. */
export function databaseKind(dataSource: DataSource): DatabaseKind {
  return 'driver' in dataSource.options && dataSource.options.driver !== undefined
    ? 'pglite'
    : 'postgres';
}

/**
 * A TypeORM data source over PostgreSQL (`url`, through `pg`) or the embedded PGlite. Not yet
 * initialised; {@link openDatabase} also initialises and migrates. Schema changes happen through
 * migrations only (`synchronize` is always off).
 */
export async function createDataSource(options: DatabaseOptions): Promise<DataSource> {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: options.logging ?? false,
    ...(schema === undefined ? {} : { schema }),
  };
  if (options.url !== undefined) {
    if (options.dataDir !== undefined || options.loadDataDir !== undefined) {
      throw new Error('dataDir and loadDataDir apply to PGlite only; do not combine them with url');
    }
    return new DataSource({
      ...common,
      url: options.url,
      applicationName: 'aisle',
      // Unqualified names in raw SQL (migrations, COPY, the CLI) then resolve to the same schema.
      extra: schema === undefined ? {} : { options: `-c search_path=${schema}` },
    });
  }
  const driver = await serialisedPGliteDriver(
    pgliteOptions(options.dataDir, options.loadDataDir),
    schema,
  );
  return new DataSource({ ...common, driver });
}

/** Runs every pending migration (in one transaction) and returns those it ran. */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const schema = 'schema' in dataSource.options ? dataSource.options.schema : undefined;
  if (schema !== undefined) {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${checkSchemaName(schema)}"`);
  }
  return dataSource.runMigrations({ transaction: 'all' });
}

/** Creates, initialises and migrates a data source: what the hub and the CLI start with. */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const { dataDir, started } = options;
  if (started !== undefined) {
    if (
      options.url !== undefined ||
      options.loadDataDir !== undefined ||
      dataDir !== started.dataDir
    ) {
      throw new Error('started applies to its own PGlite data directory only');
    }
    return openStarted(options, started);
  }
  if (options.url === undefined && options.loadDataDir === undefined && dataDir !== undefined) {
    return openStarted(options, startEmbeddedDatabase(dataDir));
  }
  return openAndMigrate(options);
}

/**
 * An on-disk folder whose opening has begun. A new one starts as a copy of the cached template
 * directory (made in {@link startEmbeddedDatabase}), else from the cached migrated dump
 * ({@link readFreshTemplate}), else from `initdb` and the migrations, after which the dump is
 * cached for the next new directory. A template that fails to open is dropped and the directory
 * emptied again.
 */
async function openStarted(options: DatabaseOptions, started: EmbeddedStart): Promise<DataSource> {
  const { started: _started, ...plain } = options;
  if (!started.fresh) {
    await started.opened;
    return openAndMigrate(plain);
  }
  const dataDir = started.dataDir;
  // The folder may already hold the hub's own files (its lock): only what a template added goes.
  const before = new Set(started.before);
  const dropAdded = async (): Promise<void> => {
    for (const entry of await entries(dataDir)) {
      if (!before.has(entry)) await rm(join(dataDir, entry), { recursive: true, force: true });
    }
  };
  try {
    if (await started.opened) return await openAndMigrate(plain);
  } catch (error) {
    if (pgliteState.live) throw error; // another data source holds PGlite: nothing of ours to drop
    await dropAdded();
  }
  const template = await readFreshTemplate();
  if (template) {
    try {
      return await openAndMigrate({ ...plain, loadDataDir: template });
    } catch {
      await dropAdded();
    }
  }
  const dataSource = await openAndMigrate(plain);
  await saveFreshTemplate(dataSource).catch(() => undefined); // a cache: failing is fine
  return dataSource;
}

async function entries(path: string): Promise<string[]> {
  return readdir(path).catch(() => []);
}

/**
 * Caches the dump of a PGlite database that has just been migrated and holds nothing else, for
 * {@link openDatabase} and the test databases to start from.
 */
export async function saveFreshTemplate(dataSource: DataSource): Promise<void> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect(); // holds the PGlite session while dumping
  let dump: Blob;
  try {
    dump = await (await rawPGlite()).dumpDataDir('none');
  } finally {
    await queryRunner.release();
  }
  await writeFreshTemplate(dump);
}

/**
 * Builds the cached fresh database when it is missing, as a dump and as a cleanly closed data
 * directory (`npm run build` calls it, so even the first start of a new data directory skips
 * `initdb`). Returns false when both already existed.
 */
export async function ensureFreshTemplate(): Promise<boolean> {
  if (existsSync(freshTemplatePath()) && existsSync(join(freshTemplateDirPath(), 'PG_VERSION'))) {
    return false;
  }
  const work = await mkdtemp(join(tmpdir(), 'aisle-pglite-template-work-'));
  try {
    const dataSource = await openAndMigrate({ dataDir: work });
    try {
      await dropTemplateDatabases(dataSource);
      await saveFreshTemplate(dataSource);
    } finally {
      await closeDatabase(dataSource);
    }
    await publishFreshTemplateDir(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return true;
}

/**
 * `template0` and `template1` (what `CREATE DATABASE` copies; the hub never creates a database in
 * PGlite) are 55 % of a fresh data directory's files (~600 of 1,090, 14.5 of 40 MB): without them
 * the template directory every new data directory is copied from, and the dump, are that much
 * smaller. The hub's database is `postgres`.
 */
async function dropTemplateDatabases(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')`,
  );
  await dataSource.query('DROP DATABASE IF EXISTS template0');
  await dataSource.query('DROP DATABASE IF EXISTS template1');
}

async function openAndMigrate(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = await createDataSource(options);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Closes the data source (for PGlite: the database itself; an on-disk one is flushed). */
export async function closeDatabase(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}

/**
 * The PGlite database behind the open PGlite data source. Use it only while holding one of that
 * data source's query runners (`await queryRunner.connect()`): that is what serialises access.
 */
export async function rawPGlite(): Promise<PGlite> {
  const { getPGliteInstance } = await import('typeorm-pglite');
  return getPGliteInstance();
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must match ${String(SCHEMA_NAME)} (got ${JSON.stringify(schema)})`);
  }
  return schema;
}

/**
 * typeorm-pglite keeps one PGlite database per process, and every "connection" it hands out is
 * that database's single session: two TypeORM query runners would share one transaction (a
 * rolled-back insert stays, reads see uncommitted rows). This pool hands out one connection at a
 * time: `connect` waits on a mutex (`pgliteState.mutex`) held until the query runner is released.
 */
type PGliteModule = typeof import('typeorm-pglite');
// Types as typeorm-pglite (CommonJS) sees them: @electric-sql/pglite's ESM typings would differ.
type PGliteOptions = NonNullable<ConstructorParameters<PGliteModule['PGliteDriver']>[0]>;
/** The PGlite database class, as typeorm-pglite loads it. */
export type PGlite = Awaited<ReturnType<PGliteModule['getPGliteInstance']>>;
type PGlitePool = InstanceType<InstanceType<PGliteModule['PGliteDriver']>['driver']['Pool']>;
type ConnectCallback = Parameters<PGlitePool['connect']>[0];

async function serialisedPGliteDriver(
  pgliteOptions: PGliteOptions,
  schema: string | undefined,
): Promise<{ Pool: new () => PGlitePool }> {
  if (pgliteState.live) throw pgliteAlreadyOpen();
  const { PGliteDriver, getPGliteInstance } = await import('typeorm-pglite');
  const Base = new PGliteDriver(pgliteOptions).driver.Pool;

  class SerialisedPGlitePool extends Base {
    private ended = false;
    private prepared = false;

    constructor() {
      super();
      if (pgliteState.live) throw pgliteAlreadyOpen();
      pgliteState.live = true;
      // typeorm-pglite keeps its options in a static: set ours again right before the database
      // is created (another data source may have been constructed since).
      new PGliteDriver(pgliteOptions);
    }

    override async connect(callback: ConnectCallback): Promise<void> {
      const release = await pgliteState.mutex.acquire();
      let db: PGlite;
      try {
        if (this.ended) throw new Error('the PGlite data source is closed');
        db = await getPGliteInstance();
        if (!this.prepared && schema !== undefined) {
          await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
        }
        this.prepared = true;
      } catch (error) {
        release();
        // A database that never opened (bad data dir, …) must not block the next attempt.
        if (!this.prepared && !this.ended) this.end(() => undefined);
        callback(error, null, () => undefined);
        return;
      }
      let done = false;
      callback(null, this, () => {
        if (done) return;
        done = true;
        // A runner released with its transaction still open would hand it to the next holder.
        if (db.isInTransaction()) {
          db.exec('ROLLBACK').then(release, release);
        } else {
          release();
        }
      });
    }

    override end(errorCallback: (error: unknown) => void): void {
      this.ended = true;
      super.end((error: unknown) => {
        pgliteState.live = false;
        errorCallback(error);
      });
    }
  }
  return { Pool: SerialisedPGlitePool };
}
