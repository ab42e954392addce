import { PSEUDONYM_HEX_LENGTH } from '@aisle/ingest';
import { SENSOR_KINDS, normaliseMac, type Sighting } from '@aisle/sdk';

/**
 * The one message kind that crosses the bus today: a batch of one store's sightings after the
 * ingest gate (batched because one bus message per sighting costs more than the gate itself). It is checked
 * on the way out (the publisher refuses it) and on the way in (the consumer terminates it), by the
 * same function, so a message that would break a worker never leaves an ingest node, and a worker
 * survives one that does anyway.
 *
 * Hand-written rather than a class-validator DTO: it runs for every observation (thousands a
 * second per store), and the field list is short and closed.
 */

/** Bumped when the wire shape changes incompatibly; a consumer terminates other versions. */
export const SIGHTING_MESSAGE_VERSION = 1;

export interface SightingMessage {
  v: typeof SIGHTING_MESSAGE_VERSION;
  /** Sightings of one store, in the order the gate let them through. */
  sightings: Sighting[];
}

/** Most sightings in one message (about 250 KB of JSON, well under NATS's 1 MB payload limit). */
export const MAX_SIGHTINGS_PER_MESSAGE = 1_000;

/** A message that does not match the schema, or that carries what looks like a raw identifier. */
export class BusMessageError extends Error {
  override readonly name: string = 'BusMessageError';
  constructor(
    /** Path of the offending field (`sighting.rssi`), or `message` for the whole. */
    readonly field: string,
    /** What is wrong, with the value when it is safe to show (never a raw address). */
    readonly problem: string,
  ) {
    super(`bus message: ${field} ${problem}`);
  }
}

/** Raised on the way out when a message would carry a raw device address (a programming error). */
export class RawIdentifierOnBusError extends BusMessageError {
  override readonly name: string = 'RawIdentifierOnBusError';
}

const PSEUDONYM = new RegExp(`^[0-9a-f]{${PSEUDONYM_HEX_LENGTH}}$`);
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const RADIO_FIELDS = new Set([
  'kind',
  'storeId',
  'sensorId',
  'at',
  'period',
  'subject',
  'rssi',
  'randomized',
  'beacon',
  'reference',
  'channel',
  'txPower',
  'fingerprint',
]);
const CAMERA_FIELDS = new Set([
  'kind',
  'storeId',
  'sensorId',
  'at',
  'period',
  'lineId',
  'zoneId',
  'entries',
  'exits',
  'occupancy',
  'intervalStart',
  'subject',
]);

/** Wraps sightings for the bus, refusing anything that is not a clean pseudonymised sighting. */
export function toSightingMessage(sightings: readonly Sighting[]): SightingMessage {
  const message: SightingMessage = { v: SIGHTING_MESSAGE_VERSION, sightings: [...sightings] };
  parseSightingMessage(message, RawIdentifierOnBusError);
  return message;
}

/** Encodes for the wire (JSON, UTF-8). */
export function encodeSightingMessage(sightings: readonly Sighting[]): Uint8Array {
  return Buffer.from(JSON.stringify(toSightingMessage(sightings)), 'utf8');
}

/** Decodes and validates bytes from the wire; throws {@link BusMessageError} naming the field. */
export function decodeSightingMessage(data: Uint8Array): SightingMessage {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw new BusMessageError('message', `is not JSON (${data.byteLength} bytes)`);
  }
  return parseSightingMessage(value);
}

/** Validates a decoded message (strict: unknown fields are refused). */
export function parseSightingMessage(
  value: unknown,
  Raw: new (field: string, problem: string) => BusMessageError = BusMessageError,
): SightingMessage {
  const message = record(value, 'message');
  for (const key of Object.keys(message)) {
    if (key !== 'v' && key !== 'sightings') throw new BusMessageError(key, 'is not a known field');
  }
  if (message['v'] !== SIGHTING_MESSAGE_VERSION) {
    throw new BusMessageError(
      'v',
      `must be ${SIGHTING_MESSAGE_VERSION} (got ${safe(message['v'])})`,
    );
  }
  const list = message['sightings'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SIGHTINGS_PER_MESSAGE) {
    throw new BusMessageError(
      'sightings',
      `must be a list of 1 to ${MAX_SIGHTINGS_PER_MESSAGE} sightings`,
    );
  }
  let storeId: unknown;
  list.forEach((item, i) => {
    const s = parseSighting(item, `sightings[${i}]`, Raw);
    if (i === 0) storeId = s['storeId'];
    else if (s['storeId'] !== storeId) {
      throw new BusMessageError(`sightings[${i}].storeId`, 'differs from the first sighting’s');
    }
  });
  return value as SightingMessage;
}

function parseSighting(
  value: unknown,
  path: string,
  Raw: new (field: string, problem: string) => BusMessageError,
): Record<string, unknown> {
  const s = record(value, path);
  const kind = s['kind'];
  if (typeof kind !== 'string' || !(SENSOR_KINDS as readonly string[]).includes(kind)) {
    throw new BusMessageError(`${path}.kind`, `must be one of ${SENSOR_KINDS.join(', ')}`);
  }
  const allowed = kind === 'camera' ? CAMERA_FIELDS : RADIO_FIELDS;
  for (const key of Object.keys(s)) {
    if (!allowed.has(key)) throw new BusMessageError(`${path}.${key}`, 'is not a known field');
  }
  // Every string is checked for a device address in any notation before anything else.
  for (const [key, field] of Object.entries(s)) {
    if (typeof field === 'string' && normaliseMac(field) !== null) {
      throw new Raw(`${path}.${key}`, 'holds a raw device address (only pseudonyms may cross)');
    }
  }
  const f = new Fields(s, path);
  f.id('storeId', true);
  f.id('sensorId', true);
  f.int('at', true);
  f.int('period', true);
  if (kind === 'camera') {
    f.id('lineId', false);
    f.id('zoneId', false);
    for (const field of ['entries', 'exits', 'occupancy'] as const) f.count(field);
    f.int('intervalStart', false);
    f.pseudonym('subject', false, Raw);
  } else {
    f.pseudonym('subject', true, Raw);
    f.num('rssi', true);
    f.bool('randomized', true);
    f.bool('beacon', false);
    f.num('channel', false);
    f.num('txPower', false);
    f.pseudonym('fingerprint', false, Raw);
    if (s['reference'] !== undefined) {
      const ref = record(s['reference'], `${path}.reference`);
      for (const axis of ['x', 'y', 'z']) {
        if (typeof ref[axis] !== 'number' || !Number.isFinite(ref[axis])) {
          throw new BusMessageError(`${path}.reference.${axis}`, 'must be a finite number');
        }
      }
    }
  }
  return s;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BusMessageError(field, 'must be an object');
  }
  return value as Record<string, unknown>;
}

/** Field checks of one sighting, errors named by their path (`sightings[2].rssi`). */
class Fields {
  constructor(
    private readonly s: Record<string, unknown>,
    private readonly path: string,
  ) {}

  id(field: string, required: boolean): void {
    const value = this.s[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || !ID.test(value)) {
      throw new BusMessageError(`${this.path}.${field}`, `must be an id matching ${String(ID)}`);
    }
  }

  int(field: string, required: boolean): void {
    const value = this.s[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new BusMessageError(`${this.path}.${field}`, `must be epoch ms (got ${safe(value)})`);
    }
  }

  num(field: string, required: boolean): void {
    const value = this.s[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new BusMessageError(
        `${this.path}.${field}`,
        `must be a finite number (got ${safe(value)})`,
      );
    }
  }

  count(field: string): void {
    const value = this.s[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new BusMessageError(
        `${this.path}.${field}`,
        `must be a non-negative integer (got ${safe(value)})`,
      );
    }
  }

  bool(field: string, required: boolean): void {
    const value = this.s[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'boolean') {
      throw new BusMessageError(`${this.path}.${field}`, `must be a boolean (got ${safe(value)})`);
    }
  }

  pseudonym(
    field: string,
    required: boolean,
    Raw: new (field: string, problem: string) => BusMessageError,
  ): void {
    const value = this.s[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || !PSEUDONYM.test(value)) {
      // Not echoed: a wrong value here may be exactly the identifier that must not travel.
      throw new Raw(
        `${this.path}.${field}`,
        `must be a ${PSEUDONYM_HEX_LENGTH}-hex-digit pseudonym from the ingest gate`,
      );
    }
  }
}

/** A value for an error message: numbers, booleans and short types only, never a free string. */
function safe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `a ${Array.isArray(value) ? 'list' : typeof value}`;
}
