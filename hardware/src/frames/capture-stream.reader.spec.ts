import { Readable } from 'node:stream';
import fc from 'fast-check';
import { CaptureFormatError, readCaptureStream } from './capture-stream.reader.js';

interface Out {
  frames: { at: number; linkType: number; data: number[] }[];
  error?: unknown;
}

/** Feeds `bytes` in chunks of `chunk` bytes (splitting blocks anywhere) and collects the frames. */
async function collect(bytes: Buffer, chunk = 7): Promise<Out> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: Out = { frames: [] };
  try {
    for await (const f of readCaptureStream(Readable.from(parts))) {
      out.frames.push({ at: f.at, linkType: f.linkType, data: Array.from(f.data) });
    }
  } catch (error) {
    out.error = error;
  }
  return out;
}

/** pcapng writer for tests: blocks in either byte order. */
class Pcapng {
  private readonly parts: Buffer[] = [];
  constructor(private readonly bigEndian = false) {}

  private block(type: number, body: Buffer): this {
    const length = 12 + ((body.length + 3) & ~3);
    const b = Buffer.alloc(length);
    const w = (v: number, at: number): void =>
      void (this.bigEndian ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
    w(type, 0);
    w(length, 4);
    body.copy(b, 8);
    w(length, length - 4);
    this.parts.push(b);
    return this;
  }

  private u32(...values: number[]): Buffer {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) =>
      this.bigEndian ? b.writeUInt32BE(v >>> 0, i * 4) : b.writeUInt32LE(v >>> 0, i * 4),
    );
    return b;
  }

  private u16(...values: number[]): Buffer {
    const b = Buffer.alloc(values.length * 2);
    values.forEach((v, i) =>
      this.bigEndian ? b.writeUInt16BE(v, i * 2) : b.writeUInt16LE(v, i * 2),
    );
    return b;
  }

  shb(): this {
    return this.block(
      0x0a0d0d0a,
      Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1, 0), this.u32(0xffffffff, 0xffffffff)]),
    );
  }

  idb(linkType: number, tsresol?: number): this {
    const options =
      tsresol === undefined
        ? Buffer.alloc(0)
        : Buffer.concat([this.u16(9, 1), Buffer.from([tsresol, 0, 0, 0]), this.u16(0, 0)]);
    return this.block(1, Buffer.concat([this.u16(linkType, 0), this.u32(65535), options]));
  }

  epb(iface: number, units: bigint, data: number[]): this {
    const high = Number(units >> 32n);
    const low = Number(units & 0xffffffffn);
    const padded = Buffer.alloc((data.length + 3) & ~3);
    Buffer.from(data).copy(padded);
    return this.block(
      6,
      Buffer.concat([this.u32(iface, high, low, data.length, data.length), padded]),
    );
  }

  spb(data: number[]): this {
    const padded = Buffer.alloc((data.length + 3) & ~3);
    Buffer.from(data).copy(padded);
    return this.block(3, Buffer.concat([this.u32(data.length), padded]));
  }

  /** A block of another type (statistics): skipped. */
  other(): this {
    return this.block(5, Buffer.alloc(8));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe(readCaptureStream.name, () => {
  it.each([false, true])(
    'reads pcapng sections, interfaces and packets (big-endian: %p)',
    async (bigEndian) => {
      const bytes = new Pcapng(bigEndian)
        .shb()
        .idb(127)
        .idb(105, 9) // nanoseconds
        .epb(0, 1_700_000_000_250_000n, [1, 2, 3])
        .other()
        .epb(1, 1_700_000_000_500_000_000n, [4, 5, 6, 7, 8])
        .spb([9])
        .bytes();
      const { frames, error } = await collect(bytes);
      expect(error).toBeUndefined();
      expect(frames).toEqual([
        { at: 1_700_000_000_250, linkType: 127, data: [1, 2, 3] },
        { at: 1_700_000_000_500, linkType: 105, data: [4, 5, 6, 7, 8] },
        { at: 1_700_000_000_500, linkType: 127, data: [9] },
      ]);
    },
  );

  it('reads a binary if_tsresol (2^-10 s) and a new section resetting the interfaces', async () => {
    const bytes = Buffer.concat([
      new Pcapng()
        .shb()
        .idb(127, 0x80 | 10)
        .epb(0, 1024n * 5n, [1])
        .bytes(),
      new Pcapng(true).shb().idb(105).epb(0, 2_000_000n, [2]).bytes(),
    ]);
    const { frames, error } = await collect(bytes, 5);
    expect(error).toBeUndefined();
    expect(frames.map((f) => [f.at, f.linkType])).toEqual([
      [5000, 127],
      [2000, 105],
    ]);
  });

  it('keeps the good frames before a truncated, absurd or inconsistent block and names its offset', async () => {
    const good = new Pcapng().shb().idb(127).epb(0, 1n, [1, 2]).bytes();
    const truncated = await collect(good.subarray(0, good.length - 6));
    expect(truncated.frames).toHaveLength(0);
    expect((truncated.error as Error).message).toMatch(/ends inside a block/);

    const absurd = Buffer.alloc(12);
    absurd.writeUInt32LE(6, 0);
    absurd.writeUInt32LE(0x7ffffff0, 4);
    const out = await collect(Buffer.concat([good, absurd]));
    expect(out.frames).toHaveLength(1);
    expect(out.error).toBeInstanceOf(CaptureFormatError);
    expect((out.error as CaptureFormatError).offset).toBe(good.length + 4);
    expect((out.error as Error).message).toMatch(/length 2147483632/);

    const undeclared = await collect(Buffer.concat([good, new Pcapng().epb(3, 1n, [1]).bytes()]));
    expect(undeclared.frames).toHaveLength(1);
    expect((undeclared.error as Error).message).toMatch(/undeclared interface 3.*at byte/);

    const badBom = new Pcapng().shb().bytes();
    badBom.writeUInt32LE(0x12345678, 8);
    expect((await collect(badBom)).error).toMatchObject({ offset: 8 });
  });

  it('reads a classic pcap through the same reader', async () => {
    const header = Buffer.alloc(24);
    header.writeUInt32BE(0xa1b2c3d4, 0);
    header.writeUInt32BE(105, 20);
    const record = Buffer.alloc(16);
    record.writeUInt32BE(10, 0);
    record.writeUInt32BE(500_000, 4);
    record.writeUInt32BE(2, 8);
    record.writeUInt32BE(2, 12);
    const { frames } = await collect(Buffer.concat([header, record, Buffer.from([7, 8])]), 3);
    expect(frames).toEqual([{ at: 10_500, linkType: 105, data: [7, 8] }]);
  });

  it('never throws anything but CaptureFormatError after a valid pcapng header, at any chunking (property)', async () => {
    const head = new Pcapng().shb().idb(127).bytes();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, chunk) => {
          const { error } = await collect(Buffer.concat([head, Buffer.from(bytes)]), chunk);
          return error === undefined || (error instanceof CaptureFormatError && error.offset >= 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields the same frames whatever the chunking (property)', async () => {
    const bytes = new Pcapng()
      .shb()
      .idb(127)
      .epb(0, 5n, [1, 2, 3, 4, 5])
      .spb([6, 7])
      .epb(0, 9n, [])
      .bytes();
    const whole = await collect(bytes, bytes.length);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (chunk) => {
        const split = await collect(bytes, chunk);
        return JSON.stringify(split) === JSON.stringify(whole);
      }),
      { numRuns: 40 },
    );
  });
});
