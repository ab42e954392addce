import type { CapturedFrame } from '@aisle/sdk';

/** Largest frame a capture may claim (tcpdump's default snaplen); more means a corrupt file. */
export const MAX_CAPLEN = 262_144;
/** Largest non-packet pcapng block (section headers, statistics, name resolution). */
const MAX_OTHER_BLOCK = 1 << 20;
const PCAP_GLOBAL_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 0x00000001;
const PCAPNG_SPB = 0x00000003;
const PCAPNG_EPB = 0x00000006;
const PCAPNG_BOM = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;

/** A capture that cannot be read further; `offset` is where, in bytes from the start. */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const PCAP_VARIANTS: Readonly<Record<number, { littleEndian: boolean; perSecond: number }>> = {
  0xa1b2c3d4: { littleEndian: true, perSecond: 1e6 },
  0xd4c3b2a1: { littleEndian: false, perSecond: 1e6 },
  0xa1b23c4d: { littleEndian: true, perSecond: 1e9 },
  0x4d3cb2a1: { littleEndian: false, perSecond: 1e9 },
};

/**
 * Accumulates chunks and hands out whole records; `offset` counts consumed bytes from the start,
 * for error messages. Memory stays at one chunk plus one record.
 */
class ChunkBuffer {
  buffer: Buffer = Buffer.alloc(0);
  offset = 0;

  push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    this.buffer = this.buffer.length === 0 ? b : Buffer.concat([this.buffer, b]);
  }

  consume(bytes: number): void {
    this.buffer = this.buffer.subarray(bytes);
    this.offset += bytes;
  }
}

/** Classic pcap: global header, then 16-byte record headers. */
class PcapParser {
  private format: { littleEndian: boolean; perSecond: number; linkType: number } | undefined;

  constructor(private readonly input: ChunkBuffer) {}

  *frames(): Generator<CapturedFrame> {
    const input = this.input;
    if (!this.format) {
      if (input.buffer.length < PCAP_GLOBAL_HEADER_BYTES) return;
      const variant = PCAP_VARIANTS[input.buffer.readUInt32LE(0)]!;
      const le = variant.littleEndian;
      const linkType =
        (le ? input.buffer.readUInt32LE(20) : input.buffer.readUInt32BE(20)) & 0x0fffffff;
      this.format = { ...variant, linkType };
      input.consume(PCAP_GLOBAL_HEADER_BYTES);
    }
    const { littleEndian, perSecond, linkType } = this.format;
    while (input.buffer.length >= PCAP_RECORD_HEADER_BYTES) {
      const b = input.buffer;
      const seconds = littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0);
      const fraction = littleEndian ? b.readUInt32LE(4) : b.readUInt32BE(4);
      const caplen = littleEndian ? b.readUInt32LE(8) : b.readUInt32BE(8);
      if (caplen > MAX_CAPLEN) {
        throw new CaptureFormatError(
          `record claims ${caplen} bytes (limit ${MAX_CAPLEN})`,
          input.offset,
        );
      }
      if (fraction >= perSecond) {
        throw new CaptureFormatError(`timestamp fraction ${fraction} out of range`, input.offset);
      }
      if (b.length < PCAP_RECORD_HEADER_BYTES + caplen) return;
      const data = Uint8Array.prototype.slice.call(
        b,
        PCAP_RECORD_HEADER_BYTES,
        PCAP_RECORD_HEADER_BYTES + caplen,
      );
      input.consume(PCAP_RECORD_HEADER_BYTES + caplen);
      yield { at: seconds * 1000 + (fraction * 1000) / perSecond, linkType, data };
    }
  }

  end(): void {
    if (!this.format) throw new CaptureFormatError('capture ends before the pcap header', 0);
    if (this.input.buffer.length > 0) {
      throw new CaptureFormatError(
        `capture ends inside a record (${this.input.buffer.length} bytes left)`,
        this.input.offset,
      );
    }
  }
}

interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (if_tsresol; default 1e6). */
  perSecond: number;
}

/** pcapng: sections (either byte order), interfaces with their own link type and resolution. */
class PcapngParser {
  private littleEndian = true;
  private interfaces: PcapngInterface[] = [];
  private sawSection = false;
  /** Simple packet blocks carry no timestamp: they get the last one seen. */
  private lastAt = 0;

  constructor(private readonly input: ChunkBuffer) {}

  *frames(): Generator<CapturedFrame> {
    const input = this.input;
    while (input.buffer.length >= 12) {
      const b = input.buffer;
      const type = b.readUInt32LE(0);
      if (type === PCAPNG_SHB) {
        const bom = b.readUInt32LE(8);
        if (bom === PCAPNG_BOM) this.littleEndian = true;
        else if (bom === 0x4d3c2b1a) this.littleEndian = false;
        else {
          throw new CaptureFormatError(
            `pcapng: section header byte-order magic 0x${bom.toString(16).padStart(8, '0')} is neither 1a2b3c4d nor 4d3c2b1a`,
            input.offset + 8,
          );
        }
      } else if (!this.sawSection) {
        throw new CaptureFormatError('pcapng: first block is not a section header', input.offset);
      }
      const u32 = (at: number): number =>
        this.littleEndian ? input.buffer.readUInt32LE(at) : input.buffer.readUInt32BE(at);
      const blockType = type === PCAPNG_SHB ? PCAPNG_SHB : u32(0);
      const length = u32(4);
      const packet = blockType === PCAPNG_EPB || blockType === PCAPNG_SPB;
      const limit = packet ? MAX_CAPLEN + 1024 : MAX_OTHER_BLOCK;
      if (length < 12 || length % 4 !== 0 || length > limit) {
        throw new CaptureFormatError(
          `pcapng: block type 0x${blockType.toString(16)} has length ${length} (must be a multiple of 4 in 12..${limit})`,
          input.offset + 4,
        );
      }
      if (input.buffer.length < length) return;
      if (u32(length - 4) !== length) {
        throw new CaptureFormatError(
          `pcapng: block type 0x${blockType.toString(16)} trailing length ${u32(length - 4)} differs from ${length}`,
          input.offset + length - 4,
        );
      }
      const frame = this.block(blockType, length, u32);
      input.consume(length);
      if (frame) yield frame;
    }
  }

  private block(
    type: number,
    length: number,
    u32: (at: number) => number,
  ): CapturedFrame | undefined {
    const b = this.input.buffer;
    const offset = this.input.offset;
    const u16 = (at: number): number =>
      this.littleEndian ? b.readUInt16LE(at) : b.readUInt16BE(at);
    switch (type) {
      case PCAPNG_SHB:
        if (length < 28) throw new CaptureFormatError('pcapng: section header too short', offset);
        this.sawSection = true;
        this.interfaces = [];
        return undefined;
      case PCAPNG_IDB: {
        if (length < 20) {
          throw new CaptureFormatError('pcapng: interface description too short', offset);
        }
        const iface: PcapngInterface = { linkType: u16(8), snaplen: u32(12), perSecond: 1e6 };
        // Options: code u16, length u16, value padded to 4 bytes; ends at opt_endofopt or the block.
        for (let at = 16; at + 4 <= length - 4;) {
          const code = u16(at);
          const len = u16(at + 2);
          if (code === OPT_END) break;
          if (at + 4 + len > length - 4) {
            throw new CaptureFormatError(
              `pcapng: interface option ${code} of ${len} bytes runs past its block`,
              offset + at,
            );
          }
          if (code === OPT_IF_TSRESOL && len >= 1) {
            const v = b[at + 4]!;
            const exponent = v & 0x7f;
            if ((v & 0x80) === 0 ? exponent > 15 : exponent > 52) {
              throw new CaptureFormatError(`pcapng: if_tsresol ${v} out of range`, offset + at + 4);
            }
            iface.perSecond = (v & 0x80) === 0 ? 10 ** exponent : 2 ** exponent;
          }
          at += 4 + ((len + 3) & ~3);
        }
        this.interfaces.push(iface);
        return undefined;
      }
      case PCAPNG_EPB: {
        if (length < 32) throw new CaptureFormatError('pcapng: enhanced packet too short', offset);
        const id = u32(8);
        const iface = this.interfaces[id];
        if (!iface) {
          throw new CaptureFormatError(
            `pcapng: packet names undeclared interface ${id}`,
            offset + 8,
          );
        }
        const caplen = u32(20);
        if (caplen > length - 32) {
          throw new CaptureFormatError(
            `pcapng: packet claims ${caplen} bytes in a block of ${length}`,
            offset + 20,
          );
        }
        const units = u32(12) * 2 ** 32 + u32(16);
        const at = (units / iface.perSecond) * 1000;
        this.lastAt = at;
        return {
          at,
          linkType: iface.linkType,
          data: Uint8Array.prototype.slice.call(b, 28, 28 + caplen),
        };
      }
      case PCAPNG_SPB: {
        const iface = this.interfaces[0];
        if (!iface) {
          throw new CaptureFormatError('pcapng: simple packet before any interface', offset);
        }
        const original = u32(8);
        const caplen = Math.min(
          original,
          length - 16,
          iface.snaplen === 0 ? Infinity : iface.snaplen,
        );
        return {
          at: this.lastAt,
          linkType: iface.linkType,
          data: Uint8Array.prototype.slice.call(b, 12, 12 + caplen),
        };
      }
      default:
        return undefined; // statistics, name resolution, custom blocks…
    }
  }

  end(): void {
    if (this.input.buffer.length > 0) {
      throw new CaptureFormatError(
        `pcapng: capture ends inside a block (${this.input.buffer.length} bytes left)`,
        this.input.offset,
      );
    }
  }
}

/**
 * Frames of a classic pcap or pcapng byte stream (a file, or `tcpdump -w -` on a pipe), detected
 * from the magic; both byte orders, micro/nanosecond and any pcapng `if_tsresol`. Constant memory.
 * A corrupt record ends the stream with a {@link CaptureFormatError} naming its byte offset, after
 * every good frame before it.
 */
export async function* readCaptureStream(
  chunks: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<CapturedFrame> {
  const input = new ChunkBuffer();
  let parser: PcapParser | PcapngParser | undefined;
  for await (const chunk of chunks) {
    if (signal?.aborted) return;
    input.push(chunk);
    if (!parser) {
      if (input.buffer.length < 4) continue;
      const magic = input.buffer.readUInt32LE(0);
      if (magic === PCAPNG_SHB) parser = new PcapngParser(input);
      else if (PCAP_VARIANTS[magic]) parser = new PcapParser(input);
      else {
        throw new CaptureFormatError(
          `not a pcap or pcapng capture: magic 0x${magic.toString(16).padStart(8, '0')}`,
          0,
        );
      }
    }
    for (const frame of parser.frames()) {
      if (signal?.aborted) return;
      yield frame;
    }
  }
  if (signal?.aborted) return;
  if (!parser) throw new CaptureFormatError('capture ends before its header', 0);
  parser.end();
}
