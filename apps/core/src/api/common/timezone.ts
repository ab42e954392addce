import { registerDecorator, type ValidationOptions } from 'class-validator';

/** The canonical IANA name of a time zone (`europe/berlin` → `Europe/Berlin`), or undefined. */
export function canonicalTimeZone(timeZone: unknown): string | undefined {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return undefined;
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined; // RangeError: invalid time zone
  }
}

/** class-validator rule: a time zone this runtime's ICU knows (`Europe/Berlin`, `UTC`). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      ...(options ? { options } : {}),
      validator: {
        validate: (value: unknown) => canonicalTimeZone(value) !== undefined,
        defaultMessage: () => 'must be an IANA time zone such as Europe/Berlin or UTC',
      },
    });
  };
}
