import type { ArgumentsHost } from '@nestjs/common';
import { ConflictError, DomainValidationError, NotFoundError } from './domain-errors.js';
import { DomainExceptionFilter, domainErrorResponse } from './domain-exception.filter.js';

describe(DomainExceptionFilter.name, () => {
  const sut = new DomainExceptionFilter();

  function respond(error: Error & (DomainValidationError | NotFoundError | ConflictError)) {
    const sent: { status?: number; body?: unknown } = {};
    const response = {
      status(code: number) {
        sent.status = code;
        return this;
      },
      json(body: unknown) {
        sent.body = body;
        return this;
      },
    };
    const host = {
      switchToHttp: () => ({ getResponse: () => response }),
    } as unknown as ArgumentsHost;
    sut.catch(error, host);
    return sent;
  }

  it('renders a DomainValidationError like a DTO validation failure', () => {
    const sent = respond(
      new DomainValidationError([
        { field: 'polygon[2].x', value: 31, message: 'must be within the floor plan (0..30 m)' },
      ]),
    );
    expect(sent).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message:
          'Validation failed: polygon[2].x: must be within the floor plan (0..30 m) (got 31)',
        errors: [
          { field: 'polygon[2].x', value: 31, message: 'must be within the floor plan (0..30 m)' },
        ],
      },
    });
  });

  it('renders not found as 404 naming what and where', () => {
    expect(respond(new NotFoundError('zone', 'z1', 'in store "a"'))).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'zone "z1" in store "a" not found' },
    });
  });

  it('renders a conflict as 409 with the field', () => {
    expect(domainErrorResponse(new ConflictError('store "a" already exists', 'id'))).toEqual({
      status: 409,
      body: {
        statusCode: 409,
        error: 'Conflict',
        message: 'store "a" already exists',
        field: 'id',
      },
    });
  });
});
