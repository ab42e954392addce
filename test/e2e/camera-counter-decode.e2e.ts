import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@aisle/core';

const run = promisify(execFile);
const SAMPLE = join(
  REPO_ROOT,
  '..',
  'shared',
  'data',
  'payload-samples',
  'frigate_events_example.json',
);
const CAPTURE = join(
  REPO_ROOT,
  'plugins',
  'camera-counter',
  'test',
  'fixtures',
  'frigate-capture.jsonl',
);

async function aisle(
  ...args: string[]
): Promise<{ lines: Record<string, unknown>[]; stderr: string }> {
  const { stdout, stderr } = await run(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'cli', 'bin', 'aisle.js'), ...args],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  return {
    lines: stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr,
  };
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

/** The real command, built as `npm start` builds it, on the shared Frigate sample. */
describe('aisle decode --format frigate', () => {
  beforeAll(async () => {
    // `npm test` builds first; build here only when the compiled plugin is missing or older than
    // its source (so parallel test files do not rewrite dist/ under each other's feet).
    if (await stale(join(REPO_ROOT, 'plugins', 'camera-counter'))) {
      await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
    }
  }, 60_000);

  it("decodes Frigate's documented event sample from ../shared into a zone entry", async () => {
    const { lines } = await aisle('decode', '--format', 'frigate', '--no-progress', SAMPLE);
    expect(lines).toEqual([
      {
        kind: 'camera',
        at: 1_607_123_962_083,
        sensorId: 'front_door',
        subject: null,
        subjectKind: null,
        randomized: null,
        zoneId: 'yard',
        entries: 1,
        exits: 0,
      },
      {
        summary: expect.objectContaining({
          format: 'frigate',
          observations: 1,
          byKind: { camera: 1 },
          rejected: 0,
        }),
      },
    ]);
  }, 30_000);

  it('decodes a JSON-lines capture of Frigate MQTT messages', async () => {
    const { lines } = await aisle('decode', '--format', 'frigate', '--no-progress', CAPTURE);
    const summary = lines.at(-1)?.['summary'] as { observations: number; rejected: number };
    expect(summary).toMatchObject({ observations: 12, rejected: 0 });
    expect(lines.slice(0, -1).every((l) => l['kind'] === 'camera' && !('trackId' in l))).toBe(true);
    expect(lines.slice(0, -1).every((l) => 'subject' in l && 'subjectKind' in l)).toBe(true);
  }, 30_000);
});
