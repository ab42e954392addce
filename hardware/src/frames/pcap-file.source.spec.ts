import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CaptureFileFrameSource, CaptureFormatError, readPcapFile } from './pcap-file.source.js';

const DATA = join(process.cwd(), '..', 'shared', 'data', 'probe-requests-but-position1');
const CAPTURE = join(DATA, 'pcap', 'sc6-61_2024-03-16_anonymized.pcap');

async function collect(
  path: string,
): Promise<{ frames: { at: number; linkType: number; length: number }[]; error?: unknown }> {
  const frames: { at: number; linkType: number; length: number }[] = [];
  try {
    for await (const f of readPcapFile(path)) {
      frames.push({ at: f.at, linkType: f.linkType, length: f.data.length });
    }
    return { frames };
  } catch (error) {
    return { frames, error };
  }
}

function pcap(
  records: { seconds: number; micros: number; data: Buffer }[],
  opts: { bigEndian?: boolean; nanos?: boolean } = {},
): Buffer {
  const header = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number): void =>
    void (opts.bigEndian ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  w32(header, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  w32(header, 65535, 16);
  w32(header, 127, 20);
  const parts: Buffer[] = [header];
  for (const r of records) {
    const h = Buffer.alloc(16);
    w32(h, r.seconds, 0);
    w32(h, r.micros, 4);
    w32(h, r.data.length, 8);
    w32(h, r.data.length, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

const dir = mkdtempSync(join(tmpdir(), 'aisle-pcap-'));
let n = 0;
function file(content: Buffer): string {
  const path = join(dir, `f${(n += 1)}.pcap`);
  writeFileSync(path, content);
  return path;
}

describe(readPcapFile.name, () => {
  it('reads every frame of a real capture (1:1 with its published CSV), radiotap link type, in time order', async () => {
    const { frames, error } = await collect(CAPTURE);
    expect(error).toBeUndefined();
    const csvRows =
      readFileSync(join(DATA, 'csv', 'sc6-61_2024-03-16_ver-99.csv'), 'utf8')
        .trim()
        .split('\n').length - 1;
    expect(frames).toHaveLength(csvRows);
    expect(new Set(frames.map((f) => f.linkType))).toEqual(new Set([127]));
    expect(frames.every((f, i) => i === 0 || f.at >= frames[i - 1]!.at)).toBe(true);
  });

  it('reads both byte orders and nanosecond timestamps', async () => {
    const records = [{ seconds: 1_700_000_000, micros: 250_000, data: Buffer.from([1, 2, 3]) }];
    for (const opts of [{}, { bigEndian: true }]) {
      const { frames } = await collect(file(pcap(records, opts)));
      expect(frames).toEqual([{ at: 1_700_000_000_250, linkType: 127, length: 3 }]);
    }
    const { frames } = await collect(
      file(pcap([{ ...records[0]!, micros: 250_000_000 }], { nanos: true })),
    );
    expect(frames[0]?.at).toBe(1_700_000_000_250);
  });

  it('names the offset of a bad record, after yielding the good frames before it', async () => {
    const good = pcap([{ seconds: 1, micros: 0, data: Buffer.alloc(10) }]);
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(2, 0);
    bad.writeUInt32LE(10_000_000, 8);
    const { frames, error } = await collect(file(Buffer.concat([good, bad])));
    expect(frames).toHaveLength(1);
    expect(error).toBeInstanceOf(CaptureFormatError);
    expect((error as CaptureFormatError).offset).toBe(24 + 16 + 10);
    const truncated = await collect(file(good.subarray(0, good.length - 3)));
    expect((truncated.error as Error).message).toMatch(/ends inside a record/);
    const pcapng = await collect(
      file(Buffer.from('0a0d0d0a000000000000000000000000000000000000000000', 'hex')),
    );
    expect((pcapng.error as Error).message).toMatch(/pcapng/);
    const garbage = await collect(file(Buffer.from('hello, world')));
    expect((garbage.error as Error).message).toMatch(/not a pcap or pcapng capture.*at byte 0/);
  });

  it('never throws anything but CaptureFormatError on arbitrary bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const { error } = await collect(file(Buffer.concat([pcap([]), Buffer.from(bytes)])));
        return error === undefined || error instanceof CaptureFormatError;
      }),
      { numRuns: 100 },
    );
  });

  it('is the frame-source port for files', async () => {
    const sut = new CaptureFileFrameSource();
    let count = 0;
    for await (const _ of sut.open({ file: CAPTURE }, new AbortController().signal)) count += 1;
    expect(count).toBeGreaterThan(0);
  });
});
