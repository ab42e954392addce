import { resolve } from 'node:path';
import { startEmbeddedDatabase, type EmbeddedStart } from '@aisle/persistence/embedded';
import { DEFAULT_DATA_DIR } from '../config/defaults.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

/** The embedded database folder, locked, its opening begun before the hub's modules load. */
export interface EarlyDatabase {
  readonly lock: DataDirLock;
  readonly database: EmbeddedStart;
}

/**
 * `npm start`'s first step, before it loads the hub (Nest, TypeORM, class-validator…: most of a
 * start): with no `DATABASE_URL`, locks `AISLE_DATA_DIR` and begins opening the embedded
 * database in it (the template copy in a worker thread, PGlite's wasm compile and file reads),
 * so that work overlaps the module loading. Reads the two variables as `loadAppConfig` does;
 * `createHub` checks that its validated configuration names the same folder.
 */
export function startDatabaseEarly(env: NodeJS.ProcessEnv): EarlyDatabase | undefined {
  if (env['DATABASE_URL'] !== undefined) return undefined;
  const dataDir = resolve(env['AISLE_DATA_DIR'] ?? DEFAULT_DATA_DIR);
  const lock = lockDataDir(dataDir);
  return { lock, database: startEmbeddedDatabase(dataDir) };
}
