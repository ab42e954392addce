import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import {
  closeDatabase,
  openDatabase,
  saveFreshTemplate,
  type DatabaseKind,
} from './data-source.js';
import { freshTemplatePath, readFreshTemplate } from './fresh-template.js';

export interface TestDatabase {
  /** Initialised and migrated. */
  dataSource: DataSource;
  kind: DatabaseKind;
  /** Closes the database and removes what the test created (its schema on PostgreSQL). */
  close(): Promise<void>;
}

/**
 * A migrated database of its own for one test file. With `DATABASE_URL`: a fresh schema on that
 * server (`t_<pid>_<random>`), dropped by `close()`. Without: an in-memory PGlite, started from a
 * migrated template cached under the OS temp dir. With `CI=true` and no `DATABASE_URL` it fails:
 * CI must test against the real server, never silently against the stand-in.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) return openPostgresTestDatabase(url);
  if (process.env.CI === 'true') {
    throw new Error(
      'CI=true requires DATABASE_URL: tests must run against PostgreSQL in CI ' +
        '(set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)',
    );
  }
  return openPGliteTestDatabase();
}

async function openPostgresTestDatabase(url: string): Promise<TestDatabase> {
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  let dataSource: DataSource;
  try {
    dataSource = await openDatabase({ url, schema });
  } catch (error) {
    await dropSchema(url, schema);
    throw error;
  }
  return {
    dataSource,
    kind: 'postgres',
    close: async () => {
      try {
        if (dataSource.isInitialized) await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await closeDatabase(dataSource);
      }
    },
  };
}

/** Best effort, for a schema whose data source failed to open. */
async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch {
    // The original error is the one worth reporting.
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function openPGliteTestDatabase(): Promise<TestDatabase> {
  const dump = await readFreshTemplate();
  if (dump) {
    try {
      const dataSource = await openDatabase({ loadDataDir: dump });
      return pgliteTestDatabase(dataSource);
    } catch {
      // Unreadable or stale template: rebuild it below.
      await rm(freshTemplatePath(), { force: true });
    }
  }
  const dataSource = await openDatabase({});
  await saveFreshTemplate(dataSource).catch(() => undefined); // a cache: failing is fine
  return pgliteTestDatabase(dataSource);
}

function pgliteTestDatabase(dataSource: DataSource): TestDatabase {
  return { dataSource, kind: 'pglite', close: () => closeDatabase(dataSource) };
}
