import { createReadStream } from 'node:fs';
import type { CapturedFrame, FrameSourcePort } from '@aisle/sdk';
import { readCaptureStream } from './capture-stream.reader.js';
import { LiveCapture, type LiveCaptureOptions } from './live-capture.js';

export { CaptureFormatError } from './capture-stream.reader.js';

/**
 * A capture file (classic pcap or pcapng, both byte orders, micro- and nanosecond variants) as a
 * stream of frames, in constant memory however large the file. A corrupt record ends the stream
 * with a `CaptureFormatError` naming its offset, after every good frame before it.
 */
export async function* readPcapFile(
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<CapturedFrame> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    yield* readCaptureStream(stream as AsyncIterable<Buffer>, signal);
  } finally {
    stream.destroy();
  }
}

/**
 * The SDK's 802.11 frame source: capture files, and live capture from a monitor-mode interface
 * through a `tcpdump -i <if> -U -w -` child process read by the same stream reader.
 */
export class CaptureFileFrameSource implements FrameSourcePort {
  constructor(private readonly live: LiveCaptureOptions = {}) {}

  open(
    spec: { file: string } | { interface: string },
    signal: AbortSignal,
  ): AsyncIterable<CapturedFrame> {
    if ('file' in spec) return readPcapFile(spec.file, signal);
    return new LiveCapture(spec.interface, this.live).frames(signal);
  }
}
