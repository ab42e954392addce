/** A field that failed validation, named by its path (`sensors[2].position.x`). */
export interface FieldError {
  field: string;
  value: unknown;
  message: string;
}

/** Renders field errors as one line per field, each naming the field and the offending value. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message} (got ${describeValue(e.value)})`).join('; ');
}

/** Longest piece of a client's value an error echoes back (a 100,000-character id is not). */
export const ECHO_MAX_CHARS = 64;

/** A string cut to {@link ECHO_MAX_CHARS} characters plus "…" when longer. */
export function capEcho(text: string): string {
  return text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS)}…` : text;
}

/**
 * A value as an error may echo it: strings capped ({@link capEcho}); arrays and objects whose JSON
 * is longer than the cap become that JSON, capped; everything else as is.
 */
export function echoValue(value: unknown): unknown {
  if (typeof value === 'string') return capEcho(value);
  if (value === null || typeof value !== 'object') return value;
  try {
    const text = JSON.stringify(value);
    return text.length > ECHO_MAX_CHARS ? capEcho(text) : value;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(capEcho(value));
  try {
    const text = JSON.stringify(value);
    // JSON.stringify gives undefined for functions and symbols.
    return text === undefined ? typeof value : capEcho(text);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Configuration is wrong: retrying will not help. The plugin is marked failed. */
export class PluginConfigError extends Error {
  override readonly name = 'PluginConfigError';
  constructor(
    message: string,
    readonly fields: readonly FieldError[] = [],
  ) {
    super(fields.length > 0 ? `${message}: ${formatFieldErrors(fields)}` : message);
  }
}

/** Hardware or a dependency is not there yet (adapter absent, device offline): retried with back-off. */
export class PluginNotReadyError extends Error {
  override readonly name = 'PluginNotReadyError';
}

/** A wire message or observation was malformed: counted and dropped, never fatal. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    /** Short, stable reason used as a metric label (`bad_rssi`, `bad_json`, …). */
    readonly reason: string,
    readonly fields: readonly FieldError[],
  ) {
    super(formatFieldErrors(fields));
  }
}
