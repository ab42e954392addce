import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@aisle/core';

const ESPRESENSE = join(
  REPO_ROOT,
  'plugins',
  'ble-beacon',
  'test',
  'fixtures',
  'espresense_device_messages.jsonl',
);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built `aisle` command; stderr is a pipe here (not a terminal), as in CI or a log. */
function aisle(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'apps', 'cli', 'bin', 'aisle.js'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** True when a TypeScript file under `pkg`/src has no compiled file in dist at least as new. */
async function stale(pkg: string): Promise<boolean> {
  for (const entry of await readdir(join(pkg, 'src'), { recursive: true })) {
    if (!entry.endsWith('.ts')) continue;
    const source = await stat(join(pkg, 'src', entry));
    const built = await stat(join(pkg, 'dist', entry.replace(/\.ts$/, '.js'))).catch(() => null);
    if (!built || built.mtimeMs < source.mtimeMs) return true;
  }
  return false;
}

/** `aisle decode` as a new user runs it (#22): errors alone on stderr, one record schema. */
describe('aisle decode', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-decode-'));
    const packages = [
      'apps/cli',
      'apps/core',
      'libs/sdk',
      'plugins/ble-beacon',
      'plugins/wifi-sniffer',
    ];
    let build = false;
    for (const pkg of packages) build ||= await stale(join(REPO_ROOT, pkg));
    if (build) {
      await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
        cwd: REPO_ROOT,
      });
    }
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is an error on stderr alone, with a non-zero exit', async () => {
    const missing = join(dir, 'missing.pcap');
    const result = await aisle('decode', '--format', 'pcap', missing);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `aisle: ${missing}: no such file\n` });
  }, 30_000);

  it('the wrong --format is an error that names the right one; no summary on stdout', async () => {
    const result = await aisle('decode', '--format', 'esp32', '--no-progress', ESPRESENSE);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no observation: all \d+ records were rejected/);
    expect(result.stderr).toMatch(
      /the file decodes as espresense[ a-z]*: try --format espresense\n$/,
    );
    const unknown = await aisle('decode', '--format', 'espressense', ESPRESENSE);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format "espressense".*try --format espresense/);
  }, 30_000);

  it('ESPresense records follow the one schema, with "at": null when the file has no time', async () => {
    const result = await aisle('decode', '--format', 'espresense', '--no-progress', ESPRESENSE);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const records = lines.slice(0, -1);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 6)).toEqual([
        'kind',
        'at',
        'sensorId',
        'subject',
        'subjectKind',
        'randomized',
      ]);
      expect(record['at']).toBeNull();
      expect(record).not.toHaveProperty('device');
    }
    expect(lines.at(-1)).toMatchObject({ summary: { withoutTime: records.length } });
    expect(result.stderr).toMatch(/have "at": null: the file gives them no time/);
  }, 30_000);

  it('--progress prints plain-text progress lines when stderr is not a terminal', async () => {
    const file = join(dir, 'many.jsonl');
    const line = JSON.stringify({
      topic: 'espresense/devices/known:eeede852bd0b/room_1',
      payload: { mac: 'eeede852bd0b', id: 'known:eeede852bd0b', rssi: -60, 'rssi@1m': -59 },
      at: 1_700_000_000_000,
    });
    await writeFile(file, `${Array.from({ length: 200 }, () => line).join('\n')}\n`);
    const result = await aisle('decode', '--format', 'espresense', '--progress', file);
    expect(result.code).toBe(0);
    const progress = result.stderr.split('\n').filter((l) => l.startsWith('aisle decode: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^aisle decode: 100% \(\d+ of \d+\)$/);
    const quiet = await aisle('decode', '--format', 'espresense', file);
    expect(quiet.stderr).toBe('');
  }, 30_000);
});
