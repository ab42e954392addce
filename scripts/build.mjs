// Compiles every workspace's src/**/*.ts to dist/**/*.js with swc (type-checking is `npm run typecheck`).
// One pass over the whole monorepo takes about a second, so `npm start` can always build first.
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFile } from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

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

let count = 0;
const started = Date.now();
await Promise.all(
  dirs.map(async (pkg) => {
    const src = join(pkg, 'src');
    if (!(await exists(src))) return;
    for await (const file of walk(src)) {
      const out = join(pkg, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
      const { code, map } = await transformFile(file, {
        ...swcrc,
        filename: file,
        swcrc: false,
        sourceMaps: true,
      });
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
      if (map) await writeFile(`${out}.map`, map);
      count += 1;
    }
  }),
);
if (!process.env.AISLE_QUIET_BUILD) {
  process.stderr.write(`build: ${count} files in ${Date.now() - started} ms\n`);
}
