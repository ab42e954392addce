import { MAX_COUNT, describeValue, redactMacs } from '@aisle/sdk';

/** A malformed input: `reason` is a short snake_case metric label, `detail` names the field. */
export interface Rejection {
  reason: string;
  detail: string;
}

/** Fields that would carry pictures or a recognised face/plate: never accepted. */
export const IMAGE_FIELDS = [
  'thumbnail',
  'snapshot',
  'image',
  'jpeg',
  'jpg',
  'png',
  'face',
  'faces',
  'sub_label',
  'recognized_license_plate',
] as const;

/** Largest JSON message accepted from a device (a Frigate event is ~1.5 KB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Latest representable epoch ms (ECMAScript Date range). */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * Fewer hex digits than this in a string, and it cannot hold a MAC address (12 hex digits) in any
 * notation; such strings are quoted in errors, others only described.
 */
const MAC_HEX_DIGITS = 12;

/** A value as it may appear in an error or a log line: never text that could hold a MAC. */
export function safeDescribe(value: unknown): string {
  if (typeof value === 'string') {
    const hexDigits = value.match(/[0-9a-f]/gi)?.length ?? 0;
    return hexDigits < MAC_HEX_DIGITS ? redactMacs(describeValue(value)) : shapeOf(value);
  }
  if (typeof value === 'number') {
    const digits = String(value).match(/\d/g)?.length ?? 0;
    return digits < MAC_HEX_DIGITS ? String(value) : `a ${digits}-digit number`;
  }
  if (value === null || typeof value !== 'object') return describeValue(value);
  return shapeOf(value);
}

/** What a value looks like, without its content: `a 17-character string`, `an object`. */
export function shapeOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length === 0 ? 'an empty string' : `a ${value.length}-character string`;
  }
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** A field name from the wire, safe to print. */
export function safeKey(key: string): string {
  if ((key.match(/[0-9a-f]/gi)?.length ?? 0) >= MAC_HEX_DIGITS) {
    return `<a ${key.length}-character name>`;
  }
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses a UTF-8 JSON message, or explains why not (never quoting the content). */
export function parseJson(payload: Uint8Array): { ok: true; value: unknown } | Rejection {
  if (payload.byteLength > MAX_MESSAGE_BYTES) {
    return {
      reason: 'payload_too_large',
      detail: `payload: must be at most ${MAX_MESSAGE_BYTES} bytes (got ${payload.byteLength})`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return {
      reason: 'bad_encoding',
      detail: `payload: must be UTF-8 JSON (got ${payload.byteLength} bytes that are not UTF-8)`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    // The parser's message quotes the input: only the size is reported.
    return {
      reason: 'bad_json',
      detail: `payload: must be JSON (got ${payload.byteLength} bytes that are not)`,
    };
  }
}

/** The first image-like field with content in `record` (under `path`), as a rejection. */
export function imageField(record: Record<string, unknown>, path: string): Rejection | undefined {
  for (const field of IMAGE_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null || value === false || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    return {
      reason: 'image_data',
      detail: `${path}${field}: images and face or plate data are not accepted (got ${shapeOf(value)}); turn them off in the device's MQTT/HTTP output`,
    };
  }
  return undefined;
}

/** A people count: an integer from 0 to MAX_COUNT, or a problem naming the field. */
export function readCount(
  value: unknown,
  field: string,
): { ok: true; value: number } | { ok: false; detail: string } {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT) {
    return { ok: true, value };
  }
  return {
    ok: false,
    detail: `${field}: must be an integer from 0 to ${MAX_COUNT} (got ${safeDescribe(value)})`,
  };
}
