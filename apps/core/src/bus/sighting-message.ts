import { PSEUDONYM_HEX_LENGTH } from '@aisle/ingest';
import { SENSOR_KINDS, normaliseMac, type Sighting } from '@aisle/sdk';

/**
 * The one message kind that crosses the bus today: a sighting after the ingest gate. It is checked
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
  sighting: Sighting;
}

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

/** Wraps a sighting for the bus, refusing anything that is not a clean pseudonymised sighting. */
export function toSightingMessage(sighting: Sighting): SightingMessage {
  const message = { v: SIGHTING_MESSAGE_VERSION, sighting } as const;
  parseSightingMessage(message, RawIdentifierOnBusError);
  return message;
}

/** Encodes for the wire (JSON, UTF-8). */
export function encodeSightingMessage(sighting: Sighting): Uint8Array {
  return Buffer.from(JSON.stringify(toSightingMessage(sighting)), 'utf8');
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
    if (key !== 'v' && key !== 'sighting') throw new BusMessageError(key, 'is not a known field');
  }
  if (message['v'] !== SIGHTING_MESSAGE_VERSION) {
    throw new BusMessageError(
      'v',
      `must be ${SIGHTING_MESSAGE_VERSION} (got ${safe(message['v'])})`,
    );
  }
  const s = record(message['sighting'], 'sighting');
  const kind = s['kind'];
  if (typeof kind !== 'string' || !(SENSOR_KINDS as readonly string[]).includes(kind)) {
    throw new BusMessageError('sighting.kind', `must be one of ${SENSOR_KINDS.join(', ')}`);
  }
  const allowed = kind === 'camera' ? CAMERA_FIELDS : RADIO_FIELDS;
  for (const key of Object.keys(s)) {
    if (!allowed.has(key)) throw new BusMessageError(`sighting.${key}`, 'is not a known field');
  }
  // Every string is checked for a device address in any notation before anything else.
  for (const [key, field] of Object.entries(s)) {
    if (typeof field === 'string' && normaliseMac(field) !== null) {
      throw new Raw(`sighting.${key}`, 'holds a raw device address (only pseudonyms may cross)');
    }
  }
  id(s, 'storeId', true);
  id(s, 'sensorId', true);
  int(s, 'at', true);
  int(s, 'period', true);
  if (kind === 'camera') {
    id(s, 'lineId', false);
    id(s, 'zoneId', false);
    for (const field of ['entries', 'exits', 'occupancy'] as const) count(s, field);
    int(s, 'intervalStart', false);
    pseudonymField(s, 'subject', false, Raw);
  } else {
    pseudonymField(s, 'subject', true, Raw);
    num(s, 'rssi', true);
    bool(s, 'randomized', true);
    bool(s, 'beacon', false);
    num(s, 'channel', false);
    num(s, 'txPower', false);
    pseudonymField(s, 'fingerprint', false, Raw);
    if (s['reference'] !== undefined) {
      const ref = record(s['reference'], 'sighting.reference');
      for (const axis of ['x', 'y', 'z']) {
        if (typeof ref[axis] !== 'number' || !Number.isFinite(ref[axis])) {
          throw new BusMessageError(`sighting.reference.${axis}`, 'must be a finite number');
        }
      }
    }
  }
  return value as SightingMessage;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BusMessageError(field, 'must be an object');
  }
  return value as Record<string, unknown>;
}

function id(s: Record<string, unknown>, field: string, required: boolean): void {
  const value = s[field];
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new BusMessageError(`sighting.${field}`, `must be an id matching ${String(ID)}`);
  }
}

function int(s: Record<string, unknown>, field: string, required: boolean): void {
  const value = s[field];
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BusMessageError(`sighting.${field}`, `must be epoch ms (got ${safe(value)})`);
  }
}

function num(s: Record<string, unknown>, field: string, required: boolean): void {
  const value = s[field];
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new BusMessageError(`sighting.${field}`, `must be a finite number (got ${safe(value)})`);
  }
}

function count(s: Record<string, unknown>, field: string): void {
  const value = s[field];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BusMessageError(
      `sighting.${field}`,
      `must be a non-negative integer (got ${safe(value)})`,
    );
  }
}

function bool(s: Record<string, unknown>, field: string, required: boolean): void {
  const value = s[field];
  if (value === undefined && !required) return;
  if (typeof value !== 'boolean') {
    throw new BusMessageError(`sighting.${field}`, `must be a boolean (got ${safe(value)})`);
  }
}

function pseudonymField(
  s: Record<string, unknown>,
  field: string,
  required: boolean,
  Raw: new (field: string, problem: string) => BusMessageError,
): void {
  const value = s[field];
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !PSEUDONYM.test(value)) {
    // Not echoed: a wrong value here may be exactly the identifier that must not travel.
    throw new Raw(
      `sighting.${field}`,
      `must be a ${PSEUDONYM_HEX_LENGTH}-hex-digit pseudonym from the ingest gate`,
    );
  }
}

/** A value for an error message: numbers, booleans and short types only, never a free string. */
function safe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `a ${Array.isArray(value) ? 'list' : typeof value}`;
}
