import {
  isMulticast,
  isValidRssi,
  MAX_CHANNEL,
  MAX_SEQ,
  normaliseMac,
  describeValue,
  type DriverObservation,
} from '@aisle/sdk';

/** Batch format version (`"v": 1`), documented in hardware/esp32-sniffer.md. */
export const ESP32_BATCH_VERSION = 1;
/** Most probe requests in one message: a busy minute of a small sniffer. */
export const ESP32_MAX_BATCH = 500;
/** Largest accepted message: 500 entries of ~90 bytes plus the envelope. */
export const ESP32_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Earliest and latest plausible `ts` (2001-09-09 … 2286): catches seconds sent as ms and NaN. */
const MIN_TS_MS = 1e12;
const MAX_TS_MS = 1e13;
const IE_HASH = /^[0-9a-f]{8,32}$/i;

export interface Esp32Rejection {
  reason: string;
  detail: string;
}

export interface Esp32Batch {
  envelopeOk: boolean;
  observations: DriverObservation[];
  rejections: Esp32Rejection[];
}

const ENTRY_FIELDS = new Set(['mac', 'rssi', 'channel', 'seq', 'ts', 'ie_hash']);

/**
 * Parses an ESP32 sniffer batch `{"v":1,"probes":[{"mac","rssi","channel","seq","ts","ie_hash"?}]}`.
 * Pure and total: a bad envelope rejects the message, a bad entry is rejected alone with the field
 * named (a MAC is described by its shape, never quoted), the other entries are kept.
 */
export function parseEsp32Batch(payload: Uint8Array): Esp32Batch {
  const fail = (reason: string, detail: string): Esp32Batch => ({
    envelopeOk: false,
    observations: [],
    rejections: [{ reason, detail }],
  });
  if (payload.length > ESP32_MAX_PAYLOAD_BYTES) {
    return fail(
      'payload_too_large',
      `payload: ${payload.length} bytes exceeds ${ESP32_MAX_PAYLOAD_BYTES}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return fail('bad_json', `payload: not JSON (${payload.length} bytes)`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('bad_envelope', `payload: must be an object (got ${describeValue(body)})`);
  }
  const envelope = body as Record<string, unknown>;
  if (envelope['v'] !== ESP32_BATCH_VERSION) {
    return fail(
      'bad_version',
      `v: must be ${ESP32_BATCH_VERSION} (got ${describeValue(envelope['v'])})`,
    );
  }
  const probes = envelope['probes'];
  if (!Array.isArray(probes)) {
    return fail('bad_envelope', `probes: must be an array (got ${describeValue(probes)})`);
  }
  if (probes.length > ESP32_MAX_BATCH) {
    return fail('batch_too_large', `probes: ${probes.length} entries exceeds ${ESP32_MAX_BATCH}`);
  }
  const out: Esp32Batch = { envelopeOk: true, observations: [], rejections: [] };
  probes.forEach((entry: unknown, i) => {
    const result = parseEntry(entry, `probes[${i}]`);
    if (typeof result === 'string') out.rejections.push({ reason: 'bad_probe', detail: result });
    else out.observations.push(result);
  });
  return out;
}

function parseEntry(entry: unknown, path: string): DriverObservation | string {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return `${path}: must be an object (got ${describeValue(entry)})`;
  }
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).find((k) => !ENTRY_FIELDS.has(k));
  if (unknown !== undefined) return `${path}: unknown field (${unknown.length} characters)`;
  const mac = typeof e['mac'] === 'string' ? normaliseMac(e['mac']) : null;
  if (mac === null) {
    return `${path}.mac: must be a MAC address (got ${typeof e['mac'] === 'string' ? `a ${e['mac'].length}-character string` : describeValue(e['mac'])})`;
  }
  if (isMulticast(mac)) return `${path}.mac: a group address is not a device`;
  if (!isValidRssi(e['rssi'])) {
    return `${path}.rssi: must be dBm in [-127, 20] (got ${describeValue(e['rssi'])})`;
  }
  const channel = e['channel'];
  if (!Number.isInteger(channel) || (channel as number) < 1 || (channel as number) > MAX_CHANNEL) {
    return `${path}.channel: must be an integer 1..${MAX_CHANNEL} (got ${describeValue(channel)})`;
  }
  const seq = e['seq'];
  if (!Number.isInteger(seq) || (seq as number) < 0 || (seq as number) > MAX_SEQ) {
    return `${path}.seq: must be an integer 0..${MAX_SEQ} (got ${describeValue(seq)})`;
  }
  const ts = e['ts'];
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < MIN_TS_MS || ts > MAX_TS_MS) {
    return `${path}.ts: must be epoch milliseconds (got ${describeValue(ts)})`;
  }
  const observation: DriverObservation = {
    kind: 'wifi',
    at: ts,
    mac,
    rssi: e['rssi'],
    channel: channel as number,
    seq: seq as number,
  };
  const hash = e['ie_hash'];
  if (hash !== undefined) {
    if (typeof hash !== 'string' || !IE_HASH.test(hash)) {
      return `${path}.ie_hash: must be 8..32 hex digits (got ${describeValue(hash)})`;
    }
    observation.fingerprint = hash.toLowerCase();
  }
  return observation;
}
