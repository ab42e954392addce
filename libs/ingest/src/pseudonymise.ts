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

/**
 * Hex HMAC-SHA256(key, `${namespace}:${id}`), truncated to {@link PSEUDONYM_HEX_LENGTH}.
 *
 * Hot path (once or twice per observation). `createHmac` re-derives the key's inner and outer
 * pad state for every call and allocates several native objects; here the two pad blocks are
 * hashed once per key (RFC 2104 "precomputed" form, cached per key buffer) and each pseudonym
 * costs two SHA-256 compressions in plain JS for inputs of up to 55 ASCII bytes (every MAC,
 * beacon id and fingerprint the drivers send). Longer or non-ASCII inputs go through
 * `createHmac`. Both paths give the same bytes (fixed vectors in the spec).
 */
export function pseudonym(key: Buffer, namespace: PseudonymNamespace, id: string): string {
  return keyedHex(key, namespace, id, false);
}

/**
 * Hex HMAC-SHA256(key, `${prefix}:${id}`), all 64 digits: `createHmac(…).digest('hex')` of the
 * same input, by the same precomputed-pad path as {@link pseudonym} for inputs of up to 55 ASCII
 * bytes (the opt-out and fixed-device lists digest every Wi-Fi and BLE observation with it while
 * they are not empty).
 */
export function keyedDigestHex(key: Buffer, prefix: string, id: string): string {
  return keyedHex(key, prefix, id, true);
}

/**
 * Hex HMAC-SHA256(key, `${prefix}:${id}`), truncated to {@link PSEUDONYM_HEX_LENGTH} digits unless
 * `full`: the precomputed-pad path for inputs of up to 55 ASCII bytes, else `createHmac`.
 */
function keyedHex(key: Buffer, prefix: string, id: string, full: boolean): string {
  if (prefix.length + 1 + id.length <= MAX_SINGLE_BLOCK) {
    const state = padState(key);
    if (state !== null) {
      // The input `${prefix}:${id}` is read in its two parts, never built as a string.
      const hex = hmacShortAscii(state, prefix, id, full);
      if (hex !== null) {
        return hex;
      }
    }
  }
  const hex = createHmac('sha256', key).update(`${prefix}:${id}`).digest('hex');
  return full ? hex : hex.slice(0, PSEUDONYM_HEX_LENGTH);
}

/**
 * Drops the cached pad state of a key (the keyring calls it when it destroys the key), so no
 * material derived from a destroyed key stays in memory until the buffer is collected. Harmless
 * when nothing is cached.
 */
export function forgetPseudonymKey(key: Buffer): void {
  const state = padStates.get(key);
  if (state) {
    state.midstates.fill(0);
    state.keyCopy.fill(0);
    padStates.delete(key);
  }
}

/** Inner (0..7) and outer (8..15) SHA-256 state after the key's ipad/opad block. */
interface PadState {
  midstates: Int32Array;
  /** The key bytes the state was derived from: a key changed in place is re-derived. */
  keyCopy: Uint8Array;
}

/** Bounded by the live keys: entries go with their key buffer (or at {@link forgetPseudonymKey}). */
const padStates = new WeakMap<Buffer, PadState>();

/** One SHA-256 block holds 55 message bytes plus the 0x80 marker and the 8-byte length. */
const MAX_SINGLE_BLOCK = 55;
const BLOCK_BYTES = 64;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
/** Message schedule, shared: the function is synchronous and never re-entered. */
const W = new Int32Array(64);
const digest = new Int32Array(8);
/** Character codes of the hex digits 0-f. */
const HEX_CODES = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

/** One SHA-256 compression of the block in `W[0..15]` onto `state[offset..offset+7]`, into `out`. */
function compress(state: Int32Array, offset: number, out: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[offset]!;
  let b = state[offset + 1]!;
  let c = state[offset + 2]!;
  let d = state[offset + 3]!;
  let e = state[offset + 4]!;
  let f = state[offset + 5]!;
  let g = state[offset + 6]!;
  let h = state[offset + 7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = (state[offset]! + a) | 0;
  out[1] = (state[offset + 1]! + b) | 0;
  out[2] = (state[offset + 2]! + c) | 0;
  out[3] = (state[offset + 3]! + d) | 0;
  out[4] = (state[offset + 4]! + e) | 0;
  out[5] = (state[offset + 5]! + f) | 0;
  out[6] = (state[offset + 6]! + g) | 0;
  out[7] = (state[offset + 7]! + h) | 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/** The key's cached pad state, derived on first use; null for keys longer than a block. */
function padState(key: Buffer): PadState | null {
  const cached = padStates.get(key);
  if (cached && sameBytes(cached.keyCopy, key)) {
    return cached;
  }
  if (key.length > BLOCK_BYTES) {
    // HMAC hashes such keys first; rare (ours are 32 bytes), left to createHmac.
    return null;
  }
  const midstates = new Int32Array(16);
  const out = new Int32Array(8);
  for (const [pad, offset] of [
    [0x36, 0],
    [0x5c, 8],
  ] as const) {
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let j = 0; j < 4; j++) {
        word = (word << 8) | ((key[i * 4 + j] ?? 0) ^ pad);
      }
      W[i] = word;
    }
    compress(IV, 0, out);
    midstates.set(out, offset);
  }
  out.fill(0);
  W.fill(0);
  if (cached) {
    cached.midstates.fill(0);
    cached.keyCopy.fill(0);
  }
  const state = { midstates, keyCopy: Uint8Array.from(key) };
  padStates.set(key, state);
  return state;
}

/**
 * Truncated (`full`: whole) hex HMAC of `${namespace}:${id}` (at most 55 characters), or null
 * when a character is not ASCII.
 */
function hmacShortAscii(
  state: PadState,
  namespace: string,
  id: string,
  full = false,
): string | null {
  const prefix = namespace.length + 1;
  const n = prefix + id.length;
  W.fill(0, 0, 16);
  for (let i = 0; i < n; i++) {
    const code =
      i < prefix - 1
        ? namespace.charCodeAt(i)
        : i === prefix - 1
          ? 0x3a
          : id.charCodeAt(i - prefix);
    if (code > 0x7f) {
      return null;
    }
    W[i >> 2] = W[i >> 2]! | (code << (24 - 8 * (i & 3)));
  }
  W[n >> 2] = W[n >> 2]! | (0x80 << (24 - 8 * (n & 3)));
  W[15] = (BLOCK_BYTES + n) * 8;
  compress(state.midstates, 0, digest);
  for (let i = 0; i < 8; i++) {
    W[i] = digest[i]!;
  }
  W[8] = 0x80000000 | 0;
  W.fill(0, 9, 15);
  W[15] = (BLOCK_BYTES + 32) * 8;
  compress(state.midstates, 8, digest);
  if (full) {
    for (let i = 0; i < 64; i++) FULL_HEX[i] = nibble(digest[i >> 3]!, 28 - 4 * (i & 7));
    return String.fromCharCode.apply(null, FULL_HEX);
  }
  // One flat string of the first PSEUDONYM_HEX_LENGTH (32) digits, not 16 concatenations.
  return String.fromCharCode(
    nibble(digest[0]!, 28),
    nibble(digest[0]!, 24),
    nibble(digest[0]!, 20),
    nibble(digest[0]!, 16),
    nibble(digest[0]!, 12),
    nibble(digest[0]!, 8),
    nibble(digest[0]!, 4),
    nibble(digest[0]!, 0),
    nibble(digest[1]!, 28),
    nibble(digest[1]!, 24),
    nibble(digest[1]!, 20),
    nibble(digest[1]!, 16),
    nibble(digest[1]!, 12),
    nibble(digest[1]!, 8),
    nibble(digest[1]!, 4),
    nibble(digest[1]!, 0),
    nibble(digest[2]!, 28),
    nibble(digest[2]!, 24),
    nibble(digest[2]!, 20),
    nibble(digest[2]!, 16),
    nibble(digest[2]!, 12),
    nibble(digest[2]!, 8),
    nibble(digest[2]!, 4),
    nibble(digest[2]!, 0),
    nibble(digest[3]!, 28),
    nibble(digest[3]!, 24),
    nibble(digest[3]!, 20),
    nibble(digest[3]!, 16),
    nibble(digest[3]!, 12),
    nibble(digest[3]!, 8),
    nibble(digest[3]!, 4),
    nibble(digest[3]!, 0),
  );
}

/** Character codes of a whole digest's 64 hex digits (filled per call). */
const FULL_HEX: number[] = new Array<number>(64).fill(0);

/** The character code of the hex digit of `word`'s 4 bits at `shift`. */
function nibble(word: number, shift: number): number {
  return HEX_CODES[(word >>> shift) & 15]!;
}
