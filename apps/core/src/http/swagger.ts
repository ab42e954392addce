import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addWebhookPayloadSchemas } from '../webhooks/webhook-schemas.js';

/** Where the Swagger UI is served (`/api/docs-json` has the OpenAPI document). Public. */
export const API_DOCS_PATH = 'api/docs';
/** Security scheme: `Authorization: Bearer ak_<id>.<secret>`. */
export const API_KEY_SCHEME = 'api-key';
/** Security scheme: the same key in an `x-api-key` header. */
export const X_API_KEY_SCHEME = 'x-api-key';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Aisle API')
    .setDescription(
      'Stores, zones, sensors and API keys of an Aisle hub. Every route except health, metrics, ' +
        'the docs and device push/notice routes needs an API key (`ak_<id>.<secret>`), sent as ' +
        '`Authorization: Bearer <key>` or `x-api-key: <key>`. Errors name the field, the rule ' +
        'and the value.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ak_<id>.<secret>',
        description: 'API key as `Authorization: Bearer ak_<id>.<secret>`',
      },
      API_KEY_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API key in `x-api-key`' },
      X_API_KEY_SCHEME,
    )
    .addSecurityRequirements(API_KEY_SCHEME)
    .addSecurityRequirements(X_API_KEY_SCHEME)
    .build();
  return addWebhookPayloadSchemas(SwaggerModule.createDocument(app, config));
}

/**
 * Serves the Swagger UI at `/api/docs` (outside Nest's router: no guard applies). The document is
 * built on its first request (then kept), not during the start.
 */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildOpenApiDocument(app), {
    swaggerOptions: { persistAuthorization: true },
  });
}
