import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `scripts/build.mjs` run for real (a child process) on a small monorepo of its own: one
 * workspace, `libs/a`, with the repository's `.swcrc`. Without `node_modules` the build tools
 * cannot be found, as after `npm ci --omit=dev`; `withTools` links the repository's.
 */
function tree(options: { withTools?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'aisle-build-spec-'));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(repo, 'scripts', 'build.mjs'), join(root, 'scripts', 'build.mjs'));
  copyFileSync(join(repo, '.swcrc'), join(root, '.swcrc'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['libs/*'] }));
  mkdirSync(join(root, 'libs', 'a', 'src'), { recursive: true });
  writeFileSync(join(root, 'libs', 'a', 'src', 'index.ts'), 'export const a: number = 1;\n');
  if (options.withTools) symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  return root;
}

/** Writes `dist/<name>.js` (and its map) as the build does, dated `seconds` from now. */
function output(root: string, name: string, seconds = 10): void {
  const out = join(root, 'libs', 'a', 'dist', `${name}.js`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.map`, '{"version":3}');
  writeFileSync(out, `export const a = 1;\n\n//# sourceMappingURL=${name}.js.map\n`);
  const at = Date.now() / 1000 + seconds;
  utimesSync(out, at, at);
}

function build(root: string): { status: number | null; lines: string[] } {
  const env: NodeJS.ProcessEnv = { ...process.env, AISLE_SKIP_DB_TEMPLATE: '1' };
  delete env['AISLE_QUIET_BUILD'];
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    env,
    encoding: 'utf8',
  });
  return { status: result.status, lines: result.stderr.split('\n').filter((l) => l !== '') };
}

const roots: string[] = [];
const make = (options?: { withTools?: boolean }): string => {
  const root = tree(options);
  roots.push(root);
  return root;
};
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('scripts/build.mjs without the build tools (npm ci --omit=dev)', () => {
  it('the test tree cannot see the build tools', () => {
    const root = make();
    expect(() => createRequire(join(root, 'scripts', 'build.mjs')).resolve('@swc/core')).toThrow();
  });

  it('skips the build with one line when dist/ is up to date', () => {
    const root = make();
    output(root, 'index');
    const { status, lines } = build(root);
    expect(status).toBe(0);
    expect(lines).toEqual([
      'build: dist/ is up to date (1 files) and the build tools are not installed (production install): nothing compiled',
    ]);
  });

  it.each([
    ['missing', (): void => undefined],
    ['older than its source', (root: string): void => output(root, 'index', -60)],
  ])('fails with one line saying what to do when an output is %s', (_case, prepare) => {
    const root = make();
    prepare(root);
    const { status, lines } = build(root);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('libs/a/dist/index.js');
    expect(lines[0]).toContain('@swc/core is not installed');
    expect(lines[0]).toContain('npm ci');
    expect(lines[0]).toContain('README "Production install"');
  });

  it('compiles what is stale when the build tools are there', () => {
    const root = make({ withTools: true });
    const { status, lines } = build(root);
    expect(status).toBe(0);
    expect(lines[0]).toMatch(/^build: 1 files compiled, 0 up to date/);
  });
});

describe('scripts/build.mjs: outputs whose source is gone', () => {
  const dist = (root: string, ...path: string[]): string =>
    join(root, 'libs', 'a', 'dist', ...path);

  it('removes what it compiled from a deleted source (and the emptied folder), nothing else', () => {
    const root = make({ withTools: true });
    mkdirSync(join(root, 'libs', 'a', 'src', 'old'));
    writeFileSync(join(root, 'libs', 'a', 'src', 'old', 'gone.ts'), 'export const gone = 1;\n');
    expect(build(root).status).toBe(0);
    expect(existsSync(dist(root, 'old', 'gone.js'))).toBe(true);
    // Files in dist/ the build did not make stay, whatever their names.
    writeFileSync(dist(root, 'notes.txt'), 'kept');
    writeFileSync(dist(root, 'by-hand.js'), 'export const kept = 1;\n');

    rmSync(join(root, 'libs', 'a', 'src', 'old', 'gone.ts'));
    const { status, lines } = build(root);

    expect(status).toBe(0);
    expect(lines[0]).toMatch(/^build: 0 files compiled, 1 up to date, 1 removed \(source gone\)/);
    expect(existsSync(dist(root, 'old'))).toBe(false);
    expect(existsSync(dist(root, 'index.js'))).toBe(true);
    expect(existsSync(dist(root, 'index.js.map'))).toBe(true);
    expect(existsSync(dist(root, 'notes.txt'))).toBe(true);
    expect(existsSync(dist(root, 'by-hand.js'))).toBe(true);
  });

  it('removes them in a production install too (no build tools needed)', () => {
    const root = make();
    output(root, 'index');
    output(root, 'renamed');
    const { status, lines } = build(root);
    expect(status).toBe(0);
    expect(lines[0]).toContain('dist/ is up to date (1 files, 1 removed (source gone))');
    expect(existsSync(dist(root, 'renamed.js'))).toBe(false);
    expect(existsSync(dist(root, 'renamed.js.map'))).toBe(false);
    expect(existsSync(dist(root, 'index.js'))).toBe(true);
  });
});
