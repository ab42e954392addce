import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { FieldError } from '@aisle/sdk';
import { validationErrorBody } from './error-body.js';

/** Why a NUL byte is refused: PostgreSQL text cannot hold one, and no id or name needs it. */
export const NUL_BYTE_MESSAGE = 'must not contain a NUL byte (\\u0000)';

/**
 * What the error shows of the refused string: its length only. A NUL byte can sit in anything,
 * a device address sent to /opt-out included, and an address is never echoed.
 */
function withheld(text: string): string {
  return `[${text.length} characters, not shown]`;
}

/** Every string (and object key) holding U+0000 in a value, by field path (`policy.notice.x`). */
export function nulByteFields(value: unknown, path: string, out: FieldError[] = []): FieldError[] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      out.push({ field: path, value: withheld(value), message: NUL_BYTE_MESSAGE });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulByteFields(item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const field = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) {
        out.push({ field: path || '(key)', value: withheld(key), message: NUL_BYTE_MESSAGE });
      } else nulByteFields(item, field, out);
    }
  }
  return out;
}

/**
 * Global pipe run before validation: a NUL byte in a path parameter, a query parameter or any
 * string of a JSON body is a 400 naming the field, on every route (it would otherwise reach
 * PostgreSQL, which answers "invalid byte sequence" and the client a 500).
 */
export class RejectNulBytesPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const errors = nulByteFields(value, metadata.data ?? '').map((e) =>
      e.field === '' ? { ...e, field: metadata.type } : e,
    );
    if (errors.length > 0) throw new BadRequestException(validationErrorBody(errors));
    return value;
  }
}
