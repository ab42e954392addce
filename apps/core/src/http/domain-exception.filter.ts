import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, DomainValidationError, NotFoundError } from './domain-errors.js';
import { validationErrorBody } from './error-body.js';

export type DomainError = DomainValidationError | NotFoundError | ConflictError;

/** The HTTP status and body of a domain error (pure, so it is tested without a server). */
export function domainErrorResponse(error: DomainError): { status: number; body: object } {
  if (error instanceof DomainValidationError) {
    return { status: HttpStatus.BAD_REQUEST, body: validationErrorBody(error.fields) };
  }
  if (error instanceof NotFoundError) {
    return {
      status: HttpStatus.NOT_FOUND,
      body: { statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: error.message },
    };
  }
  return {
    status: HttpStatus.CONFLICT,
    body: {
      statusCode: HttpStatus.CONFLICT,
      error: 'Conflict',
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    },
  };
}

/** Maps the services' plain errors to HTTP: 400 with field errors, 404, 409. */
@Catch(DomainValidationError, NotFoundError, ConflictError)
export class DomainExceptionFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const { status, body } = domainErrorResponse(error);
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}
