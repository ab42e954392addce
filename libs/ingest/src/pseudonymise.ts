import { createHmac } from 'node:crypto';

/**
 * What an identifier is, mixed into the HMAC input so that equal strings of different kinds (a
 * beacon id that happens to look like a MAC, a track id "17" and a fingerprint "17") never share a
 * pseudonym.
 * - `wifi`: normalised MAC (12 lower-case hex digits)
 * - `ble`: normalised BLE address (same form)
 * - `beacon`: beacon identity, lower-cased
 * - `track`: camera track id (scoped by the gate to its sensor)
 * - `fp`: Wi-Fi burst fingerprint
 */
export const PSEUDONYM_NAMESPACES = ['wifi', 'ble', 'beacon', 'track', 'fp'] as const;
export type PseudonymNamespace = (typeof PSEUDONYM_NAMESPACES)[number];

/**
 * 32 hex digits = 128 bits, half of SHA-256's output, the truncation RFC 2104 §5 recommends as the
 * floor for HMAC. Collisions are the only risk truncation adds: with a million subjects in one
 * store and period the chance of any collision is about 1.5e-27. Guessing is not helped by length:
 * without the key, a pseudonym cannot be linked to a MAC even by trying all 2^48 of them, and the
 * key is destroyed at rotation. Shorter pseudonyms also keep rows and indexes small.
 */
export const PSEUDONYM_HEX_LENGTH = 32;

/** Hex HMAC-SHA256(key, `${namespace}:${id}`), truncated to {@link PSEUDONYM_HEX_LENGTH}. */
export function pseudonym(key: Buffer, namespace: PseudonymNamespace, id: string): string {
  return createHmac('sha256', key)
    .update(`${namespace}:${id}`)
    .digest('hex')
    .slice(0, PSEUDONYM_HEX_LENGTH);
}
