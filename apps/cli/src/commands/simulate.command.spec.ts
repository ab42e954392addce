import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { CliError } from '../cli-error.js';
import { simulateCommand } from './simulate.command.js';

async function run(args: string[]): Promise<void> {
  await simulateCommand().exitOverride().parseAsync(args, { from: 'user' });
}

const lines = async (file: string): Promise<{ type: string; [key: string]: unknown }[]> =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string });

describe(simulateCommand.name, () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-simulate-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the layout, then observations and one truth line per simulated second', async () => {
    const out = join(dir, 'sim.jsonl');
    await run([
      '--seconds',
      '120',
      '--seed',
      '4',
      '--out',
      out,
      '--sigma',
      '3',
      '--arrivals-per-minute',
      '5',
    ]);
    const records = await lines(out);
    expect(records[0]).toMatchObject({
      type: 'layout',
      store: { id: 'demo', timezone: 'Europe/Berlin' },
      simulation: {
        seed: 4,
        sigmaDb: 3,
        arrivalsPerMinute: 5,
        seconds: 120,
        startAt: Date.UTC(2026, 0, 1, 9),
      },
    });
    expect(records.filter((r) => r.type === 'layout')).toHaveLength(1);
    expect(records.filter((r) => r.type === 'truth')).toHaveLength(120);
    const observations = records.filter((r) => r.type === 'observation');
    expect(observations.length).toBeGreaterThan(0);
    expect(observations[0]).toEqual(
      expect.objectContaining({
        storeId: 'demo',
        sensorId: expect.any(String),
        kind: expect.any(String),
      }),
    );
    expect(records.at(-1)).toMatchObject({
      type: 'truth',
      at: Date.UTC(2026, 0, 1, 9, 2),
      occupancy: expect.any(Number),
    });
  });

  it('is reproducible: same seed, same file', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await run(['--seconds', '30', '--seed', '9', '--out', a]);
    await run(['--seconds', '30', '--seed', '9', '--out', b]);
    expect(await readFile(b, 'utf8')).toBe(await readFile(a, 'utf8'));
  });

  it('writes to stdout with --out - (the default)', async () => {
    const chunks: string[] = [];
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        chunks.push(chunk.toString());
        return true;
      });
    try {
      await run(['--seconds', '2']);
    } finally {
      write.mockRestore();
    }
    const types = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types[0]).toBe('layout');
    expect(types.filter((t) => t === 'truth')).toHaveLength(2);
  });

  it.each([
    [['--seconds', 'ten'], '--seconds must be a whole number from 1 to 604800 (got "ten")'],
    [['--seconds', '0'], '--seconds must be a whole number from 1 to 604800 (got "0")'],
    [['--seed', '1.5'], '--seed must be a whole number from 0 to 4294967295 (got "1.5")'],
    [['--sigma', '-1'], '--sigma must be a number from 0 to 30 (got "-1")'],
    [
      ['--arrivals-per-minute', 'many'],
      '--arrivals-per-minute must be a number from 0 to 1000 (got "many")',
    ],
    [
      ['--start', 'yesterday'],
      '--start must be an ISO 8601 time like 2026-01-01T09:00:00Z or "now" (got "yesterday")',
    ],
  ])('rejects %j with a CliError naming the option', async (args, message) => {
    const attempt = run([...args, '--out', join(dir, 'x.jsonl')]);
    await expect(attempt).rejects.toBeInstanceOf(CliError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('reports a file it cannot write', async () => {
    const out = join(dir, 'missing', 'sim.jsonl');
    await expect(run(['--seconds', '1', '--out', out])).rejects.toThrow(
      new CliError(`cannot write ${out}: ENOENT: no such file or directory, open '${out}'`),
    );
  });
});
