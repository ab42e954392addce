import type { INestApplication } from '@nestjs/common';
import { DomainExceptionFilter } from './domain-exception.filter.js';
import { setupSwagger } from './swagger.js';
import { createValidationPipe } from './validation.pipe.js';

/**
 * Installs what every HTTP route shares: the validating pipe (unknown fields rejected, errors
 * naming the field), the domain-error filter (400/404/409) and Swagger at `/api/docs`. Call once,
 * after `NestFactory.create` (or `createNestApplication` in tests) and before `listen`/`init`.
 * Authentication is the global `ApiKeyGuard` that `AuthModule` registers.
 */
export function configureHttp(app: INestApplication): void {
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new DomainExceptionFilter());
  setupSwagger(app);
}
