// Compiles every workspace's src/**/*.ts to dist/**/*.js with swc (type-checking is `npm run typecheck`).
// Only files whose source is newer than their output are compiled (all of them when .swcrc or this
// script changed), so the build that `npm install` (`prepare`) and `npm start` run is a quick
// up-to-date check once the tree is built; a full pass over the monorepo takes about a second.
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcrcPath = join(root, '.swcrc');
const swcrc = JSON.parse(readFileSync(swcrcPath, 'utf8'));
delete swcrc.$schema;
/** Outputs older than the compiler's settings (or this script) are stale whatever their source. */
const settingsChanged = Math.max(
  statSync(swcrcPath).mtimeMs,
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.endsWith('.spec.ts')
    )
      yield path;
  }
}

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const dirs = [];
for (const pattern of workspaces) {
  if (pattern.endsWith('/*')) {
    const parent = join(root, pattern.slice(0, -2));
    if (!(await exists(parent))) continue;
    for (const entry of await readdir(parent, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(join(parent, entry.name));
    }
  } else dirs.push(join(root, pattern));
}
// The web console is a browser app bundled by Vite (below), not compiled file by file.
const CONSOLE = join(root, 'apps', 'console');

let count = 0;
let upToDate = 0;
const started = Date.now();
/** swc, loaded only when a file must be compiled (a production install may lack it). */
let swc;
await Promise.all(
  dirs.map(async (pkg) => {
    if (pkg === CONSOLE) return;
    const src = join(pkg, 'src');
    if (!(await exists(src))) return;
    for await (const file of walk(src)) {
      const out = join(pkg, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
      const [source, output] = await Promise.all([stat(file), stat(out).catch(() => null)]);
      if (output && output.mtimeMs >= source.mtimeMs && output.mtimeMs >= settingsChanged) {
        upToDate += 1;
        continue;
      }
      swc ??= import('@swc/core').catch(() => {
        throw new Error(
          `${relative(root, out)} is missing or stale and @swc/core is not installed: run npm install`,
        );
      });
      const { code, map } = await (
        await swc
      ).transformFile(file, {
        ...swcrc,
        filename: file,
        swcrc: false,
        sourceMaps: true,
      });
      await mkdir(dirname(out), { recursive: true });
      if (map) await writeFile(`${out}.map`, map);
      await writeFile(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
      count += 1;
    }
  }),
);
if (!process.env.AISLE_QUIET_BUILD) {
  process.stderr.write(
    `build: ${count} files compiled, ${upToDate} up to date, in ${Date.now() - started} ms\n`,
  );
}

await buildConsole();
await buildDatabaseTemplate();

/**
 * The embedded database's migrated dump and data directory (libs/persistence
 * `ensureFreshTemplate`), made once per PGlite version and set of migrations, so a new data
 * directory starts without `initdb`. Runs in
 * a child process (it loads PGlite); a failure only costs the first start its speed.
 */
async function buildDatabaseTemplate() {
  if (process.env.AISLE_SKIP_DB_TEMPLATE) return;
  const dist = join(root, 'libs', 'persistence', 'dist');
  // The file name check loads only the migrations; PGlite (in a child) only when the dump must be
  // made.
  const { freshTemplatePath, freshTemplateDirPath } = await import(
    pathToFileURL(join(dist, 'fresh-template.js')).href
  );
  if (
    (await exists(freshTemplatePath())) &&
    (await exists(join(freshTemplateDirPath(), 'PG_VERSION')))
  )
    return;
  const full = pathToFileURL(join(dist, 'index.js')).href;
  const script = [
    `const m = await import(${JSON.stringify(full)});`,
    `if (await m.ensureFreshTemplate()) console.error('build: database template made');`,
  ].join('\n');
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'inherit', process.env.AISLE_QUIET_BUILD ? 'ignore' : 'inherit'],
  });
  if (result.status !== 0 && !process.env.AISLE_QUIET_BUILD) {
    process.stderr.write('build: database template not made (first starts run initdb)\n');
  }
}

/** Newest modification time (ms) of a file or of any file under a folder. */
async function newest(path) {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of await readdir(path))
    latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

/**
 * Bundles apps/console with Vite into apps/console/dist, only when a source (or the lockfile) is
 * newer than the last build, so `npm start` stays fast. Without Vite (a production install) an
 * existing build is served as it is.
 */
async function buildConsole() {
  if (!(await exists(join(CONSOLE, 'index.html')))) return;
  const marker = join(CONSOLE, 'dist', 'index.html');
  const built = await newest(marker);
  const sources = Math.max(
    ...(await Promise.all(
      ['src', 'index.html', 'vite.config.mjs', 'package.json'].map((p) => newest(join(CONSOLE, p))),
    )),
    await newest(join(root, 'package-lock.json')),
  );
  const quiet = process.env.AISLE_QUIET_BUILD;
  if (built > 0 && built >= sources && !process.env.AISLE_CONSOLE_REBUILD) {
    if (!quiet) process.stderr.write('build: console is up to date\n');
    return;
  }
  let vite;
  try {
    vite = await import('vite');
  } catch {
    if (built > 0) return;
    throw new Error('the console is not built and Vite is not installed: run npm install');
  }
  const startedConsole = Date.now();
  await vite.build({ configFile: join(CONSOLE, 'vite.config.mjs'), logLevel: 'warn' });
  if (!quiet) process.stderr.write(`build: console in ${Date.now() - startedConsole} ms\n`);
}
