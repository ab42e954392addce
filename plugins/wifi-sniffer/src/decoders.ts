import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  PluginConfigError,
  type DecodeContext,
  type DriverObservation,
  type FileDecoder,
} from '@aisle/sdk';
import { frameToObservation } from './capture/frame-observation.js';
import { parseEsp32Batch } from './esp32/esp32-batch.js';
import { parseMerakiBody } from './meraki/meraki-scanning.js';

/** Capture record overhead used to estimate progress (pcap record header; pcapng EPB is ~32). */
const RECORD_OVERHEAD_BYTES = 16;
/** Report progress every this many frames (a callback per frame would cost more than decoding). */
const PROGRESS_EVERY = 4096;

async function* decodeCapture(file: string, ctx: DecodeContext): AsyncIterable<DriverObservation> {
  const frames = ctx.ports.frames;
  if (!frames) throw new PluginConfigError('decoding a capture needs the frames port');
  const total = statSync(file).size;
  let done = 0;
  let n = 0;
  for await (const frame of frames.open({ file }, ctx.signal)) {
    done += frame.data.length + RECORD_OVERHEAD_BYTES;
    if ((n += 1) % PROGRESS_EVERY === 0) ctx.progress(Math.min(done, total), total);
    const outcome = frameToObservation(frame);
    if (outcome.kind === 'observation') {
      if (outcome.warning) ctx.reject(outcome.warning.reason, outcome.warning.detail);
      yield outcome.observation;
    } else if (outcome.kind === 'rejected') {
      ctx.reject(outcome.reason, `frame ${n}: ${outcome.detail}`);
    }
  }
  ctx.progress(total, total);
}

/** JSON lines, one message per line; `parse` turns a line into observations or rejections. */
async function* decodeLines(
  file: string,
  ctx: DecodeContext,
  parse: (
    line: string,
    n: number,
  ) => { observations: DriverObservation[]; rejections: { reason: string; detail: string }[] },
): AsyncIterable<DriverObservation> {
  const total = statSync(file).size;
  let done = 0;
  let n = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (ctx.signal.aborted) break;
    n += 1;
    done += Buffer.byteLength(line) + 1;
    ctx.progress(Math.min(done, total), total);
    if (line.trim() === '' || line.startsWith('#')) continue;
    const result = parse(line, n);
    for (const r of result.rejections) ctx.reject(r.reason, `line ${n}: ${r.detail}`);
    yield* result.observations;
  }
}

export const decoders: Readonly<Record<string, FileDecoder>> = {
  pcap: {
    description:
      'pcap or pcapng capture (radiotap 127 or raw 802.11 105): one observation per probe request',
    decode: decodeCapture,
  },
  pcapng: {
    description: 'pcapng capture (same decoder as pcap: the format is detected from the magic)',
    decode: decodeCapture,
  },
  esp32: {
    description:
      'ESP32 sniffer MQTT batches, one JSON payload per line (hardware/esp32-sniffer.md)',
    decode: (file, ctx) => decodeLines(file, ctx, (line) => parseEsp32Batch(Buffer.from(line))),
  },
  meraki: {
    description:
      'Meraki Scanning API v3 POST bodies, one JSON body per line (the secret is not checked offline)',
    decode: (file, ctx) =>
      decodeLines(file, ctx, (line) => {
        try {
          return parseMerakiBody(JSON.parse(line));
        } catch {
          return { observations: [], rejections: [{ reason: 'bad_json', detail: 'not JSON' }] };
        }
      }),
  },
};
