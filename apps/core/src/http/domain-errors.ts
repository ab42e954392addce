import { describeValue, formatFieldErrors, type FieldError } from '@aisle/sdk';

/**
 * Input that passed the DTO's shape checks but breaks a domain rule (a point outside the floor
 * plan, a sensor domain no plugin drives, …). Rendered as HTTP 400 with the same body as a DTO
 * validation failure, so clients handle one shape.
 */
export class DomainValidationError extends Error {
  override readonly name = 'DomainValidationError';
  constructor(readonly fields: readonly FieldError[]) {
    super(`Validation failed: ${formatFieldErrors(fields)}`);
  }
}

/** The addressed resource does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    /** What was looked for (`store`, `zone`, `API key`). */
    readonly what: string,
    readonly id: string,
    /** Extra context, e.g. `in store "a"`. */
    readonly where?: string,
  ) {
    super(`${what} ${describeValue(id)}${where ? ` ${where}` : ''} not found`);
  }
}

/** The write contradicts existing state: duplicate id, last admin key, … (HTTP 409). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    /** The field that conflicts, when there is one (`id`). */
    readonly field?: string,
  ) {
    super(message);
  }
}
