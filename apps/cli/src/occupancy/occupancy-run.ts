import { readFile } from 'node:fs/promises';
import {
  countOccupancy,
  OCCUPANCY_METHOD,
  type OccupancyOptions,
  type ProbeSample,
} from '@aisle/occupancy';
import { normaliseMac, type FileDecoder, type Ports } from '@aisle/sdk';
import { CliError } from '../cli-error.js';

/** A file of MACs, one a line (`#` comments, blank lines); a bad line is named by number only. */
export async function readMacList(path: string): Promise<Set<string>> {
  const macs = new Set<string>();
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.forEach((line, i) => {
    const text = line.replace(/#.*/, '').trim();
    if (text === '') return;
    const mac = normaliseMac(text);
    if (!mac) throw new CliError(`--exclude: line ${i + 1} of ${path} is not a MAC address`);
    macs.add(mac);
  });
  return macs;
}

/**
 * Decodes a capture with the plugin's decoder and prints one
 * `{"start","end","estimate","low","high","method"}` line per interval. Identifiers stay in memory
 * only; nothing per device is printed.
 */
export async function runOccupancy(options: {
  file: string;
  decoder: FileDecoder;
  ports: Ports;
  exclude: ReadonlySet<string>;
  estimator: Partial<OccupancyOptions>;
  writeLine: (line: string) => Promise<void> | void;
  warn: (text: string) => void;
  signal: AbortSignal;
}): Promise<{ probes: number; intervals: number; rejected: number }> {
  const samples: ProbeSample[] = [];
  let rejected = 0;
  for await (const o of options.decoder.decode(options.file, {
    ports: options.ports,
    reject: () => void (rejected += 1),
    progress: () => undefined,
    signal: options.signal,
  })) {
    if (o.kind !== 'wifi') continue;
    const mac = normaliseMac(o.mac);
    if (!mac) continue;
    const sample: ProbeSample = { at: o.at, mac, rssi: o.rssi };
    if (o.seq !== undefined) sample.seq = o.seq;
    if (o.fingerprint !== undefined) sample.fingerprint = o.fingerprint;
    if (o.sensorId !== undefined) sample.sensor = o.sensorId;
    samples.push(sample);
  }
  samples.sort((a, b) => a.at - b.at);
  if (rejected > 0) options.warn(`${rejected} frame(s) could not be decoded and were left out`);
  const counts = countOccupancy(samples, options.estimator, options.exclude);
  for (const c of counts) {
    await options.writeLine(
      JSON.stringify({
        start: new Date(c.start).toISOString(),
        end: new Date(c.end).toISOString(),
        estimate: c.estimate,
        low: c.low,
        high: c.high,
        method: OCCUPANCY_METHOD,
      }),
    );
  }
  return { probes: samples.length, intervals: counts.length, rejected };
}
