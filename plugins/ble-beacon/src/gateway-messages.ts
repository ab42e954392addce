import { isValidRssi, normaliseMac } from '@aisle/sdk';
import {
  decodeBeaconFrames,
  decodeIBeacon,
  parseHex,
  shortServiceUuid,
  type Beacon,
} from './beacon-frames.js';
import { bleObservation, type Decoded, type Rejection } from './ble-observation.js';

/** Largest gateway message accepted; real ones are a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 16_384;

/**
 * ESPresense node message on `espresense/devices/<id>/<room>`:
 * `{"id":"iBeacon:<uuid>-<major>-<minor>","mac":"dd8800003777","rssi":-81.1,"rssi@1m":-59,"distance":6.58,…}`.
 * The beacon identity comes from `id` (iBeacon, AltBeacon, Eddystone UID), the address from `mac`,
 * the 1 m reference from `rssi@1m`. Pure and total.
 */
export function parseEspresenseMessage(payload: Uint8Array, at: number): Decoded {
  const root = parseJsonObject(payload);
  if ('reason' in root) return failed(root);
  const rssi = root.value['rssi'];
  if (!isValidRssi(rssi)) return failed(badRssi(rssi));
  const id = root.value['id'];
  const beacon = typeof id === 'string' ? espresenseBeacon(id) : undefined;
  const address = readAddress(root.value['mac']);
  if (address === BAD) return failed(badAddress('mac'));
  if (address === undefined && beacon === undefined) {
    return failed({
      reason: 'no_identity',
      detail: 'mac: is required unless id is a beacon id (iBeacon:, altBeacon:, eddystone:)',
    });
  }
  const refRssi = root.value['rssi@1m'];
  return {
    observation: bleObservation({
      at,
      rssi,
      ...(address !== undefined ? { address } : {}),
      ...(beacon !== undefined ? { beacon } : {}),
      ...(typeof refRssi === 'number' ? { txPower: refRssi } : {}),
    }),
    rejections: [],
  };
}

const ESPRESENSE_IBEACON =
  /^(ibeacon|altbeacon):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{1,5})-(\d{1,5})$/i;
const ESPRESENSE_EDDYSTONE = /^eddystone:([0-9a-f]{20})-([0-9a-f]{12})$/i;

/** ESPresense's beacon ids in the canonical form of this plugin's own decoders. */
function espresenseBeacon(id: string): Pick<Beacon, 'beaconId'> | undefined {
  const ib = ESPRESENSE_IBEACON.exec(id);
  if (ib) {
    const major = Number(ib[3]);
    const minor = Number(ib[4]);
    if (major > 0xffff || minor > 0xffff) return undefined;
    const scheme = (ib[1] as string).toLowerCase();
    return { beaconId: `${scheme}:${(ib[2] as string).toLowerCase()}:${major}:${minor}` };
  }
  const ed = ESPRESENSE_EDDYSTONE.exec(id);
  if (ed) {
    return {
      beaconId: `eddystone-uid:${(ed[1] as string).toLowerCase()}:${(ed[2] as string).toLowerCase()}`,
    };
  }
  return undefined;
}

/**
 * Theengs Gateway / OpenMQTTGateway message on `…/BTtoMQTT/<MAC>`, decoded
 * (`{"id":"AA:BB:…","rssi":-70,"model_id":"IBEACON","uuid":"…","major":1,"minor":2,"txpower":-59}`)
 * or undecoded (`{"id":…,"rssi":…,"manufacturerdata":"4c000215…","servicedata":"…","servicedatauuid":"0xfeaa"}`).
 * `topicAddress` is the topic's last level (the MAC without separators), used when `id` is absent.
 */
export function parseTheengsMessage(
  payload: Uint8Array,
  at: number,
  topicAddress?: string,
): Decoded {
  const root = parseJsonObject(payload);
  if ('reason' in root) return failed(root);
  const msg = root.value;
  const rssi = msg['rssi'];
  if (!isValidRssi(rssi)) return failed(badRssi(rssi));
  const fromId = readAddress(msg['id']);
  if (fromId === BAD) return failed(badAddress('id'));
  const fromTopic =
    topicAddress !== undefined ? (normaliseMac(topicAddress) ?? undefined) : undefined;
  const address = fromId ?? fromTopic;
  const rejections: Rejection[] = [];
  let beacon: Beacon | undefined;
  const decoded = theengsDecodedBeacon(msg);
  if (decoded !== null && 'reason' in decoded) rejections.push(decoded);
  else if (decoded !== null) beacon = decoded;
  if (beacon === undefined) {
    const raw = theengsRawBeacon(msg);
    rejections.push(...raw.rejections);
    beacon = raw.beacon;
  }
  if (address === undefined && beacon === undefined) {
    return failed({
      reason: 'no_identity',
      detail: 'id: is required (the device address) unless the message holds a beacon',
    });
  }
  const txpower = msg['txpower'];
  const addressType = msg['addrtype'] ?? msg['addressType'];
  return {
    observation: bleObservation({
      at,
      rssi,
      ...(address !== undefined ? { address } : {}),
      ...(addressType === 'random' || addressType === 'public' ? { addressType } : {}),
      ...(beacon !== undefined ? { beacon } : {}),
      ...(typeof txpower === 'number' ? { txPower: txpower } : {}),
    }),
    rejections,
  };
}

/** Theengs Decoder's iBeacon output (`model_id: IBEACON`, uuid as 32 hex digits). */
function theengsDecodedBeacon(msg: Record<string, unknown>): Beacon | Rejection | null {
  if (msg['model_id'] !== 'IBEACON') return null;
  const uuid = msg['uuid'];
  const major = msg['major'];
  const minor = msg['minor'];
  const bytes = typeof uuid === 'string' ? parseHex(uuid.replaceAll('-', '')) : null;
  if (bytes === null || bytes.length !== 16) {
    return { reason: 'bad_ibeacon', detail: 'uuid: must be 16 bytes of hex' };
  }
  if (!isUint16(major) || !isUint16(minor)) {
    return { reason: 'bad_ibeacon', detail: 'major, minor: must be integers from 0 to 65535' };
  }
  const txpower = msg['txpower'];
  const frame = new Uint8Array(23);
  frame.set([0x02, 0x15]);
  frame.set(bytes, 2);
  frame.set([major >> 8, major & 0xff, minor >> 8, minor & 0xff], 18);
  frame[22] = typeof txpower === 'number' && Number.isInteger(txpower) ? txpower & 0xff : 0;
  const beacon = decodeIBeacon(frame) as Beacon;
  // Without a power in the message, none is claimed (0 would be a wrong calibration).
  return typeof txpower === 'number' ? beacon : { ...beacon, txPower: Number.NaN };
}

/** Undecoded form: manufacturer data hex (company id first, little-endian) and service data hex. */
function theengsRawBeacon(msg: Record<string, unknown>): {
  beacon?: Beacon;
  rejections: Rejection[];
} {
  const manufacturerData = new Map<number, Uint8Array>();
  const serviceData = new Map<string, Uint8Array>();
  const rejections: Rejection[] = [];
  const mfd = msg['manufacturerdata'];
  if (mfd !== undefined) {
    const bytes = typeof mfd === 'string' ? parseHex(mfd) : null;
    if (bytes === null || bytes.length < 2) {
      rejections.push({
        reason: 'bad_manufacturerdata',
        detail: 'manufacturerdata: must be hex of at least 2 bytes (company id, little-endian)',
      });
    } else {
      manufacturerData.set((bytes[0] as number) | ((bytes[1] as number) << 8), bytes.subarray(2));
    }
  }
  const sd = msg['servicedata'];
  if (sd !== undefined) {
    const bytes = typeof sd === 'string' ? parseHex(sd) : null;
    const uuid = msg['servicedatauuid'];
    if (bytes === null) {
      rejections.push({ reason: 'bad_servicedata', detail: 'servicedata: must be hex' });
    } else if (typeof uuid !== 'string') {
      rejections.push({
        reason: 'bad_servicedata',
        detail: 'servicedatauuid: is required with servicedata (e.g. "0xfeaa")',
      });
    } else {
      serviceData.set(shortServiceUuid(uuid), bytes);
    }
  }
  const frames = decodeBeaconFrames({ manufacturerData, serviceData });
  rejections.push(...frames.rejections);
  return { ...(frames.beacon ? { beacon: frames.beacon } : {}), rejections };
}

function isUint16(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

/** A device address in MAC notation: normalised, absent (undefined) or `bad`. */
function readAddress(value: unknown): string | undefined | typeof BAD {
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? normaliseMac(value) : null) ?? BAD;
}

const BAD = Symbol('bad address');

function parseJsonObject(payload: Uint8Array): { value: Record<string, unknown> } | Rejection {
  if (payload.byteLength > MAX_MESSAGE_BYTES) {
    return {
      reason: 'payload_too_large',
      detail: `payload: must be at most ${MAX_MESSAGE_BYTES} bytes (got ${payload.byteLength})`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as unknown;
  } catch {
    // The parser's message may quote the input (a MAC): only the size is reported.
    return {
      reason: 'bad_json',
      detail: `payload: must be UTF-8 JSON (got ${payload.byteLength} bytes that are not)`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { reason: 'bad_message', detail: 'payload: must be a JSON object' };
  }
  return { value: value as Record<string, unknown> };
}

function badRssi(value: unknown): Rejection {
  const got =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value).slice(0, 8)
      : value === undefined
        ? 'nothing'
        : `a ${value === null ? 'null' : typeof value}`;
  return { reason: 'bad_rssi', detail: `rssi: must be a number from -127 to 20 dBm (got ${got})` };
}

function badAddress(field: string): Rejection {
  return {
    reason: 'bad_address',
    detail: `${field}: must be a device address in MAC notation (6 hex bytes)`,
  };
}

function failed(rejection: Rejection): Decoded {
  return { observation: null, rejections: [rejection] };
}
