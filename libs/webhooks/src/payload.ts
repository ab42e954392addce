import { createHmac } from 'node:crypto';
import type { AisleEvent, AisleEventType } from '@aisle/sdk';
import { EVENT_CATALOG, type EventSpec, type PayloadContext } from './event-catalog.js';

/** Largest body sent (UTF-8 bytes). */
export const MAX_PAYLOAD_BYTES = 20 * 1024;
/** Small-cell threshold when the store's policy sets none. */
export const DEFAULT_SMALL_CELL_K = 5;

/** A payload over {@link MAX_PAYLOAD_BYTES}: not sent (it is reported instead). */
export class WebhookPayloadTooLargeError extends Error {
  override readonly name = 'WebhookPayloadTooLargeError';
  constructor(
    readonly eventType: string,
    readonly bytes: number,
  ) {
    super(`${eventType} payload is ${bytes} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
}

/** A subject id as one subscription sees it: HMAC-SHA256 under its key, 128 bits, base64url. */
export function subscriptionPseudonym(key: Buffer, value: string): string {
  return `p_${createHmac('sha256', key).update(value).digest('base64url').slice(0, 22)}`;
}

/** Values below `k` become null (small-cell suppression); null stays null. */
export function suppressSmallCount(value: number | null, k: number): number | null {
  return value === null || value < k ? null : value;
}

/**
 * The body sent to one subscription: `{ type, version, timestamp, data }`, with pseudonymous ids
 * re-keyed under the subscription's key and counts below `k` suppressed. Throws
 * {@link WebhookPayloadTooLargeError} over 20 KB.
 */
export function buildPayload<T extends AisleEventType>(params: {
  event: AisleEvent<T>;
  pseudonymKey: Buffer;
  k: number;
}): string {
  const { event } = params;
  const spec = EVENT_CATALOG[event.type] as EventSpec<T>;
  const ctx: PayloadContext = {
    pseudonym: (value) => subscriptionPseudonym(params.pseudonymKey, value),
    count: (value) => suppressSmallCount(value, params.k),
  };
  const data = spec.toData(event.data, ctx);
  const body = JSON.stringify({
    type: event.type,
    version: spec.version,
    timestamp: new Date(event.at).toISOString(),
    data: spec.scope === 'store' ? { storeId: event.storeId, ...data } : data,
  });
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_PAYLOAD_BYTES) throw new WebhookPayloadTooLargeError(event.type, bytes);
  return body;
}
