import { FrameDecodeError } from './frame-error.js';
import {
  frequencyToChannel,
  parseRadiotap,
  RADIOTAP_FLAG_BAD_FCS,
  RADIOTAP_FLAG_FCS,
  type Radiotap,
} from './radiotap.js';

/** pcap link types this decoder reads. */
export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;

/** 802.11 management header: frame control, duration, three addresses, sequence control. */
const MGMT_HEADER_BYTES = 24;
const FCS_BYTES = 4;
const IE_DS_PARAMETER = 3;
/**
 * The elements of the fingerprint, in the order the frame carries them, with their content:
 * supported rates (1), extended supported rates (50), HT capabilities (45), VHT capabilities (191).
 * A phone sends these in every probe request with the same content; they differ between chipsets
 * and firmware. Left out: the SSID (names the networks a person knows), the DS channel (the
 * channel being scanned), vendor elements, extended capabilities (127) and extension elements
 * (255: HE capabilities, FILS request parameters): seen to change from one burst to the next on
 * one phone (an Android phone alternating two probe layouts, one without HE capabilities; a FILS
 * parameter that counts; an iPhone flipping an extended-capability bit), so they would split one
 * device into several.
 */
const FINGERPRINT_ELEMENTS = new Set([1, 50, 45, 191]);

/**
 * A probe request as Aisle uses it. It holds no SSID: the SSID element is skipped unread, so a
 * network name can never be persisted or emitted.
 */
export interface ProbeRequest {
  /** Source address, 12 lower-case hex digits. */
  source: string;
  /** Locally administered (randomised) address. */
  randomised: boolean;
  /** 802.11 sequence number (12 bits). */
  seq: number;
  /** Antenna signal, dBm, when the capture carries it (radiotap). */
  rssi?: number;
  channel?: number;
  /** Channel frequency, MHz (radiotap). */
  frequency?: number;
  /** MAC timestamp, µs (radiotap TSFT). */
  tsft?: number;
  /**
   * Hash of the elements a phone sends unchanged in every probe request (rates, HT and VHT
   * capabilities, in their order; never the SSID): only for linking bursts of one randomised device
   * within minutes. Absent when the elements are malformed.
   */
  fingerprint?: string;
  /** Why the elements could not be read (the frame itself is kept). */
  ieError?: FrameDecodeError;
}

export type FrameResult =
  | { kind: 'probe'; probe: ProbeRequest }
  | { kind: 'skipped'; reason: 'not_probe_request' | 'bad_fcs' };

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Decodes one captured frame of link type 127 (radiotap) or 105 (raw 802.11). Returns the probe
 * request, or why the frame is skipped; throws {@link FrameDecodeError} (with the byte offset) for
 * a malformed frame or an unsupported link type.
 */
export function decodeFrame(linkType: number, data: Uint8Array): FrameResult {
  let radiotap: Radiotap | undefined;
  let start = 0;
  let end = data.length;
  if (linkType === LINKTYPE_IEEE802_11_RADIOTAP) {
    radiotap = parseRadiotap(data);
    start = radiotap.length;
    const flags = radiotap.flags ?? 0;
    if ((flags & RADIOTAP_FLAG_BAD_FCS) !== 0) return { kind: 'skipped', reason: 'bad_fcs' };
    if ((flags & RADIOTAP_FLAG_FCS) !== 0) end -= FCS_BYTES;
  } else if (linkType !== LINKTYPE_IEEE802_11) {
    throw new FrameDecodeError('linkType', `${linkType} is not 802.11 (105) or radiotap (127)`, 0);
  }
  if (end - start < 1) {
    throw new FrameDecodeError('ieee80211', 'no 802.11 frame after the capture header', start);
  }
  if ((data[start]! & 0xfc) !== 0x40) return { kind: 'skipped', reason: 'not_probe_request' };
  if (end - start < MGMT_HEADER_BYTES) {
    throw new FrameDecodeError(
      'ieee80211',
      `probe request of ${Math.max(0, end - start)} bytes is shorter than its 24-byte header`,
      start,
    );
  }
  const sa = start + 10;
  let source = '';
  for (let i = 0; i < 6; i += 1) source += HEX[data[sa + i]!]!;
  const seq = (data[start + 22]! | (data[start + 23]! << 8)) >> 4;
  const probe: ProbeRequest = {
    source,
    randomised: (data[sa]! & 0x02) !== 0,
    seq,
  };
  const elements = readElements(data, start + MGMT_HEADER_BYTES, end, start);
  if (elements.error) probe.ieError = elements.error;
  else probe.fingerprint = elements.fingerprint;
  const channel =
    radiotap?.frequency !== undefined ? frequencyToChannel(radiotap.frequency) : undefined;
  if (radiotap?.dbmAntSignal !== undefined) probe.rssi = radiotap.dbmAntSignal;
  if (radiotap?.frequency !== undefined) probe.frequency = radiotap.frequency;
  if (radiotap?.tsft !== undefined) probe.tsft = radiotap.tsft;
  const resolved = channel ?? elements.dsChannel;
  if (resolved !== undefined) probe.channel = resolved;
  return { kind: 'probe', probe };
}

interface Elements {
  fingerprint: string;
  dsChannel?: number;
  error?: FrameDecodeError;
}

/**
 * Walks the information elements (id, length, data) into a 64-bit FNV-1a fingerprint of the
 * {@link FINGERPRINT_ELEMENTS}; the SSID content is never read. `frameStart` makes error offsets
 * relative to the 802.11 frame's capture.
 */
function readElements(data: Uint8Array, from: number, end: number, frameStart: number): Elements {
  // Two FNV-1a 32-bit lanes with different offset bases make a 64-bit hash without BigInt.
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  const mix = (byte: number): void => {
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte ^ 0x5a, 0x01000193);
  };
  let dsChannel: number | undefined;
  let at = from;
  while (at < end) {
    if (at + 2 > end) {
      return {
        fingerprint: '',
        error: new FrameDecodeError('ie', 'element header cut off', at - frameStart),
      };
    }
    const id = data[at]!;
    const length = data[at + 1]!;
    const body = at + 2;
    if (body + length > end) {
      return {
        fingerprint: '',
        error: new FrameDecodeError(
          'ie',
          `element ${id} claims ${length} bytes, ${end - body} left`,
          at - frameStart,
        ),
      };
    }
    if (id === IE_DS_PARAMETER) {
      if (length >= 1) dsChannel = data[body]!;
    } else if (FINGERPRINT_ELEMENTS.has(id)) {
      mix(id);
      mix(length);
      for (let i = body; i < body + length; i += 1) mix(data[i]!);
    }
    at = body + length;
  }
  const fingerprint =
    (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  return dsChannel !== undefined && dsChannel > 0 ? { fingerprint, dsChannel } : { fingerprint };
}
