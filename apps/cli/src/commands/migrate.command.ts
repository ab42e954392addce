import { resolve } from 'node:path';
import { Command } from 'commander';
import { closeDatabase, openDatabase } from '@aisle/persistence';

/** `aisle migrate`: runs pending migrations on DATABASE_URL, or on the embedded database. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'Run database migrations (DATABASE_URL, or the embedded PGlite under AISLE_DATA_DIR)',
    )
    .option(
      '--data-dir <dir>',
      'embedded database folder',
      process.env['AISLE_DATA_DIR'] ?? './data',
    )
    .action(async (options: { dataDir: string }) => {
      const url = process.env['DATABASE_URL'];
      const dataSource = await openDatabase(url ? { url } : { dataDir: resolve(options.dataDir) });
      try {
        const rows = await dataSource.query<{ name: string }[]>(
          'SELECT name FROM migrations ORDER BY id',
        );
        process.stdout.write(
          `database is up to date (${url ? 'PostgreSQL' : `PGlite in ${resolve(options.dataDir)}`}); migrations: ${rows.map((r) => r.name).join(', ')}\n`,
        );
      } finally {
        await closeDatabase(dataSource);
      }
    });
}
