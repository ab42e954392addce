import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverObservation, FileDecoder } from '@aisle/sdk';
import { CliError } from '../cli-error.js';
import { readMacList, runOccupancy } from './occupancy-run.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const method = 'wifi-probe-association';
const at = (start: string, end: string) => ({
  start: `2026-01-01T${start}:00.000Z`,
  end: `2026-01-01T${end}:00.000Z`,
});

function decoder(items: DriverObservation[]): FileDecoder {
  return {
    description: 'test',
    async *decode(_file, ctx) {
      ctx.reject('malformed_frame', 'frame 9: radiotap.length: 3 does not fit');
      yield* items;
    },
  };
}

describe(runOccupancy.name, () => {
  it('prints one start/end/estimate/range/method line per interval, leaving out excluded devices, no identifiers', async () => {
    const lines: string[] = [];
    const warnings: string[] = [];
    const summary = await runOccupancy({
      file: 'x.pcap',
      decoder: decoder([
        { kind: 'wifi', at: T0 + 1000, mac: '00:11:22:33:44:55', rssi: -50 },
        { kind: 'wifi', at: T0 + 2000, mac: 'dc:fb:48:68:be:e4', rssi: -50 },
        { kind: 'wifi', at: T0 + 301_000, mac: '00:11:22:33:44:66', rssi: -50 },
        { kind: 'wifi', at: T0 + 302_000, mac: '00:11:22:33:44:77', rssi: -50 },
      ]),
      ports: {},
      exclude: new Set(['dcfb4868bee4']),
      estimator: { intervalMs: 300_000 },
      writeLine: (line) => void lines.push(line),
      warn: (text) => void warnings.push(text),
      signal: new AbortController().signal,
    });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { ...at('09:00', '09:05'), estimate: 1, low: 1, high: 1, method },
      { ...at('09:05', '09:10'), estimate: 2, low: 2, high: 2, method },
    ]);
    expect(lines.join('\n')).not.toMatch(/00:11|001122/);
    expect(summary).toEqual({ probes: 4, intervals: 2, rejected: 1 });
    expect(warnings).toEqual(['1 frame(s) could not be decoded and were left out']);
  });
});

describe(readMacList.name, () => {
  it('reads MACs in any notation with comments, and names a bad line by number only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-occ-'));
    const good = join(dir, 'good.txt');
    await writeFile(good, '# lab PCs\ndc:fb:48:68:be:e4\n\nDC-FB-48-8C-71-FC  # front desk\n');
    expect(await readMacList(good)).toEqual(new Set(['dcfb4868bee4', 'dcfb488c71fc']));
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'dc:fb:48:68:be:e4\ndc:fb:48:68:be\n');
    await expect(readMacList(bad)).rejects.toThrow(
      new CliError(`--exclude: line 2 of ${bad} is not a MAC address`),
    );
  });
});
