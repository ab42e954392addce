import { FrameDecodeError } from './frame-error.js';

/** Radiotap flags field bits (radiotap.org/fields/Flags). */
export const RADIOTAP_FLAG_FCS = 0x10;
export const RADIOTAP_FLAG_BAD_FCS = 0x40;

/** What Aisle uses of a radiotap header. */
export interface Radiotap {
  /** Header length: the 802.11 frame starts here. */
  length: number;
  /** Antenna signal, dBm (the first one: the combined signal when several antennas report). */
  dbmAntSignal?: number;
  /** Channel centre frequency, MHz. */
  frequency?: number;
  /** Flags field (FCS present, bad FCS…). */
  flags?: number;
  /** MAC timestamp, µs, as a number (exact below 2^53). */
  tsft?: number;
}

/**
 * [alignment, size] of radiotap fields 0..27 in the default namespace (radiotap.org/fields/defined).
 * Field 28 (TLVs) and unknown fields end the walk: their size is unknown, so nothing after them
 * can be located; the fields before them stay valid.
 */
const FIELDS: readonly (readonly [number, number])[] = [
  [8, 8], // 0 TSFT
  [1, 1], // 1 Flags
  [1, 1], // 2 Rate
  [2, 4], // 3 Channel (freq u16, flags u16)
  [1, 2], // 4 FHSS
  [1, 1], // 5 dBm antenna signal
  [1, 1], // 6 dBm antenna noise
  [2, 2], // 7 Lock quality
  [2, 2], // 8 TX attenuation
  [2, 2], // 9 dB TX attenuation
  [1, 1], // 10 dBm TX power
  [1, 1], // 11 Antenna
  [1, 1], // 12 dB antenna signal
  [1, 1], // 13 dB antenna noise
  [2, 2], // 14 RX flags
  [2, 2], // 15 TX flags
  [1, 1], // 16 RTS retries
  [1, 1], // 17 data retries
  [4, 8], // 18 XChannel
  [1, 3], // 19 MCS
  [4, 8], // 20 A-MPDU status
  [2, 12], // 21 VHT
  [8, 12], // 22 timestamp
  [2, 12], // 23 HE
  [2, 12], // 24 HE-MU
  [2, 6], // 25 HE-MU-other-user
  [1, 1], // 26 0-length PSDU
  [2, 4], // 27 L-SIG
];
const BIT_RADIOTAP_NS = 29;
const BIT_VENDOR_NS = 30;
const BIT_EXT = 31;
/** Most present words accepted; real headers use a handful (one per antenna). */
const MAX_PRESENT_WORDS = 64;

function u16(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8);
}

function u32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

/**
 * Parses a radiotap header (little-endian, alignment relative to the header start), walking every
 * present bitmap including extended ones and vendor namespaces. Throws {@link FrameDecodeError}
 * with the offset when the header is inconsistent.
 */
export function parseRadiotap(data: Uint8Array): Radiotap {
  if (data.length < 8) {
    throw new FrameDecodeError('radiotap', `header needs 8 bytes, frame has ${data.length}`, 0);
  }
  if (data[0] !== 0) {
    throw new FrameDecodeError('radiotap.version', `must be 0 (got ${data[0]})`, 0);
  }
  const length = u16(data, 2);
  if (length < 8 || length > data.length) {
    throw new FrameDecodeError(
      'radiotap.length',
      `${length} does not fit a frame of ${data.length} bytes`,
      2,
    );
  }
  const words: number[] = [];
  let at = 4;
  for (;;) {
    if (at + 4 > length) {
      throw new FrameDecodeError('radiotap.present', 'present bitmaps run past the header', at);
    }
    const word = u32(data, at);
    words.push(word);
    at += 4;
    if ((word & (1 << BIT_EXT)) === 0) break;
    if (words.length >= MAX_PRESENT_WORDS) {
      throw new FrameDecodeError('radiotap.present', `more than ${MAX_PRESENT_WORDS} bitmaps`, at);
    }
  }
  const out: Radiotap = { length };
  let namespace: 'radiotap' | 'vendor' = 'radiotap';
  /** Number of radiotap words seen since the last namespace switch (bit numbering continues). */
  let wordInNamespace = 0;
  for (const word of words) {
    if (namespace === 'radiotap') {
      for (let bit = 0; bit < 29; bit += 1) {
        if ((word & (1 << bit)) === 0) continue;
        const field = wordInNamespace * 32 + bit;
        const spec = FIELDS[field];
        if (!spec) return out; // unknown size: nothing further can be located
        const [align, size] = spec;
        at = (at + align - 1) & ~(align - 1);
        if (at + size > length) {
          throw new FrameDecodeError(
            'radiotap.field',
            `field ${field} (${size} bytes) runs past the header of ${length} bytes`,
            at,
          );
        }
        readField(data, at, field, out);
        at += size;
      }
    }
    if ((word & (1 << BIT_VENDOR_NS)) !== 0) {
      // Vendor namespace: OUI(3), sub-namespace(1), skip length(u16), 2-aligned; then its data.
      at = (at + 1) & ~1;
      if (at + 6 > length) {
        throw new FrameDecodeError('radiotap.vendor', 'vendor namespace runs past the header', at);
      }
      const skip = u16(data, at + 4);
      at += 6 + skip;
      if (at > length) {
        throw new FrameDecodeError(
          'radiotap.vendor',
          `skip length ${skip} runs past the header`,
          at,
        );
      }
      namespace = 'vendor';
      wordInNamespace = 0;
    } else if ((word & (1 << BIT_RADIOTAP_NS)) !== 0) {
      namespace = 'radiotap';
      wordInNamespace = 0;
    } else {
      wordInNamespace += 1;
    }
  }
  return out;
}

function readField(data: Uint8Array, at: number, field: number, out: Radiotap): void {
  switch (field) {
    case 0:
      out.tsft ??= u32(data, at) + u32(data, at + 4) * 2 ** 32;
      break;
    case 1:
      out.flags ??= data[at]!;
      break;
    case 3:
      out.frequency ??= u16(data, at);
      break;
    case 5:
      out.dbmAntSignal ??= (data[at]! << 24) >> 24;
      break;
    default:
      break;
  }
}

/** 802.11 channel number of a centre frequency (MHz), or undefined outside the known bands. */
export function frequencyToChannel(mhz: number): number | undefined {
  const channel = bandChannel(mhz);
  return channel !== undefined && Number.isInteger(channel) ? channel : undefined;
}

function bandChannel(mhz: number): number | undefined {
  if (mhz === 2484) return 14;
  if (mhz >= 2412 && mhz <= 2472) return (mhz - 2407) / 5;
  if (mhz === 5935) return 2;
  if (mhz >= 5955 && mhz <= 7115) return (mhz - 5950) / 5;
  if (mhz >= 5000 && mhz <= 5900) return (mhz - 5000) / 5;
  if (mhz >= 4910 && mhz <= 4980) return (mhz - 4000) / 5;
  return undefined;
}
