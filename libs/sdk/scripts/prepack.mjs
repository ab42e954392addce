// `npm pack` / `npm publish` of @aisle/sdk: the monorepo's compiled JavaScript in dist/ (built by
// scripts/build.mjs when missing or older than its source) plus .d.ts from tsc. Declarations only
// are written here, so a pack never rewrites JavaScript that running tests may be importing.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(sdk, '..', '..');

function stale() {
  for (const entry of readdirSync(join(sdk, 'src'), { recursive: true })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.spec.ts')) continue;
    const js = join(sdk, 'dist', entry.replace(/\.ts$/, '.js'));
    try {
      if (statSync(js).mtimeMs < statSync(join(sdk, 'src', entry)).mtimeMs) return true;
    } catch {
      return true;
    }
  }
  return false;
}

if (stale()) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(sdk, 'tsconfig.build.json'),
    '--emitDeclarationOnly',
  ],
  { stdio: 'inherit' },
);
