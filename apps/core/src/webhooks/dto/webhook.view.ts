import { ApiProperty } from '@nestjs/swagger';

export class WebhookView {
  @ApiProperty({ example: 'ws_0123456789abcdef0123' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty({ type: [String] }) storeIds!: string[];
  @ApiProperty() description!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: '`manual`, `gone` (HTTP 410), `failing` (5 days)',
  })
  disabledReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) failingSince!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Until then the previous secret also signs',
  })
  previousSecretValidUntil!: string | null;
  @ApiProperty() ownerKeyId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedWebhookView {
  @ApiProperty({ type: WebhookView }) subscription!: WebhookView;
  @ApiProperty({ description: '`whsec_` + base64 of 32 bytes. Shown once.', example: 'whsec_…' })
  secret!: string;
}

export class RotatedSecretView {
  @ApiProperty({ description: 'The new secret, shown once' }) secret!: string;
  @ApiProperty({ description: 'The old secret keeps signing (a second signature) until then' })
  previousSecretValidUntil!: string;
}

export class WebhookMessageView {
  @ApiProperty({ description: 'The `webhook-id` header (stable across retries)' }) id!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ nullable: true, type: String }) storeId!: string | null;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed', 'test'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
}

export class WebhookAttemptView {
  @ApiProperty() messageId!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty() at!: string;
  @ApiProperty({
    enum: ['delivered', 'http-error', 'redirect', 'timeout', 'network-error', 'refused'],
  })
  outcome!: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ description: 'First 500 characters of the response (MAC-redacted)' })
  responseExcerpt!: string;
}

export class TestSendView {
  @ApiProperty() messageId!: string;
  @ApiProperty() outcome!: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty() responseExcerpt!: string;
}

export class EventTypeView {
  @ApiProperty({ example: 'sensor.online' }) type!: string;
  @ApiProperty() version!: number;
  @ApiProperty() description!: string;
  @ApiProperty({
    description:
      'The payload carries the loyalty member id: only subscriptions of a key with the loyalty role may ask for it',
  })
  loyaltyOnly!: boolean;
  @ApiProperty({ description: 'JSON Schema of the payload (also in components.schemas)' })
  schema!: Record<string, unknown>;
}
