import { createHmac, randomBytes } from 'node:crypto';

/** Prefix of a Standard Webhooks symmetric secret. */
export const SECRET_PREFIX = 'whsec_';
/** Bytes of key material in a generated secret (Standard Webhooks: 24–64). */
export const SECRET_BYTES = 32;

/** `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

export interface SignInput {
  /** `webhook-id`. */
  id: string;
  /** `webhook-timestamp`, whole seconds since the epoch. */
  timestamp: number;
  body: string;
  secret: string;
}

/** One Standard Webhooks v1 signature: `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`. */
export function sign(input: SignInput): string {
  const mac = createHmac('sha256', secretKey(input.secret))
    .update(`${input.id}.${input.timestamp}.${input.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers. Several secrets (during a rotation) give several
 * space-separated signatures; a receiver accepts the message when any one verifies.
 */
export function webhookHeaders(input: {
  id: string;
  timestamp: number;
  body: string;
  secrets: readonly string[];
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': input.secrets
      .map((secret) => sign({ id: input.id, timestamp: input.timestamp, body: input.body, secret }))
      .join(' '),
  };
}
