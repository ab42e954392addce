import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** Responses every authenticated store route shares. */
export function ApiStoreScopedErrors(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiUnauthorizedResponse({ description: 'No, malformed, unknown or revoked API key' }),
    ApiForbiddenResponse({
      description: "The key's role may not do this, or the store is not one of the key's stores",
    }),
    ApiNotFoundResponse({ description: 'No such store (or zone/sensor in it)' }),
  );
}

/** 400 body: `{ statusCode, error, message: "Validation failed: <field>: <rule> (got <value>); …", errors: [{ field, value, message }] }`. */
export function ApiValidationErrors(): MethodDecorator {
  return applyDecorators(
    ApiBadRequestResponse({
      description:
        'Validation failed; `errors` lists every field as `{ field, value, message }` with paths ' +
        'like `polygon[0].x`',
    }),
  );
}
