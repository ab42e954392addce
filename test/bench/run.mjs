// `npm run bench -- <name>`: compiles test/bench/<name>.bench.ts with swc, runs its default export
// (an async function returning a plain object), prints that object as JSON on the last line and
// writes it to bench-results/<name>.json. Benchmarks import Aisle only through @aisle/* packages
// (built to dist/ by `npm run bench` first); test helpers they import by relative path (e.g.
// ../faults/harness.js) are compiled alongside, under .out/deps/. Arguments starting with `-`
// (and a number after one, as in `--minutes 3`) are left to the benchmark (process.argv).
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformFile } from '@swc/core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const names = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -9));
const args = process.argv.slice(2);
const wanted = args.filter(
  (a, i) =>
    !a.startsWith('-') && !(i > 0 && args[i - 1].startsWith('-') && /^\d+(\.\d+)?$/.test(a)),
);
if (wanted.length === 0) {
  console.error(`usage: npm run bench -- <name>   (one of: ${names.join(', ')})`);
  process.exit(2);
}
// `e2e --memory --minutes 3` writes bench-results/e2e-memory-minutes-3.json.
// A flag's value given with `=` (`--compare=/path`) is kept out of the file name.
const flags = args
  .filter((a) => !wanted.includes(a))
  .map((a) => a.replace(/^-+/, '').replace(/=.*$/, ''));
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
await mkdir(join(root, 'bench-results'), { recursive: true });
const outDir = join(here, '.out');
await mkdir(outDir, { recursive: true });
const compiled = new Map();

/** Compiles `file` to `out`, and the relative `.js` imports it makes of `.ts` files, recursively. */
async function compile(file, out) {
  if (compiled.has(file)) return;
  compiled.set(file, out);
  let { code } = await transformFile(file, {
    ...swcrc,
    filename: file,
    swcrc: false,
    sourceMaps: false,
  });
  const deps = [];
  code = code.replace(
    /(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.js\2/g,
    (all, lead, q, spec) => {
      const source = resolve(dirname(file), `${spec}.ts`);
      if (!existsSync(source)) return all;
      const target = join(
        outDir,
        'deps',
        `${relative(join(root, 'test'), source).slice(0, -3)}.mjs`,
      );
      deps.push([source, target]);
      let path = relative(dirname(out), target);
      if (!path.startsWith('.')) path = `./${path}`;
      return `${lead}${q}${path}${q}`;
    },
  );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  for (const [source, target] of deps) await compile(source, target);
}

for (const name of wanted) {
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}" (one of: ${names.join(', ')})`);
    process.exit(2);
  }
  const file = join(here, `${name}.bench.ts`);
  const out = join(outDir, `${name}.bench.mjs`);
  await compile(file, out);
  const mod = await import(pathToFileURL(out).href);
  const started = new Date().toISOString();
  const result = { benchmark: name, started, node: process.version, ...(await mod.default()) };
  await writeFile(
    join(root, 'bench-results', `${[name, ...flags].join('-')}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result));
}
