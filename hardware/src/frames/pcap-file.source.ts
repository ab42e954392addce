import { createReadStream } from 'node:fs';
import { PluginNotReadyError, type CapturedFrame, type FrameSourcePort } from '@aisle/sdk';

/** Largest frame a capture may claim (tcpdump's default snaplen); more means a corrupt file. */
const MAX_CAPLEN = 262_144;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

/** A capture file that cannot be read further; `offset` is where, in bytes. */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

interface Format {
  littleEndian: boolean;
  /** Fraction unit of the timestamp: 1e6 (µs) or 1e9 (ns). */
  perSecond: number;
  linkType: number;
}

function readFormat(header: Buffer): Format {
  const magic = header.readUInt32LE(0);
  const variants: Record<number, { littleEndian: boolean; perSecond: number }> = {
    0xa1b2c3d4: { littleEndian: true, perSecond: 1e6 },
    0xd4c3b2a1: { littleEndian: false, perSecond: 1e6 },
    0xa1b23c4d: { littleEndian: true, perSecond: 1e9 },
    0x4d3cb2a1: { littleEndian: false, perSecond: 1e9 },
  };
  const variant = variants[magic];
  if (!variant) {
    const hint = magic === 0x0a0d0d0a ? ': this is pcapng, not classic pcap' : '';
    throw new CaptureFormatError(
      `not a pcap file: magic 0x${magic.toString(16).padStart(8, '0')}${hint}`,
      0,
    );
  }
  const linkType =
    (variant.littleEndian ? header.readUInt32LE(20) : header.readUInt32BE(20)) & 0x0fffffff;
  return { ...variant, linkType };
}

/**
 * Classic pcap files (both byte orders, micro- and nanosecond variants) as a stream of frames, in
 * constant memory however large the file. A corrupt record ends the stream with a
 * `CaptureFormatError` naming its offset, after every good frame before it.
 */
export async function* readPcapFile(
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<CapturedFrame> {
  let buffer: Buffer = Buffer.alloc(0);
  let consumed = 0;
  let format: Format | undefined;
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) return;
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (!format) {
        if (buffer.length < GLOBAL_HEADER_BYTES) continue;
        format = readFormat(buffer);
        buffer = buffer.subarray(GLOBAL_HEADER_BYTES);
        consumed = GLOBAL_HEADER_BYTES;
      }
      const u32 = (at: number): number =>
        format!.littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
      while (buffer.length >= RECORD_HEADER_BYTES) {
        const seconds = u32(0);
        const fraction = u32(4);
        const caplen = u32(8);
        if (caplen > MAX_CAPLEN) {
          throw new CaptureFormatError(
            `record claims ${caplen} bytes (limit ${MAX_CAPLEN})`,
            consumed,
          );
        }
        if (fraction >= format.perSecond) {
          throw new CaptureFormatError(`timestamp fraction ${fraction} out of range`, consumed);
        }
        if (buffer.length < RECORD_HEADER_BYTES + caplen) break;
        const data = Uint8Array.from(
          buffer.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + caplen),
        );
        yield {
          at: seconds * 1000 + (fraction * 1000) / format.perSecond,
          linkType: format.linkType,
          data,
        };
        buffer = buffer.subarray(RECORD_HEADER_BYTES + caplen);
        consumed += RECORD_HEADER_BYTES + caplen;
      }
    }
    if (!format) throw new CaptureFormatError('file ends before the pcap header', 0);
    if (buffer.length > 0) {
      throw new CaptureFormatError(
        `file ends inside a record (${buffer.length} bytes left)`,
        consumed,
      );
    }
  } finally {
    stream.destroy();
  }
}

/**
 * The SDK's 802.11 frame source over capture files. Live capture from a monitor-mode interface
 * (tcpdump/dumpcap child process) and pcapng arrive with the Wi-Fi driver.
 */
export class CaptureFileFrameSource implements FrameSourcePort {
  open(
    spec: { file: string } | { interface: string },
    signal: AbortSignal,
  ): AsyncIterable<CapturedFrame> {
    if ('file' in spec) return readPcapFile(spec.file, signal);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          Promise.reject(
            new PluginNotReadyError(
              `live capture on ${spec.interface} is not available in this hub yet`,
            ),
          ),
      }),
    };
  }
}
