import fc from 'fast-check';
import { decodeFrame, FrameDecodeError, frequencyToChannel, parseRadiotap } from '../src/index.js';
import { csvPath, DAYS, pcapPath, readCapture, readCsv } from './support/captures.js';

/** A radiotap header from present words and the field bytes that follow them (already aligned). */
function radiotap(present: number[], fields: number[]): Uint8Array {
  const length = 4 + present.length * 4 + fields.length;
  const header = Buffer.alloc(length);
  header.writeUInt16LE(length, 2);
  present.forEach((word, i) => header.writeUInt32LE(word >>> 0, 4 + i * 4));
  Buffer.from(fields).copy(header, 4 + present.length * 4);
  return header;
}

function probe(options: { source?: number[]; seq?: number; elements?: number[] } = {}): number[] {
  const source = options.source ?? [0xda, 0xa1, 0x19, 0x00, 0x00, 0x01];
  const seq = (options.seq ?? 100) << 4;
  return [
    0x40,
    0x00,
    0,
    0,
    ...Array<number>(6).fill(0xff),
    ...source,
    ...Array<number>(6).fill(0xff),
    seq & 0xff,
    seq >> 8,
    ...(options.elements ?? [0, 4, 0x68, 0x6f, 0x6d, 0x65, 1, 2, 0x82, 0x84]),
  ];
}

const concat = (...parts: ArrayLike<number>[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => Array.from(p)));

describe(decodeFrame.name, () => {
  it.each(DAYS)(
    'agrees frame by frame with the published CSV of the %s capture (MAC, randomised bit, RSSI, seq, channel)',
    (day) => {
      const frames = readCapture(pcapPath(day));
      const rows = readCsv(csvPath(day));
      expect(frames).toHaveLength(rows.length);
      rows.forEach((row, i) => {
        const result = decodeFrame(frames[i]!.linkType, frames[i]!.data);
        expect(result.kind).toBe('probe');
        if (result.kind !== 'probe') return;
        const p = result.probe;
        expect({ i, source: p.source, rssi: p.rssi, seq: p.seq, freq: p.frequency }).toEqual({
          i: row.idx,
          source: row.src.replaceAll(':', ''),
          rssi: row.rssi,
          seq: row.seq,
          freq: row.chFreq,
        });
        expect(p.randomised).toBe(row.randomized);
        expect(p.channel).toBe(frequencyToChannel(row.chFreq));
        expect(p.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      });
    },
  );

  it('never returns or retains the SSID', () => {
    const ssid = [0x68, 0x6f, 0x6d, 0x65];
    const a = decodeFrame(105, Uint8Array.from(probe({ elements: [0, 4, ...ssid, 1, 1, 0x82] })));
    const b = decodeFrame(
      105,
      Uint8Array.from(probe({ elements: [0, 4, 1, 2, 3, 4, 1, 1, 0x82] })),
    );
    expect(JSON.stringify(a)).not.toMatch(/home|686f6d65/);
    // The fingerprint ignores the SSID's content, so two networks asked for do not split a device.
    expect(a.kind === 'probe' && b.kind === 'probe' && a.probe.fingerprint).toBe(
      b.kind === 'probe' && b.probe.fingerprint,
    );
  });

  it('reads raw 802.11 (link type 105): address, seq, channel from the DS element, no RSSI', () => {
    const result = decodeFrame(105, Uint8Array.from(probe({ seq: 4095, elements: [3, 1, 11] })));
    expect(result).toEqual({
      kind: 'probe',
      probe: expect.objectContaining({
        source: 'daa119000001',
        randomised: true,
        seq: 4095,
        channel: 11,
      }),
    });
    expect(result.kind === 'probe' && result.probe.rssi).toBeUndefined();
  });

  it('drops frames flagged with a bad FCS and strips a good FCS before the elements', () => {
    // present: flags(1) + channel(3) + antsignal(5); flags 0x50 = FCS present + bad FCS.
    const present = [(1 << 1) | (1 << 3) | (1 << 5)];
    const fields = (flags: number): number[] => [flags, 0, 0x6c, 0x09, 0, 0, 0xc4];
    const body = probe({ elements: [1, 1, 0x82] });
    const bad = concat(radiotap(present, fields(0x50)), body, [1, 2, 3, 4]);
    expect(decodeFrame(127, bad)).toEqual({ kind: 'skipped', reason: 'bad_fcs' });
    const good = decodeFrame(127, concat(radiotap(present, fields(0x10)), body, [9, 9, 9, 9]));
    const plain = decodeFrame(127, concat(radiotap(present, fields(0)), body));
    expect(good.kind === 'probe' && good.probe).toEqual(plain.kind === 'probe' && plain.probe);
    expect(plain.kind === 'probe' && plain.probe).toMatchObject({
      rssi: -60,
      channel: 1,
      frequency: 2412,
    });
  });

  it('skips frames that are not probe requests', () => {
    const beacon = probe();
    beacon[0] = 0x80;
    expect(decodeFrame(105, Uint8Array.from(beacon))).toEqual({
      kind: 'skipped',
      reason: 'not_probe_request',
    });
  });

  it('keeps the frame but not the fingerprint when an element is cut off, naming the offset', () => {
    const result = decodeFrame(105, Uint8Array.from(probe({ elements: [1, 8, 0x82] })));
    expect(result.kind === 'probe' && result.probe.fingerprint).toBeUndefined();
    expect(result.kind === 'probe' && result.probe.ieError?.message).toMatch(
      /element 1 claims 8 bytes.*at frame byte 24/,
    );
  });

  it('refuses unknown link types and short frames with the offset', () => {
    expect(() => decodeFrame(1, new Uint8Array(40))).toThrow(/linkType: 1 is not 802.11/);
    expect(() => decodeFrame(105, Uint8Array.from([0x40, 0, 0, 0]))).toThrow(
      /shorter than its 24-byte header \(at frame byte 0\)/,
    );
  });

  it('never throws anything but FrameDecodeError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(105, 127),
        fc.uint8Array({ maxLength: 300 }),
        (linkType, bytes) => {
          try {
            decodeFrame(linkType, bytes);
            return true;
          } catch (error) {
            return error instanceof FrameDecodeError && Number.isInteger(error.offset);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but FrameDecodeError on probe requests with arbitrary elements (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (elements) => {
        const result = decodeFrame(105, Uint8Array.from(probe({ elements: Array.from(elements) })));
        return (
          result.kind === 'probe' &&
          (result.probe.fingerprint !== undefined) !== (result.probe.ieError !== undefined)
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('fingerprints only rates, HT and VHT capabilities: SSID, channel, vendor, extended capabilities and extension elements may change (property)', () => {
    const element = (id: number, body: readonly number[]): number[] => [id, body.length, ...body];
    const bytes = (max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max });
    const fingerprint = (elements: number[]): string | undefined => {
      const r = decodeFrame(105, Uint8Array.from(probe({ elements })));
      return r.kind === 'probe' ? r.probe.fingerprint : undefined;
    };
    fc.assert(
      fc.property(
        fc.record({
          rates: bytes(8),
          ht: bytes(26),
          vht: bytes(12),
          ssid: bytes(32),
          channel: fc.integer({ min: 1, max: 14 }),
          vendor: bytes(20),
          ext: bytes(12),
          he: bytes(30),
        }),
        bytes(12),
        (v, other) => {
          const stable = [element(1, v.rates), element(45, v.ht), element(191, v.vht)];
          const a = fingerprint([
            ...element(0, v.ssid),
            ...stable[0]!,
            ...element(3, [v.channel]),
            ...stable[1]!,
            ...element(127, v.ext),
            ...stable[2]!,
            ...element(221, v.vendor),
            ...element(255, v.he),
          ]);
          // Another SSID, channel, vendor element, extended capabilities and HE element, or none.
          const b = fingerprint([
            ...element(0, other),
            ...stable[0]!,
            ...stable[1]!,
            ...element(127, other),
            ...stable[2]!,
            ...element(221, other),
          ]);
          // A changed HT capability is another device.
          const c = fingerprint([...stable[0]!, ...element(45, [...v.ht, 1]), ...stable[2]!]);
          return a !== undefined && a === b && c !== a;
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe(parseRadiotap.name, () => {
  it('walks extended present bitmaps with per-field alignment (TSFT, two antennas)', () => {
    // word0: TSFT(0) flags(1) antsignal(5) ext(31) radiotap-ns(29); word1: antsignal(5) antenna(11)
    const word0 = (1 << 0) | (1 << 1) | (1 << 5) | (1 << 29) | (1 << 31);
    const word1 = (1 << 5) | (1 << 11);
    // Data starts at 12: TSFT aligned to 8 → 4 pad bytes at 12..15, TSFT at 16.
    const fields = [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x10, 0xd8, 0xd0, 1];
    const sut = parseRadiotap(radiotap([word0, word1], fields));
    expect(sut).toEqual({ length: 28, tsft: 2 ** 32 + 1, flags: 0x10, dbmAntSignal: -40 });
  });

  it('skips a vendor namespace by its skip length and resumes the radiotap namespace', () => {
    // word0: vendor-ns(30) + ext; word1 (vendor, skipped) + radiotap-ns + ext; word2: antsignal
    const word0 = (1 << 30) | (1 << 31);
    const word1 = 0x1 | (1 << 29) | (1 << 31);
    const word2 = 1 << 5;
    const vendor = [0x00, 0x11, 0x22, 0x01, 3, 0, 0xaa, 0xbb, 0xcc];
    const sut = parseRadiotap(radiotap([word0, word1, word2], [...vendor, 0xb5]));
    expect(sut.dbmAntSignal).toBe(-75);
  });

  it('names the field and offset when a field runs past the header', () => {
    const header = radiotap([1 << 3], [0x6c]);
    expect(() => parseRadiotap(header)).toThrow(
      /radiotap.field: field 3 \(4 bytes\).*at frame byte 8/,
    );
    expect(() => parseRadiotap(Uint8Array.from([1, 0, 8, 0, 0, 0, 0, 0]))).toThrow(
      /radiotap.version/,
    );
  });

  it('never throws anything but FrameDecodeError on arbitrary present words and fields (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ maxLength: 80 }),
        (words, fields) => {
          try {
            const sut = parseRadiotap(radiotap(words, Array.from(fields)));
            return sut.length === 4 + words.length * 4 + fields.length;
          } catch (error) {
            return error instanceof FrameDecodeError;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe(frequencyToChannel.name, () => {
  it.each([
    [2412, 1],
    [2484, 14],
    [5180, 36],
    [5955, 1],
    [2413, undefined],
    [900, undefined],
  ])('%i MHz is channel %p', (mhz, channel) => {
    expect(frequencyToChannel(mhz)).toBe(channel);
  });
});
