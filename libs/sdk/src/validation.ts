import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { PluginConfigError, type FieldError } from './errors.js';
import { SECRET_MASK, isSecretField, isSetSecret } from './secrets.js';

export type ClassOf<T> = new () => T;

/**
 * Constraints that check what a value is rather than how big: when one of them fails, the range
 * rules of the same field are not reported (`PORT=abc` is "must be an integer", not "must not be
 * greater than 65535").
 */
const TYPE_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isDefined',
  'isInt',
  'isNumber',
  'isString',
  'isBoolean',
  'isArray',
  'isObject',
  'isDate',
  'isNumberString',
  'isIn',
  'isEnum',
]);

/** The messages to report for one field's failed constraints: type errors first and alone. */
function reportedMessages(constraints: Record<string, string>): string[] {
  const entries = Object.entries(constraints);
  const types = entries.filter(([name]) => TYPE_CONSTRAINTS.has(name));
  return (types.length > 0 ? types : entries).map(([, message]) => message);
}

/**
 * Flattens class-validator's nested errors into field paths, every error at once. The value of a
 * field marked `@Secret()` is given as the mask, never as itself.
 */
export function flattenValidationErrors(
  errors: readonly ValidationError[],
  prefix = '',
): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    const secret =
      error.target !== undefined &&
      isSecretField(error.target, error.property) &&
      isSetSecret(error.value);
    for (const message of reportedMessages(error.constraints ?? {})) {
      out.push({ field, value: secret ? SECRET_MASK : error.value, message });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * Turns plain input into an instance of a class-validator class whose property initialisers are
 * the defaults, and validates it. Unknown fields are errors (a typo must not pass silently).
 */
export function validatePlain<T extends object>(
  cls: ClassOf<T>,
  input: unknown,
): { value: T; errors: FieldError[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      value: new cls(),
      errors: [{ field: '(root)', value: input, message: 'must be an object' }],
    };
  }
  const value = plainToInstance(cls, input, { exposeDefaultValues: true });
  const errors = flattenValidationErrors(
    validateSync(value, { whitelist: true, forbidNonWhitelisted: true }),
  );
  return { value, errors };
}

/** Validates plugin configuration, throwing one PluginConfigError that lists every bad field. */
export function validateConfig<T extends object>(
  cls: ClassOf<T>,
  input: unknown,
  what = 'invalid configuration',
): T {
  const { value, errors } = validatePlain(cls, input ?? {});
  if (errors.length > 0) throw new PluginConfigError(what, errors);
  return value;
}
