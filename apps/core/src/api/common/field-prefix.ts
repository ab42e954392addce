import type { FieldError } from '@aisle/sdk';

/**
 * Makes sure every field path starts with `prefix` (`config`, `policy`): validators may or may not
 * have prefixed their fields already.
 */
export function ensurePrefixed(prefix: string, errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => {
    const field = e.field;
    if (field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`)) {
      return { ...e };
    }
    if (field === '' || field === '(root)') return { ...e, field: prefix };
    return { ...e, field: field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}` };
  });
}
