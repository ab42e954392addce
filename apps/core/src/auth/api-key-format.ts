import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so leaked keys are easy to spot (secret scanners, logs). */
export const API_KEY_PREFIX = 'ak_';
/** Bytes of randomness in the secret part: 256 bits, base64url-encoded to 43 characters. */
export const API_KEY_SECRET_BYTES = 32;
/** Public id: 12 lower-case base32 or hex characters (generated ones are hex: 48 bits). */
const ID_PATTERN = '[a-z0-9]{12}';
/** 32 bytes in base64url without padding. */
const SECRET_PATTERN = '[A-Za-z0-9_-]{43}';
const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}(${ID_PATTERN})\\.(${SECRET_PATTERN})$`);

export const API_KEY_FORMAT_HINT =
  'ak_<id>.<secret> where <id> is 12 lower-case hex or base32 characters and <secret> is 32 random ' +
  "bytes in base64url (43 characters), e.g. generated with: node -e \"const c=require('crypto');" +
  "console.log('ak_'+c.randomBytes(6).toString('hex')+'.'+c.randomBytes(32).toString('base64url'))\"";

export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** Splits `ak_<id>.<secret>`; undefined when the text does not have that shape. */
export function parseApiKey(text: string): ParsedApiKey | undefined {
  const match = API_KEY_PATTERN.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  // 43 base64url characters carry 258 bits: the last one must encode 32 bytes exactly.
  if (Buffer.from(match[2], 'base64url').toString('base64url') !== match[2]) return undefined;
  return { id: match[1], secret: match[2] };
}

/** A fresh key: the plaintext is shown to its owner once; only `hashSecret(secret)` is kept. */
export function generateApiKey(): ParsedApiKey & { key: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(API_KEY_SECRET_BYTES).toString('base64url');
  return { id, secret, key: `${API_KEY_PREFIX}${id}.${secret}` };
}

/** Hex SHA-256 of the secret (the secret is random and long: a slow hash adds nothing). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  if (stored.length !== presented.length) {
    timingSafeEqual(presented, presented); // same work either way
    return false;
  }
  return timingSafeEqual(presented, stored);
}
