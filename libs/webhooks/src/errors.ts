import { formatFieldErrors, type FieldError } from '@aisle/sdk';

/** Subscription input that breaks a rule; `fields` names each field, rule and value. */
export class WebhookInputError extends Error {
  override readonly name = 'WebhookInputError';
  constructor(readonly fields: readonly FieldError[]) {
    super(`Validation failed: ${formatFieldErrors(fields)}`);
  }
}

/** No such subscription (or message) for this caller. */
export class WebhookNotFoundError extends Error {
  override readonly name = 'WebhookNotFoundError';
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${JSON.stringify(id)} not found`);
  }
}
