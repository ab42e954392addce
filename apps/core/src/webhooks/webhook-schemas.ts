import type { OpenAPIObject } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES, payloadSchema } from '@aisle/webhooks';

/**
 * Adds one schema per webhook event type (`WebhookPayload.<type>`) to the OpenAPI document:
 * the body a subscriber receives, signed with the Standard Webhooks headers.
 */
export function addWebhookPayloadSchemas(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  for (const type of WEBHOOK_EVENT_TYPES) {
    document.components.schemas[`WebhookPayload.${type}`] = payloadSchema(type);
  }
  return document;
}
