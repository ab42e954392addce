// Probe-request decoding speed: frames/s from a large classic-pcap file through the hardware
// stream reader and the wifi-sniffer decoder (radiotap + 802.11 + elements → observation), and the
// same file through `tshark -T fields` in the same run. Goal: ≥ 5× tshark.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile } from '@aisle/hardware';
import { frameToObservation } from '@aisle/plugin-wifi-sniffer';

const CAPTURE = join(
  process.cwd(),
  '..',
  'shared',
  'data',
  'probe-requests-but-position1',
  'pcap',
  'sc6-61_2024-03-14_anonymized.pcap',
);
/** Copies of the capture's records in the large file (17,183 frames each). */
const COPIES = 30;
const RUNS = 3;

function largeCapture(dir: string): string {
  const capture = readFileSync(CAPTURE);
  const header = capture.subarray(0, 24);
  const records = capture.subarray(24);
  const path = join(dir, 'large.pcap');
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: COPIES }, () => records)]));
  return path;
}

async function ours(path: string): Promise<{ frames: number; probes: number; ms: number }> {
  const started = performance.now();
  let frames = 0;
  let probes = 0;
  for await (const frame of readPcapFile(path)) {
    frames += 1;
    if (frameToObservation(frame).kind === 'observation') probes += 1;
  }
  return { frames, probes, ms: performance.now() - started };
}

function tshark(path: string): Promise<{ probes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'tshark',
      [
        '-r',
        path,
        '-Y',
        'wlan.fc.type_subtype==4',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        'radiotap.dbm_antsignal',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve({ probes: lines, ms: performance.now() - started })
        : reject(new Error(`tshark exited with ${code}`)),
    );
  });
}

export default async function bench(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-wifi-decode-'));
  try {
    const path = largeCapture(dir);
    await ours(path); // warm-up
    const runs = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await ours(path));
    const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const reference = await tshark(path);
    if (reference.probes !== best.probes) {
      throw new Error(`tshark found ${reference.probes} probe requests, we found ${best.probes}`);
    }
    const oursPerSecond = Math.round(best.frames / (best.ms / 1000));
    const tsharkPerSecond = Math.round(best.frames / (reference.ms / 1000));
    return {
      fileBytes: statSync(path).size,
      frames: best.frames,
      probeRequests: best.probes,
      oursFramesPerSecond: oursPerSecond,
      oursRunsMs: runs.map((r) => Math.round(r.ms)),
      tsharkFramesPerSecond: tsharkPerSecond,
      tsharkMs: Math.round(reference.ms),
      ratio: Math.round((oursPerSecond / tsharkPerSecond) * 10) / 10,
      goalRatio: 5,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
