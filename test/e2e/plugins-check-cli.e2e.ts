import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@aisle/core';

const run = promisify(execFile);
const CHECK = join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'check');

async function stale(pkg: string): Promise<boolean> {
  for (const entry of await readdir(join(pkg, 'src'), { recursive: true })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.spec.ts')) continue;
    const source = await stat(join(pkg, 'src', entry));
    const built = await stat(join(pkg, 'dist', entry.replace(/\.ts$/, '.js'))).catch(() => null);
    if (!built || built.mtimeMs < source.mtimeMs) return true;
  }
  return false;
}

/** The exit code, stdout and stderr of the real `aisle plugins check`. */
async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'apps', 'cli', 'bin', 'aisle.js'), 'plugins', 'check', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, AISLE_PLUGIN_DIRS: '', NODE_NO_WARNINGS: '1' } },
    );
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** The command as CI and integrators run it: built, in its own process, judged by exit code. */
describe('aisle plugins check (the command)', () => {
  beforeAll(async () => {
    for (const pkg of ['apps/cli', 'apps/core', 'libs/sdk', 'hardware']) {
      if (await stale(join(REPO_ROOT, pkg))) {
        await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
        break;
      }
    }
  }, 60_000);

  it('passes a good plugin folder given directly', async () => {
    const result = await check(join(CHECK, 'ok', 'good-driver'));
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toMatch(/ok {3}good-driver \[silver\] .*\n1 plugin\(s\) checked, no problems/);
  });

  it('exits 2 for an entry that does not exist, naming the file and the reason', async () => {
    const result = await check(join(CHECK, 'not-ok', 'missing-entry'));
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/FAIL missing-entry/);
    expect(result.err).toMatch(
      /missing-entry\/dist\/nope.js: missing-entry: the manifest's entry "dist\/nope.js" does not exist/,
    );
  });

  it('exits 2 for a folder that does not exist or holds no plugin, instead of "0 checked"', async () => {
    const result = await check(join(CHECK, 'nope'), CHECK);
    expect(result.code).toBe(2);
    expect(result.out).not.toMatch(/0 plugin\(s\) checked/);
    expect(result.err).toMatch(/nope does not exist/);
    expect(result.err).toMatch(/check holds no aisle-plugin.json/);
  });
});
