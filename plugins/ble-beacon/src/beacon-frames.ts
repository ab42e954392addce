/**
 * Pure decoders of the beacon formats found in BLE advertisements: iBeacon and AltBeacon in
 * manufacturer data, Eddystone (UID, URL, TLM, EID) in service data of UUID 0xFEAA. Total: they
 * never throw; a frame that announces a format but breaks it is a rejection naming the field.
 */

/** Apple's Bluetooth SIG company identifier (iBeacon). */
export const APPLE_COMPANY_ID = 0x004c;
/** iBeacon type 0x02, length 0x15 (21 bytes follow: UUID 16, major 2, minor 2, power 1). */
const IBEACON_PREFIX = [0x02, 0x15] as const;
const IBEACON_LENGTH = 23;
/** AltBeacon "beacon code" 0xBEAC, then a 20-byte id, reference RSSI and a reserved byte. */
const ALTBEACON_PREFIX = [0xbe, 0xac] as const;
const ALTBEACON_LENGTH = 24;
/** Eddystone's 16-bit service UUID. */
export const EDDYSTONE_SERVICE = 'feaa';
/**
 * Eddystone frames carry the transmit power at 0 m; the path loss over the first metre is 41 dB
 * (Eddystone spec, "Tx Power"), so the 1 m reference the SDK wants is that minus 41.
 */
const EDDYSTONE_ONE_METRE_LOSS_DB = 41;

export type BeaconScheme =
  'ibeacon' | 'altbeacon' | 'eddystone-uid' | 'eddystone-url' | 'eddystone-eid';

export interface Beacon {
  scheme: BeaconScheme;
  /** Stable identity: `ibeacon:<uuid>:<major>:<minor>`, `eddystone-uid:<ns>:<instance>`, … */
  beaconId: string;
  /** Calibrated RSSI at 1 m, dBm. */
  txPower: number;
}

/** Eddystone-TLM: telemetry, no identity (the subject stays the device address). */
export interface EddystoneTelemetry {
  version: number;
  /** Battery voltage, mV (0: not supported). */
  batteryMv: number;
  /** Beacon temperature, °C (null: not supported, 0x8000). */
  temperatureC: number | null;
  advertisementCount: number;
  /** Time since power-on, 0.1 s units. */
  uptimeDeciseconds: number;
}

export interface FrameRejection {
  reason: string;
  detail: string;
}

export interface DecodedFrames {
  beacon?: Beacon;
  telemetry?: EddystoneTelemetry;
  rejections: FrameRejection[];
}

/** Lower-case 16-bit form of a service UUID (`0000feaa-0000-1000-8000-00805f9b34fb`, `0xFEAA` → `feaa`). */
export function shortServiceUuid(uuid: string): string {
  const text = uuid.trim().toLowerCase().replace(/^0x/, '');
  const base = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/.exec(text);
  return base ? (base[1] as string) : text;
}

/** Decodes whatever beacon frames an advertisement's manufacturer and service data hold. */
export function decodeBeaconFrames(ad: {
  manufacturerData: ReadonlyMap<number, Uint8Array>;
  serviceData: ReadonlyMap<string, Uint8Array>;
}): DecodedFrames {
  const out: DecodedFrames = { rejections: [] };
  const found = (beacon: Beacon | FrameRejection | null): void => {
    if (beacon === null) return;
    if ('reason' in beacon) out.rejections.push(beacon);
    else out.beacon ??= beacon;
  };
  for (const [company, data] of ad.manufacturerData) {
    if (company === APPLE_COMPANY_ID) found(decodeIBeacon(data));
    found(decodeAltBeacon(data));
  }
  for (const [uuid, data] of ad.serviceData) {
    if (shortServiceUuid(uuid) !== EDDYSTONE_SERVICE) continue;
    const frame = decodeEddystone(data);
    if (frame === null) continue;
    if ('reason' in frame) out.rejections.push(frame);
    else if ('scheme' in frame) out.beacon ??= frame;
    else out.telemetry = frame;
  }
  return out;
}

/**
 * Apple manufacturer data (without the company id). Null when it is not an iBeacon (phones send
 * other Apple types: Nearby, Handoff…), a rejection when it announces one with the wrong length.
 */
export function decodeIBeacon(data: Uint8Array): Beacon | FrameRejection | null {
  if (data[0] !== IBEACON_PREFIX[0] || data[1] !== IBEACON_PREFIX[1]) return null;
  if (data.length !== IBEACON_LENGTH) {
    return reject(
      'bad_ibeacon',
      `manufacturerData[0x004c]: an iBeacon frame (02 15) must be ${IBEACON_LENGTH} bytes (got ${data.length})`,
    );
  }
  const uuid = formatUuid(data.subarray(2, 18));
  const major = readUint16(data, 18);
  const minor = readUint16(data, 20);
  return {
    scheme: 'ibeacon',
    beaconId: `ibeacon:${uuid}:${major}:${minor}`,
    txPower: toInt8(data[22] as number),
  };
}

/** Manufacturer data of any company: null unless it starts with the AltBeacon code 0xBEAC. */
export function decodeAltBeacon(data: Uint8Array): Beacon | FrameRejection | null {
  if (data[0] !== ALTBEACON_PREFIX[0] || data[1] !== ALTBEACON_PREFIX[1]) return null;
  if (data.length !== ALTBEACON_LENGTH) {
    return reject(
      'bad_altbeacon',
      `manufacturerData: an AltBeacon frame (be ac) must be ${ALTBEACON_LENGTH} bytes (got ${data.length})`,
    );
  }
  const id1 = formatUuid(data.subarray(2, 18));
  return {
    scheme: 'altbeacon',
    beaconId: `altbeacon:${id1}:${readUint16(data, 18)}:${readUint16(data, 20)}`,
    txPower: toInt8(data[22] as number),
  };
}

/** Service data of 0xFEAA (first byte: frame type). Null for frame types we do not use. */
export function decodeEddystone(
  data: Uint8Array,
): Beacon | EddystoneTelemetry | FrameRejection | null {
  if (data.length === 0) {
    return reject('bad_eddystone', 'serviceData[feaa]: must hold an Eddystone frame (got 0 bytes)');
  }
  const type = data[0] as number;
  switch (type) {
    case 0x00: // UID: power, namespace 10, instance 6, (2 reserved bytes, often left out)
      if (data.length !== 18 && data.length !== 20) {
        return badLength('eddystone-uid', '18 or 20', data.length);
      }
      return {
        scheme: 'eddystone-uid',
        beaconId: `eddystone-uid:${hex(data.subarray(2, 12))}:${hex(data.subarray(12, 18))}`,
        txPower: toInt8(data[1] as number) - EDDYSTONE_ONE_METRE_LOSS_DB,
      };
    case 0x10: {
      // URL: power, scheme prefix, encoded URL (at most 17 bytes)
      if (data.length < 3 || data.length > 20) {
        return badLength('eddystone-url', '3 to 20', data.length);
      }
      const url = decodeEddystoneUrl(data.subarray(2));
      if (url === null) {
        return reject(
          'bad_eddystone',
          'serviceData[feaa]: an Eddystone-URL frame must hold a known scheme and printable characters',
        );
      }
      return {
        scheme: 'eddystone-url',
        beaconId: `eddystone-url:${url}`,
        txPower: toInt8(data[1] as number) - EDDYSTONE_ONE_METRE_LOSS_DB,
      };
    }
    case 0x20: {
      // TLM (unencrypted, version 0): version, battery mV, temperature 8.8, count, uptime
      if (data[1] !== 0x00) return null; // encrypted TLM (version 1) carries nothing we can read
      if (data.length !== 14) return badLength('eddystone-tlm', '14', data.length);
      const rawTemp = readUint16(data, 4);
      return {
        version: 0,
        batteryMv: readUint16(data, 2),
        temperatureC: rawTemp === 0x8000 ? null : toInt16(rawTemp) / 256,
        advertisementCount: readUint32(data, 6),
        uptimeDeciseconds: readUint32(data, 10),
      };
    }
    case 0x30: // EID: power, 8-byte ephemeral id (rotates; stable within its period)
      if (data.length !== 10) return badLength('eddystone-eid', '10', data.length);
      return {
        scheme: 'eddystone-eid',
        beaconId: `eddystone-eid:${hex(data.subarray(2, 10))}`,
        txPower: toInt8(data[1] as number) - EDDYSTONE_ONE_METRE_LOSS_DB,
      };
    default:
      return null;
  }
}

const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'] as const;
const URL_EXPANSIONS = [
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  '.info/',
  '.biz/',
  '.gov/',
  '.com',
  '.org',
  '.edu',
  '.net',
  '.info',
  '.biz',
  '.gov',
] as const;

function decodeEddystoneUrl(bytes: Uint8Array): string | null {
  const scheme = URL_SCHEMES[bytes[0] as number];
  if (scheme === undefined) return null;
  let url: string = scheme;
  for (const byte of bytes.subarray(1)) {
    const expansion = URL_EXPANSIONS[byte];
    if (expansion !== undefined) url += expansion;
    else if (byte > 0x20 && byte < 0x7f) url += String.fromCharCode(byte);
    else return null;
  }
  return url;
}

function badLength(frame: string, wanted: string, got: number): FrameRejection {
  return reject(
    'bad_eddystone',
    `serviceData[feaa]: an ${frame} frame must be ${wanted} bytes (got ${got})`,
  );
}

function reject(reason: string, detail: string): FrameRejection {
  return { reason, detail };
}

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Parses an even-length hex string (optional `0x`, spaces ignored) or returns null. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i += 1) {
    out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

function formatUuid(bytes: Uint8Array): string {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function readUint16(data: Uint8Array, offset: number): number {
  return ((data[offset] as number) << 8) | (data[offset + 1] as number);
}

function readUint32(data: Uint8Array, offset: number): number {
  return readUint16(data, offset) * 0x10000 + readUint16(data, offset + 2);
}

function toInt8(byte: number): number {
  return byte > 0x7f ? byte - 0x100 : byte;
}

function toInt16(word: number): number {
  return word > 0x7fff ? word - 0x10000 : word;
}
