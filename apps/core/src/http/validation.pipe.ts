import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from '@aisle/sdk';
import { validationErrorBody } from './error-body.js';

/** Turns class-validator errors into the API's 400 body, every field at once, with its path. */
export function validationExceptionFactory(errors: ValidationError[]): BadRequestException {
  return new BadRequestException(validationErrorBody(flattenValidationErrors(errors)));
}

/**
 * The API's global pipe: unknown fields are errors (a typo must not pass silently), bodies become
 * DTO instances, and failures name the field, the rule and the value.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: true },
    exceptionFactory: validationExceptionFactory,
  });
}
