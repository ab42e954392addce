import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ContentTypeGuard, MERGE_PATCH_JSON } from './content-type.guard.js';
import { DomainExceptionFilter } from './domain-exception.filter.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { RejectNulBytesPipe } from './nul-byte.pipe.js';
import { setupSwagger } from './swagger.js';
import { createValidationPipe } from './validation.pipe.js';

/**
 * Installs what every HTTP route shares: the content-type guard (415 for a body that is not
 * JSON), the NUL-byte pipe and the validating pipe (unknown fields rejected, errors naming the
 * field), the domain-error filter (400/404/409), the HTTP-error filter (echoed values capped) and
 * Swagger at `/api/docs`. Call once, after `NestFactory.create` (or `createNestApplication` in
 * tests) and before `listen`/`init`. Authentication is the global `ApiKeyGuard` that
 * `AuthModule` registers.
 */
export function configureHttp(app: INestApplication): void {
  // PATCH bodies may come as RFC 7396's own media type; Express parses only application/json.
  if ('useBodyParser' in app) {
    // Replaces Nest's default JSON parser (registered only when none is), so both types are read.
    (app as NestExpressApplication).useBodyParser('json', {
      type: ['application/json', MERGE_PATCH_JSON],
    });
  }
  app.useGlobalGuards(new ContentTypeGuard(app.get(Reflector)));
  app.useGlobalPipes(new RejectNulBytesPipe(), createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(), new DomainExceptionFilter());
  setupSwagger(app);
}
