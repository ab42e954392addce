// `npm run bench -- <name>`: compiles test/bench/<name>.bench.ts with swc, runs its default export
// (an async function returning a plain object), prints that object as JSON on the last line and
// writes it to bench-results/<name>.json. Benchmarks import Aisle only through @aisle/* packages
// (built to dist/ by `npm run bench` first).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformFile } from '@swc/core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const names = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -9));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (wanted.length === 0) {
  console.error(`usage: npm run bench -- <name>   (one of: ${names.join(', ')})`);
  process.exit(2);
}
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
await mkdir(join(root, 'bench-results'), { recursive: true });
const outDir = join(here, '.out');
await mkdir(outDir, { recursive: true });
for (const name of wanted) {
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}" (one of: ${names.join(', ')})`);
    process.exit(2);
  }
  const file = join(here, `${name}.bench.ts`);
  const { code } = await transformFile(file, {
    ...swcrc,
    filename: file,
    swcrc: false,
    sourceMaps: false,
  });
  const out = join(outDir, `${name}.bench.mjs`);
  await writeFile(out, code);
  const mod = await import(pathToFileURL(out).href);
  const started = new Date().toISOString();
  const result = { benchmark: name, started, node: process.version, ...(await mod.default()) };
  await writeFile(
    join(root, 'bench-results', `${name}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result));
}
