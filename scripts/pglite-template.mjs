// Makes the embedded database's template: a dump of a freshly initialised PGlite cluster
// (PostgreSQL's initdb, no Aisle tables). A first start loads it into its empty data folder
// instead of running initdb in WebAssembly, which takes 5 s on an idle machine and 30 s on a busy
// one. Migrations still run at start, so the template never holds a stale schema. Run by
// `npm install` (postinstall) and by the build when missing; a failure only costs that time.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the template of the installed PGlite version lives (libs/persistence reads it there). */
export function templatePath() {
  const require = createRequire(join(root, 'libs', 'persistence', 'package.json'));
  // The package's exports hide its package.json: find it above the resolved entry.
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === '@electric-sql/pglite') {
        return join(root, 'libs', 'persistence', 'dist', `pglite-template-${pkg.version}.tar`);
      }
    }
    if (dirname(dir) === dir) throw new Error('@electric-sql/pglite is not installed');
    dir = dirname(dir);
  }
}

export async function makeTemplate({ quiet = false } = {}) {
  const path = templatePath();
  if (existsSync(path)) return path;
  const started = Date.now();
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('none');
  await db.close();
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, path);
  if (!quiet) {
    process.stderr.write(`build: embedded database template in ${Date.now() - started} ms\n`);
  }
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await makeTemplate({ quiet: Boolean(process.env.AISLE_QUIET_BUILD) });
  } catch (error) {
    process.stderr.write(
      `pglite template not made (${error.message}): a first start runs initdb instead\n`,
    );
  }
}
