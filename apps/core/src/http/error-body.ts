import { capEcho, echoValue, formatFieldErrors, type FieldError } from '@aisle/sdk';

/** The body of every 400 the API returns: one line for humans, one entry per field for code. */
export interface ValidationErrorBody {
  statusCode: 400;
  error: 'Bad Request';
  /** `Validation failed: <field>: <rule> (got <value>); …` */
  message: string;
  errors: FieldError[];
}

export function validationErrorBody(fields: readonly FieldError[]): ValidationErrorBody {
  return {
    statusCode: 400,
    error: 'Bad Request',
    message: `Validation failed: ${formatFieldErrors(fields)}`,
    // JSON has no `undefined`: an absent value is sent as null (the message says "got nothing").
    // Long values are echoed capped (64 characters and "…"), never whole.
    errors: fields.map(({ field, value, message }) => ({
      field: capEcho(field),
      value: echoValue(value) ?? null,
      message,
    })),
  };
}
