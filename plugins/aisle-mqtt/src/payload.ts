import {
  isValidRssi,
  MAX_BEACON_ID_LENGTH,
  MAX_CHANNEL,
  MAX_COUNT,
  MAX_ID_LENGTH,
  MAX_RSSI_DBM,
  MAX_SEQ,
  MAX_TOKEN_LENGTH,
  MIN_RSSI_DBM,
  describeValue,
  isMulticast,
  normaliseMac,
  redactMacs,
  type BleObservation,
  type CameraObservation,
  type DriverObservation,
  type WifiObservation,
} from '@aisle/sdk';

/** Batch format version this parser reads (`"v": 1`). */
export const BATCH_VERSION = 1;
/** Latest representable epoch ms (ECMAScript Date range). */
const MAX_EPOCH_MS = 8.64e15;
/**
 * Bytes allowed per observation when sizing the payload limit: the longest valid observation (a
 * BLE one with a 256-character beacon id) is under 400 bytes.
 */
export const MAX_OBSERVATION_BYTES = 512;
/** Bytes allowed for the envelope (`{"v":1,"observations":[]}` plus whitespace). */
const ENVELOPE_BYTES = 1_024;

/** A malformed message or observation: `reason` is a metric label, `detail` names the field. */
export interface Rejection {
  reason: string;
  /** Path of the first bad field (`payload`, `v`, `observations[3].rssi`). */
  field: string;
  detail: string;
}

export interface ParsedBatch {
  /** The envelope was sound: the message came from a live sensor, whatever its observations. */
  envelopeOk: boolean;
  observations: DriverObservation[];
  rejections: Rejection[];
}

interface Problem {
  field: string;
  message: string;
  value: unknown;
  /** A raw identifier: described by shape, never quoted. */
  identifier?: boolean;
}

const COMMON_FIELDS = ['kind', 'at'] as const;
const FIELDS: Record<DriverObservation['kind'], readonly string[]> = {
  wifi: [...COMMON_FIELDS, 'mac', 'rssi', 'channel', 'seq', 'fingerprint'],
  ble: [...COMMON_FIELDS, 'address', 'beaconId', 'rssi', 'txPower', 'addressType'],
  camera: [
    ...COMMON_FIELDS,
    'lineId',
    'zoneId',
    'entries',
    'exits',
    'occupancy',
    'intervalStart',
    'trackId',
  ],
};
const FIELD_SETS: Record<DriverObservation['kind'], ReadonlySet<string>> = {
  wifi: new Set(FIELDS.wifi),
  ble: new Set(FIELDS.ble),
  camera: new Set(FIELDS.camera),
};

/**
 * Parses one native batch (`{"v":1,"observations":[…]}`, see hardware/mqtt-topics.md). Pure and
 * total: never throws. A bad envelope rejects the message; a bad observation is rejected alone and
 * the rest of the batch is kept. Rejection details name the field and describe the value, but never
 * quote an identifier (MAC, address, beacon id, track id).
 */
export function parseBatch(payload: Uint8Array, options: { maxBatch: number }): ParsedBatch {
  const fail = ({
    reason,
    field,
    message,
  }: {
    reason: string;
    field: string;
    message: string;
  }): ParsedBatch => ({
    envelopeOk: false,
    observations: [],
    rejections: [{ reason, field, detail: `${field}: ${message}` }],
  });
  const maxBytes = ENVELOPE_BYTES + options.maxBatch * MAX_OBSERVATION_BYTES;
  if (payload.byteLength > maxBytes) {
    return fail({
      reason: 'payload_too_large',
      field: 'payload',
      message: `must be at most ${maxBytes} bytes for maxBatch ${options.maxBatch} (got ${payload.byteLength})`,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return fail({
      reason: 'bad_encoding',
      field: 'payload',
      message: `must be UTF-8 JSON (got ${payload.byteLength} bytes that are not UTF-8)`,
    });
  }
  let root: unknown;
  try {
    root = JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the input, which may hold a MAC: only the size is reported.
    return fail({
      reason: 'bad_json',
      field: 'payload',
      message: `must be JSON (got ${payload.byteLength} bytes that are not)`,
    });
  }
  if (!isRecord(root)) {
    return fail({
      reason: 'bad_batch',
      field: 'payload',
      message: `must be a JSON object {"v":1,"observations":[…]} (got ${shapeOf(root)})`,
    });
  }
  const unknown = Object.keys(root).filter((k) => k !== 'v' && k !== 'observations');
  if (unknown.length > 0) {
    return fail({
      reason: 'bad_batch',
      field: safeKey(unknown[0] as string),
      message: 'is not a field of a v1 batch (only v and observations are)',
    });
  }
  if (root['v'] !== BATCH_VERSION) {
    return fail({
      reason: 'bad_version',
      field: 'v',
      message: `must be ${BATCH_VERSION} (got ${safeDescribe(root['v'])})`,
    });
  }
  const list = root['observations'];
  if (!Array.isArray(list)) {
    return fail({
      reason: 'bad_batch',
      field: 'observations',
      message: `must be an array (got ${shapeOf(list)})`,
    });
  }
  if (list.length > options.maxBatch) {
    return fail({
      reason: 'batch_too_large',
      field: 'observations',
      message: `must hold at most ${options.maxBatch} observations (got ${list.length})`,
    });
  }
  const observations: DriverObservation[] = [];
  const rejections: Rejection[] = [];
  // One problem list and one reader for the batch (emptied per observation): a valid observation
  // allocates nothing but itself.
  const problems: Problem[] = [];
  const read = new FieldReader(problems);
  for (let index = 0; index < list.length; index += 1) {
    const item: unknown = list[index];
    problems.length = 0;
    const observation = parseObservation(item, problems, read);
    if (observation && problems.length === 0) {
      observations.push(observation);
      continue;
    }
    const path = `observations[${index}]`;
    const first = problems[0] ?? { field: '', message: 'is not a valid observation', value: item };
    rejections.push({
      reason: reasonFor(first),
      field: join(path, first.field),
      detail: problems
        .map((p) => `${join(path, p.field)}: ${p.message} (got ${got(p)})`)
        .join('; '),
    });
  }
  return { envelopeOk: true, observations, rejections };
}

function parseObservation(
  item: unknown,
  problems: Problem[],
  read: FieldReader,
): DriverObservation | null {
  if (!isRecord(item)) {
    problems.push({
      field: '',
      message: 'must be an observation object',
      value: item,
      identifier: true,
    });
    return null;
  }
  const kind = item['kind'];
  if (kind !== 'wifi' && kind !== 'ble' && kind !== 'camera') {
    problems.push({ field: 'kind', message: 'must be one of wifi, ble, camera', value: kind });
    return null;
  }
  const at = item['at'];
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at > MAX_EPOCH_MS) {
    problems.push({ field: 'at', message: 'must be a time in epoch milliseconds', value: at });
  }
  const fields = FIELD_SETS[kind];
  // Own enumerable keys (a JSON object has no others), without an array of them per observation.
  for (const key in item) {
    if (!Object.hasOwn(item, key)) continue;
    if (!fields.has(key)) {
      problems.push({
        field: safeKey(key),
        message: `is not a field of a ${kind} observation`,
        value: item[key],
        identifier: true,
      });
    }
  }
  read.raw = item;
  const time = at as number;
  switch (kind) {
    case 'wifi':
      return wifi(read, time);
    case 'ble':
      return ble(read, time);
    case 'camera':
      return camera(read, time);
  }
}

/** Field rules of the Wi-Fi fields, made once (read for every observation). */
const REQUIRED_UNICAST = { required: true, unicastOnly: true } as const;
const REQUIRED = { required: true } as const;
const CHANNEL_RANGE = { min: 1, max: MAX_CHANNEL } as const;
const SEQ_RANGE = { min: 0, max: MAX_SEQ } as const;
const TOKEN_RULES = { maxLength: MAX_TOKEN_LENGTH } as const;

type Wifi = Omit<WifiObservation, 'storeId' | 'sensorId'>;
type Ble = Omit<BleObservation, 'storeId' | 'sensorId'>;
type Camera = Omit<CameraObservation, 'storeId' | 'sensorId'>;

function wifi(read: FieldReader, at: number): Wifi | null {
  const mac = read.address('mac', REQUIRED_UNICAST);
  const rssi = read.signal('rssi', REQUIRED);
  const channel = read.integer('channel', CHANNEL_RANGE);
  const seq = read.integer('seq', SEQ_RANGE);
  const fingerprint = read.token('fingerprint', TOKEN_RULES);
  if (mac === undefined || rssi === undefined) return null;
  const out: Wifi = { kind: 'wifi', mac, rssi, at };
  if (channel !== undefined) out.channel = channel;
  if (seq !== undefined) out.seq = seq;
  if (fingerprint !== undefined) out.fingerprint = fingerprint;
  return out;
}

function ble(read: FieldReader, at: number): Ble | null {
  // BLE random addresses have no group bit: any first octet is a device.
  const address = read.address('address', { required: false, unicastOnly: false });
  const beaconId = read.token('beaconId', { maxLength: MAX_BEACON_ID_LENGTH });
  if (!read.has('address') && !read.has('beaconId')) {
    read.problem({ field: 'address', message: 'is required unless beaconId is given' });
  }
  const rssi = read.signal('rssi', { required: true });
  const txPower = read.signal('txPower', { required: false });
  const addressType = read.oneOf('addressType', ['public', 'random'] as const);
  if (rssi === undefined || (address === undefined && beaconId === undefined)) return null;
  const out: Ble = { kind: 'ble', rssi, at };
  if (address !== undefined) out.address = address;
  if (beaconId !== undefined) out.beaconId = beaconId;
  if (txPower !== undefined) out.txPower = txPower;
  if (addressType !== undefined) out.addressType = addressType;
  return out;
}

function camera(read: FieldReader, at: number): Camera | null {
  const lineId = read.token('lineId', { maxLength: MAX_ID_LENGTH, identifier: false });
  const zoneId = read.token('zoneId', { maxLength: MAX_ID_LENGTH, identifier: false });
  const entries = read.integer('entries', { min: 0, max: MAX_COUNT });
  const exits = read.integer('exits', { min: 0, max: MAX_COUNT });
  const occupancy = read.integer('occupancy', { min: 0, max: MAX_COUNT });
  if (!read.has('entries') && !read.has('exits') && !read.has('occupancy')) {
    read.problem({ field: 'entries', message: 'is required unless exits or occupancy is given' });
  }
  const intervalStart = read.time('intervalStart');
  if (intervalStart !== undefined && intervalStart > at) {
    read.problem({ field: 'intervalStart', message: 'must not be after at', value: intervalStart });
  }
  const trackId = read.token('trackId', { maxLength: MAX_TOKEN_LENGTH });
  const out: Camera = { kind: 'camera', at };
  if (lineId !== undefined) out.lineId = lineId;
  if (zoneId !== undefined) out.zoneId = zoneId;
  if (entries !== undefined) out.entries = entries;
  if (exits !== undefined) out.exits = exits;
  if (occupancy !== undefined) out.occupancy = occupancy;
  if (intervalStart !== undefined) out.intervalStart = intervalStart;
  if (trackId !== undefined) out.trackId = trackId;
  return out;
}

/** Reads typed fields of one observation (`raw`, set per observation), recording a problem for each bad one. */
class FieldReader {
  raw: Record<string, unknown> = {};

  constructor(private readonly problems: Problem[]) {}

  has(field: string): boolean {
    return this.raw[field] !== undefined;
  }

  problem(problem: Omit<Problem, 'value'> & { value?: unknown }): void {
    this.problems.push({ value: this.raw[problem.field], ...problem });
  }

  /** A MAC-notation device address, normalised to 12 lower-case hex digits. */
  address(field: string, rules: { required: boolean; unicastOnly: boolean }): string | undefined {
    const value = this.raw[field];
    if (value === undefined && !rules.required) return undefined;
    const mac = typeof value === 'string' ? normaliseMac(value) : null;
    if (mac === null) {
      this.problem({
        field,
        message: 'must be a device address in MAC notation (6 hex bytes, any common separator)',
        identifier: true,
      });
      return undefined;
    }
    if (rules.unicastOnly && isMulticast(mac)) {
      this.problem({
        field,
        message: 'must be a device (unicast) address, not multicast or broadcast',
        identifier: true,
      });
      return undefined;
    }
    return mac;
  }

  /** A signal level in dBm; fractional values (averaged RSSI) are kept. */
  signal(field: string, rules: { required: boolean }): number | undefined {
    const value = this.raw[field];
    if (value === undefined && !rules.required) return undefined;
    if (isValidRssi(value)) {
      return value;
    }
    this.problem({
      field,
      message: `must be a number from ${MIN_RSSI_DBM} to ${MAX_RSSI_DBM} (dBm)`,
    });
    return undefined;
  }

  /** An optional integer in [min, max]. */
  integer(field: string, range: { min: number; max: number }): number | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= range.min &&
      value <= range.max
    ) {
      return value;
    }
    this.problem({ field, message: `must be an integer from ${range.min} to ${range.max}` });
    return undefined;
  }

  /** An optional time, epoch ms. */
  time(field: string): number | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= 0 &&
      value <= MAX_EPOCH_MS
    ) {
      return value;
    }
    this.problem({ field, message: 'must be a time in epoch milliseconds' });
    return undefined;
  }

  /** An optional non-empty string; identifier-like (never quoted) unless `identifier` is false. */
  token(field: string, rules: { maxLength: number; identifier?: boolean }): string | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0 && value.length <= rules.maxLength) {
      return value;
    }
    this.problem({
      field,
      message: `must be a non-empty string of at most ${rules.maxLength} characters`,
      identifier: rules.identifier ?? true,
    });
    return undefined;
  }

  /** An optional value out of a fixed list. */
  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    this.problem({ field, message: `must be ${allowed.join(' or ')}` });
    return undefined;
  }
}

/** Metric label for a problem: `bad_<field in snake case>`, from a closed set of field names. */
function reasonFor(problem: Problem): string {
  if (problem.field === '') return 'bad_observation';
  const known = Object.values(FIELDS).some((fields) => fields.includes(problem.field));
  if (!known) return 'unknown_field';
  return `bad_${problem.field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

function got(problem: Problem): string {
  return problem.identifier ? shapeOf(problem.value) : safeDescribe(problem.value);
}

/**
 * Fewer hex digits than this in a string, and it cannot hold a MAC address (12 hex digits) in any
 * notation, however it is glued to other text; such strings are quoted, others described.
 */
const MAC_HEX_DIGITS = 12;

/** A value as it may appear in a log line: never text that could hold a MAC; long text cut. */
function safeDescribe(value: unknown): string {
  if (typeof value === 'string') {
    const hexDigits = value.match(/[0-9a-f]/gi)?.length ?? 0;
    return hexDigits < MAC_HEX_DIGITS ? redactMacs(describeValue(value)) : shapeOf(value);
  }
  if (typeof value === 'number') {
    // 112233445566 is a MAC in bare notation too.
    const digits = String(value).match(/\d/g)?.length ?? 0;
    return digits < MAC_HEX_DIGITS ? String(value) : `a ${digits}-digit number`;
  }
  if (value === null || typeof value !== 'object') return describeValue(value);
  return shapeOf(value);
}

/** What a value looks like, without its content: `a 17-character string`, `an object`. */
function shapeOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length === 0 ? 'an empty string' : `a ${value.length}-character string`;
  }
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * A field name from the wire as a path segment, safe to print: `name` when it is a plain
 * identifier, else `["…"]` with non-printable characters replaced and cut short; a name that could
 * hold a MAC address is described, not quoted.
 */
function safeKey(key: string): string {
  if ((key.match(/[0-9a-f]/gi)?.length ?? 0) >= MAC_HEX_DIGITS) {
    return `[<a ${key.length}-character name>]`;
  }
  const printable = redactMacs(key.replace(/[^\x20-\x7e]/g, '?'));
  const short = printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
  return /^[A-Za-z_$][\w$]*$/.test(short) && short === key ? short : `[${JSON.stringify(short)}]`;
}

/** `observations[2]` + `rssi` → `observations[2].rssi`; `["a b"]` is appended as is. */
function join(path: string, field: string): string {
  if (field === '') return path;
  return field.startsWith('[') ? `${path}${field}` : `${path}.${field}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
