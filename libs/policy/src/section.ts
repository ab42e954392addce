import { validatePlain, type FieldError } from '@aisle/sdk';

/**
 * Validates one nested part of a policy document (defaults when absent), errors prefixed with its
 * path (`notice.controller`, `coupons.rules[0].offer.title`).
 */
export function section<T extends object>(
  cls: new () => T,
  raw: unknown,
  path: string,
  errors: FieldError[],
): T {
  if (raw === undefined) return new cls();
  const checked = validatePlain(cls, raw);
  errors.push(
    ...checked.errors.map((e) => ({
      ...e,
      field: e.field === '(root)' ? path : `${path}.${e.field}`,
    })),
  );
  return checked.value;
}
