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

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
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
