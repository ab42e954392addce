import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { CliError } from '../cli-error.js';
import { locateCommand } from './locate.command.js';

const sensors = [
  { id: 'a', x: 0, y: 0, z: 2.5 },
  { id: 'b', x: 20, y: 0, z: 2.5 },
  { id: 'c', x: 20, y: 15, z: 2.5 },
  { id: 'd', x: 0, y: 15, z: 2.5 },
  { id: 'e', x: 10, y: 7, z: 2.5 },
];
/** Deterministic ±1.5 dB noise. */
const wobble = (i: number): number => 1.5 * Math.sin(i * 12.9898);

function sightingLines(at: { x: number; y: number }, subject: string): string {
  const lines: string[] = [];
  for (let k = 0; k < 10; k += 1) {
    sensors.forEach((s, i) => {
      const d = Math.hypot(at.x - s.x, at.y - s.y, s.z - 1.2);
      const rssi = -45 - 25 * Math.log10(d) + wobble(k * 7 + i);
      lines.push(JSON.stringify({ t: 1_000 + k * 1_000 + i, subject, sensor: s.id, rssi }));
    });
  }
  return `${lines.join('\n')}\n`;
}

describe(locateCommand.name, () => {
  let dir: string;
  let written: string[];
  let errors: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-locate-'));
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    errors = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<void> {
    await locateCommand().exitOverride().parseAsync(args, { from: 'user' });
  }

  it('prints one JSON line per update with position and uncertainty, near the truth', async () => {
    await writeFile(join(dir, 'sensors.json'), JSON.stringify(sensors));
    await writeFile(
      join(dir, 's.jsonl'),
      sightingLines({ x: 14, y: 5 }, 'p1') + sightingLines({ x: 4, y: 11 }, 'p2'),
    );
    await run(['--sensors', join(dir, 'sensors.json'), '--sightings', join(dir, 's.jsonl')]);
    const fixes = written
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(fixes.length).toBeGreaterThanOrEqual(18);
    expect(Object.keys(fixes[0]).sort()).toEqual(['subject', 't', 'uncertainty', 'x', 'y']);
    const last = (subject: string) => fixes.filter((f) => f.subject === subject).at(-1);
    expect(Math.hypot(last('p1').x - 14, last('p1').y - 5)).toBeLessThan(1.5);
    expect(Math.hypot(last('p2').x - 4, last('p2').y - 11)).toBeLessThan(1.5);
    expect(last('p1').uncertainty).toBeGreaterThan(0);
  });

  it('fits path-loss parameters from the data with --fit', async () => {
    await writeFile(
      join(dir, 'sensors.json'),
      JSON.stringify(sensors.map((s) => ({ ...s, pathLossExponent: 2, measuredPower: -40 }))),
    );
    const many = [
      { x: 14, y: 5 },
      { x: 4, y: 11 },
      { x: 10, y: 2 },
      { x: 17, y: 12 },
      { x: 3, y: 3 },
    ];
    await writeFile(join(dir, 's.jsonl'), many.map((p, i) => sightingLines(p, `p${i}`)).join(''));
    await run([
      '--sensors',
      join(dir, 'sensors.json'),
      '--sightings',
      join(dir, 's.jsonl'),
      '--fit',
    ]);
    const stderr = (process.stderr.write as jest.Mock).mock.calls.map((c) => String(c[0])).join('');
    const fit = JSON.parse(stderr.trim()).fit;
    expect(Number.isFinite(fit.pathLossExponent)).toBe(true);
    expect(fit.samples).toBeGreaterThan(100);
    expect(written.length).toBeGreaterThan(0);
  });

  it('names the file, line and field of bad input', async () => {
    await writeFile(join(dir, 'sensors.json'), JSON.stringify([{ id: 'a', x: 'one', y: 0 }]));
    await writeFile(join(dir, 's.jsonl'), '{"t":1,"subject":"p","sensor":"a","rssi":"loud"}\n');
    const sensorsFile = join(dir, 'sensors.json');
    await expect(
      run(['--sensors', sensorsFile, '--sightings', join(dir, 's.jsonl')]),
    ).rejects.toThrow(new CliError(`${sensorsFile}[0]: "x" must be a finite number (got "one")`));
    await writeFile(sensorsFile, JSON.stringify(sensors));
    await expect(
      run(['--sensors', sensorsFile, '--sightings', join(dir, 's.jsonl')]),
    ).rejects.toThrow(`s.jsonl line 1: "rssi" must be a finite number (got "loud")`);
  });

  it('says on stderr how many subjects got no position and why', async () => {
    await writeFile(join(dir, 'sensors.json'), JSON.stringify(sensors));
    const elsewhere = JSON.stringify({ t: 1_500, subject: 'p2', sensor: 'zz', rssi: -60 });
    await writeFile(join(dir, 's.jsonl'), `${sightingLines({ x: 14, y: 5 }, 'p1')}${elsewhere}\n`);
    await run(['--sensors', join(dir, 'sensors.json'), '--sightings', join(dir, 's.jsonl')]);
    expect(errors.join('')).toBe(
      'aisle locate: 1 of 2 subjects positioned; 1 without a position: 1 heard only by sensors not in --sensors ("zz")\n',
    );
    expect(written.join('')).not.toContain('p2');
  });

  it('says nothing on stderr when every subject got a position', async () => {
    await writeFile(join(dir, 'sensors.json'), JSON.stringify(sensors));
    await writeFile(join(dir, 's.jsonl'), sightingLines({ x: 14, y: 5 }, 'p1'));
    await run(['--sensors', join(dir, 'sensors.json'), '--sightings', join(dir, 's.jsonl')]);
    expect(errors).toEqual([]);
  });

  it('a corrupt (binary) file is an error that does not print its bytes', async () => {
    await writeFile(join(dir, 'sensors.json'), JSON.stringify(sensors));
    const garbage = Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0xfe, 0x07, 0x0a, 0x41]);
    await writeFile(join(dir, 's.jsonl'), garbage);
    const failure = run([
      '--sensors',
      join(dir, 'sensors.json'),
      '--sightings',
      join(dir, 's.jsonl'),
    ]).catch((error: unknown) => error as Error);
    const error = await failure;
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/line 1: not JSON: binary or non-text content/);
    expect((error as Error).message).toMatch(/^[ -~…]*$/);
    expect(written).toEqual([]);
  });
});
