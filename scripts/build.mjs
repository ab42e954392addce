// Compiles every workspace's src/**/*.ts to dist/**/*.js with swc (type-checking is `npm run typecheck`).
// Only files whose source is newer than their output are compiled (all of them when .swcrc or this
// script changed), outputs it compiled from a source now gone are removed, so the build that `npm install` (`prepare`) and `npm start` run is a quick
// up-to-date check once the tree is built; a full pass over the monorepo takes about a second.
// Without the build tools (devDependencies: an install with --omit=dev) a built tree passes with a
// one-line note and an unbuilt or stale one stops with one line saying what to do (README
// "Production install").
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
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

const started = Date.now();
const quiet = process.env.AISLE_QUIET_BUILD;

/** Whether `name` can be imported from here (resolved, not loaded). */
function installed(name) {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the build with one line saying what to do (no stack trace: this is the usual outcome of
 * installing without the devDependencies onto a tree that was not built first).
 */
function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

/** What to do when the build tools are not installed (see README "Production install"). */
const HOW_TO_BUILD =
  'build with the devDependencies installed (npm ci), then drop them (npm prune --omit=dev); see README "Production install"';

/** Every file under `dir` (none when it does not exist). */
async function* files(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** The last line this script writes into every output (so it knows the files it made). */
const mapComment = (out) => `//# sourceMappingURL=${basename(out)}.map\n`;

/** Whether `out` is a file this script compiled: it ends with the source-map line it writes. */
async function compiledHere(out) {
  const text = await readFile(out, 'utf8').catch(() => '');
  return text.endsWith(`\n${mapComment(out)}`);
}

// First the plan: which outputs are missing or older than their sources, and which outputs this
// script made from a source that is gone (deleted or renamed: left in place, they could still be
// imported, or shadow an index).
const stale = [];
const orphans = [];
let upToDate = 0;
await Promise.all(
  dirs.map(async (pkg) => {
    if (pkg === CONSOLE) return;
    const src = join(pkg, 'src');
    const dist = join(pkg, 'dist');
    const outputs = new Set();
    if (await exists(src)) {
      for await (const file of walk(src)) {
        const out = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
        outputs.add(out);
        const [source, output] = await Promise.all([stat(file), stat(out).catch(() => null)]);
        if (output && output.mtimeMs >= source.mtimeMs && output.mtimeMs >= settingsChanged) {
          upToDate += 1;
        } else stale.push({ file, out });
      }
    }
    for await (const out of files(dist)) {
      if (out.endsWith('.js') && !outputs.has(out) && (await compiledHere(out))) {
        orphans.push({ dist, out });
      }
    }
  }),
);
/** Removes `dir` if it is empty: false when it is not (or is gone already). */
const removeIfEmpty = (dir) =>
  rmdir(dir).then(
    () => true,
    () => false,
  );
for (const { dist, out } of orphans) {
  // `force`: another build (tests run them side by side) may be removing the same files.
  await rm(out, { force: true });
  await rm(`${out}.map`, { force: true });
  // And the folders that held only such files.
  let dir = dirname(out);
  while (dir !== dist && (await removeIfEmpty(dir))) dir = dirname(dir);
}
const removed = orphans.length > 0 ? `, ${orphans.length} removed (source gone)` : '';

// The compiler is loaded only when a file must be compiled: a production install lacks it.
if (stale.length > 0 && !installed('@swc/core')) {
  fail(
    `${stale.length} compiled file(s) are missing or older than their sources (${relative(root, stale[0].out)}…) and @swc/core is not installed (a devDependency): ${HOW_TO_BUILD}`,
  );
}
if (stale.length === 0 && !installed('@swc/core') && !quiet) {
  process.stderr.write(
    `build: dist/ is up to date (${upToDate} files${removed}) and the build tools are not installed (production install): nothing compiled\n`,
  );
}
const swc = stale.length > 0 ? await import('@swc/core') : undefined;
await Promise.all(
  stale.map(async ({ file, out }) => {
    const { code, map } = await swc.transformFile(file, {
      ...swcrc,
      filename: file,
      swcrc: false,
      sourceMaps: true,
    });
    await mkdir(dirname(out), { recursive: true });
    if (map) await writeFile(`${out}.map`, map);
    await writeFile(out, `${code}\n${mapComment(out)}`);
  }),
);
if (!quiet && (stale.length > 0 || installed('@swc/core'))) {
  process.stderr.write(
    `build: ${stale.length} files compiled, ${upToDate} up to date${removed}, in ${Date.now() - started} ms\n`,
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
 * Bundles apps/console with Vite into apps/console/dist, only when a source is newer than the last
 * build or the lockfile's content changed since (by hash: npm rewrites the file unchanged, e.g.
 * `npm prune`), so `npm start` stays fast. Without Vite (a production install) an existing build
 * is served as it is.
 */
async function buildConsole() {
  if (!(await exists(join(CONSOLE, 'index.html')))) return;
  const marker = join(CONSOLE, 'dist', 'index.html');
  const lockStamp = join(CONSOLE, 'dist', '.package-lock.sha1');
  const lockfile = join(root, 'package-lock.json');
  const lockHash = async () =>
    createHash('sha1')
      .update(await readFile(lockfile))
      .digest('hex');
  const built = await newest(marker);
  const sources = Math.max(
    ...(await Promise.all(
      ['src', 'index.html', 'vite.config.mjs', 'package.json'].map((p) => newest(join(CONSOLE, p))),
    )),
  );
  const lockChanged =
    (await newest(lockfile)) > built &&
    (await readFile(lockStamp, 'utf8').catch(() => '')) !== (await lockHash());
  if (built > 0 && built >= sources && !lockChanged && !process.env.AISLE_CONSOLE_REBUILD) {
    if (!quiet) process.stderr.write('build: console is up to date\n');
    return;
  }
  if (!installed('vite')) {
    if (built === 0) fail(`the console is not built and Vite is not installed: ${HOW_TO_BUILD}`);
    if (!quiet) {
      process.stderr.write(
        'build: the console is older than its sources and Vite is not installed: the existing build is served\n',
      );
    }
    return;
  }
  const vite = await import('vite');
  const startedConsole = Date.now();
  await vite.build({ configFile: join(CONSOLE, 'vite.config.mjs'), logLevel: 'warn' });
  await writeFile(lockStamp, await lockHash());
  if (!quiet) process.stderr.write(`build: console in ${Date.now() - startedConsole} ms\n`);
}
