import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedFrame } from '@aisle/sdk';

/** The shared real captures (ESP32 sniffer, radiotap), relative to the repository root. */
export const CAPTURE_DIR = join(
  process.cwd(),
  '..',
  'shared',
  'data',
  'probe-requests-but-position1',
);
export const DAYS = ['2024-03-14', '2024-03-16'] as const;
export const pcapPath = (day: string): string =>
  join(CAPTURE_DIR, 'pcap', `sc6-61_${day}_anonymized.pcap`);
export const csvPath = (day: string): string =>
  join(CAPTURE_DIR, 'csv', `sc6-61_${day}_ver-99.csv`);

/**
 * A minimal little-endian microsecond classic-pcap reader for tests: the plugin may not import
 * the hardware frame source, and these captures are small.
 */
export function readCapture(path: string): CapturedFrame[] {
  const file = readFileSync(path);
  if (file.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a LE µs pcap`);
  const linkType = file.readUInt32LE(20);
  const frames: CapturedFrame[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const caplen = file.readUInt32LE(at + 8);
    frames.push({
      at: file.readUInt32LE(at) * 1000 + file.readUInt32LE(at + 4) / 1000,
      linkType,
      data: new Uint8Array(file.subarray(at + 16, at + 16 + caplen)),
    });
    at += 16 + caplen;
  }
  return frames;
}

export interface CsvRow {
  datetime: string;
  src: string;
  randomized: boolean;
  rssi: number;
  idx: number;
  seq: number;
  chFreq: number;
  occupancy: number;
}

/** The published CSV (`;`-separated, 1:1 with the pcap frames). */
export function readCsv(path: string): CsvRow[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header!.split(';');
  const col = (name: string): number => cols.indexOf(name);
  return lines.map((line) => {
    const f = line.split(';');
    return {
      datetime: f[col('datetime')]!,
      src: f[col('src')]!,
      randomized: f[col('randomized')] === '1',
      rssi: Number(f[col('rssi')]),
      idx: Number(f[col('idx')]),
      seq: Number(f[col('seq_num')]),
      chFreq: Number(f[col('ch_freq')]),
      occupancy: Number(f[col('occupancy')]),
    };
  });
}
