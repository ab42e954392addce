import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';

/**
 * A fresh embedded database (PGlite `initdb` plus every migration) takes most of a first start
 * (tens of seconds on a loaded machine). Its result is always the same for one PGlite version and
 * one set of migrations, so it is kept once as a data-directory dump under the OS temp dir and a
 * new data directory (or a test database) is started from that dump instead. The file name
 * carries a hash of the PGlite version and of every migration's code, so a changed migration or
 * engine never reuses an old dump. The dump holds no secrets: keys and API keys are created
 * after the migrations, in the data directory itself.
 */
export function freshTemplatePath(): string {
  const hash = createHash('sha256');
  hash.update(`template-v2\0${pgliteVersion()}\0`);
  for (const migration of MIGRATIONS) {
    hash.update(`${migration.name}\0${String(migration.prototype.up)}\0`);
  }
  return join(tmpdir(), `aisle-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
}

/**
 * The same database as a data directory that was shut down cleanly (made by the build next to the
 * dump): a new on-disk data directory is a copy of it, which PGlite opens like any existing one,
 * without writing the dump file by file through its virtual file system and without the crash
 * recovery a dump of a running database needs (together about half of a first start).
 */
export function freshTemplateDirPath(): string {
  return freshTemplatePath().replace(/\.tar$/, '');
}

/**
 * Publishes a cleanly closed, freshly migrated data directory as the template directory (a
 * rename, so a parallel reader never sees half of it); another build that won the race keeps
 * its own and this one is removed.
 */
export async function publishFreshTemplateDir(dataDir: string): Promise<void> {
  await rename(dataDir, freshTemplateDirPath()).catch(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
}

/** The cached dump, or null when there is none (or it cannot be read). */
export async function readFreshTemplate(): Promise<Blob | null> {
  const dump = await readFile(freshTemplatePath()).catch(() => null);
  return dump ? new Blob([dump]) : null;
}

/** Stores a dump; write then rename, so a parallel reader never sees half a file. */
export async function writeFreshTemplate(dump: Blob): Promise<void> {
  const path = freshTemplatePath();
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, path);
}

function pgliteVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@electric-sql/pglite'); // …/pglite/dist/index.cjs
    const pkg = require(join(dirname(main), '..', 'package.json')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
