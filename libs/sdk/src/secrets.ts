import type { ClassOf } from './validation.js';

/**
 * What the hub shows instead of a secret's value (API responses, validation errors, logs), and
 * what it accepts back in a sensor's configuration as "keep the stored value".
 */
export const SECRET_MASK = '***';

/** Prototype of a config schema → names of its fields marked `@Secret()`. */
const SECRET_FIELDS = new WeakMap<object, Set<string>>();

/**
 * Marks a field of a plugin's config schema write-only: a password, a token, a shared secret. The
 * driver gets the real value; the sensors API returns {@link SECRET_MASK} in its place (an empty
 * string stays empty: nothing is set), takes the mask back as "unchanged", validation errors
 * show the mask instead of the value, and the host scrubs the value from the driver's logs,
 * errors, rejection details and status reasons.
 *
 * ```ts
 * class Config {
 *   @Secret()
 *   @IsString()
 *   pollPassword = '';
 * }
 * ```
 *
 * Only fields of the schema class itself (not of nested objects) are masked in API responses.
 */
export function Secret(): PropertyDecorator {
  return (target, propertyKey) => {
    if (typeof propertyKey !== 'string') return;
    const names = SECRET_FIELDS.get(target) ?? new Set<string>();
    names.add(propertyKey);
    SECRET_FIELDS.set(target, names);
  };
}

/** True when `field` of `instance` (an object made from a config schema) is marked `@Secret()`. */
export function isSecretField(instance: object, field: string): boolean {
  for (const proto of schemaPrototypes(Object.getPrototypeOf(instance))) {
    if (SECRET_FIELDS.get(proto)?.has(field)) return true;
  }
  return false;
}

/** Names of the fields a config schema marks `@Secret()`, inherited ones included, sorted. */
export function secretFields(schema: ClassOf<object>): string[] {
  const names = new Set<string>();
  for (const proto of schemaPrototypes(schema.prototype)) {
    for (const name of SECRET_FIELDS.get(proto) ?? []) names.add(name);
  }
  return [...names].sort();
}

/** A schema's prototype chain from `proto` up to, not including, `Object.prototype`. */
function* schemaPrototypes(proto: unknown): Generator<object> {
  while (typeof proto === 'object' && proto !== null && proto !== Object.prototype) {
    yield proto;
    proto = Object.getPrototypeOf(proto);
  }
}

/** True when a configuration value holds something to hide (not absent, null or ''). */
export function isSetSecret(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** A copy of `config` with the value of every set secret field replaced by {@link SECRET_MASK}. */
export function maskSecrets(
  config: Readonly<Record<string, unknown>>,
  secrets: readonly string[],
): Record<string, unknown> {
  const masked = { ...config };
  for (const field of secrets) {
    if (Object.hasOwn(masked, field) && isSetSecret(masked[field])) masked[field] = SECRET_MASK;
  }
  return masked;
}

/**
 * Undoes {@link maskSecrets} for a configuration coming back: a secret field holding
 * {@link SECRET_MASK} gets the stored value again. `missing` lists the fields that held the mask
 * with no stored value to keep (the caller refuses them).
 */
export function restoreMaskedSecrets(params: {
  incoming: Readonly<Record<string, unknown>>;
  stored: Readonly<Record<string, unknown>> | undefined;
  secrets: readonly string[];
}): { config: Record<string, unknown>; missing: string[] } {
  const config = { ...params.incoming };
  const missing: string[] = [];
  for (const field of params.secrets) {
    if (config[field] !== SECRET_MASK) continue;
    const kept = params.stored?.[field];
    if (params.stored && Object.hasOwn(params.stored, field) && isSetSecret(kept)) {
      config[field] = kept;
    } else {
      missing.push(field);
    }
  }
  return { config, missing };
}

/** The set values of a configuration's secret fields, as strings (what to scrub from text). */
export function secretValues(
  config: Readonly<Record<string, unknown>>,
  secrets: readonly string[],
): string[] {
  const values = new Set<string>();
  for (const field of secrets) {
    const value = config[field];
    if (!isSetSecret(value)) continue;
    values.add(typeof value === 'string' ? value : JSON.stringify(value));
  }
  // Longest first, so that a secret containing another one is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of the given secret values by {@link SECRET_MASK} in a string, or in
 * the strings inside arrays and objects (deeply, as plain copies: an Error becomes
 * `{ name, message, stack }`, a Map an object, a Set an array, a repeated object `[Circular]`).
 * Numbers, byte arrays and dates are kept; with no secrets, `value` itself is returned.
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return scrub(value, secrets, new WeakSet()) as T;
}

function scrub(value: unknown, secrets: readonly string[], seen: WeakSet<object>): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets) text = text.replaceAll(secret, SECRET_MASK);
    return text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: scrub(value.message, secrets, seen),
      ...(value.stack === undefined ? {} : { stack: scrub(value.stack, secrets, seen) }),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, seen));
  if (value instanceof Map) return scrub(Object.fromEntries(value), secrets, seen);
  if (value instanceof Set) return scrub([...value], secrets, seen);
  // Plain objects and class instances (a config object) alike: their own enumerable fields.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, scrub(item, secrets, seen)]),
  );
}
