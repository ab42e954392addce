import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  EVENT_CATALOG,
  WEBHOOK_EVENT_TYPES,
  WebhookInputError,
  WebhookNotFoundError,
  payloadSchema,
  type WebhookOwner,
} from '@aisle/webhooks';
import { WEBHOOK_MESSAGE_STATUSES, type WebhookMessageStatus } from '@aisle/persistence';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../api/common/api-responses.js';
import { DomainValidationError, NotFoundError } from '../http/domain-errors.js';
import { CreateWebhookDto } from './dto/create-webhook.dto.js';
import { PatchWebhookDto } from './dto/patch-webhook.dto.js';
import { ReplayFailedDto } from './dto/replay.dto.js';
import {
  CreatedWebhookView,
  EventTypeView,
  RotatedSecretView,
  TestSendView,
  WebhookAttemptView,
  WebhookMessageView,
  WebhookView,
} from './dto/webhook.view.js';
import { HUB_WEBHOOKS } from './webhooks.tokens.js';
import type { HubWebhooks } from './hub-webhooks.js';

function owner(principal: Principal): WebhookOwner {
  return {
    keyId: principal.keyId,
    admin: principal.role === 'admin',
    storeIds: principal.storeIds,
    loyalty: principal.role === 'loyalty',
  };
}

/** The lib's errors as the API's: 400 naming the fields, 404. */
async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof WebhookInputError) throw new DomainValidationError(error.fields);
    if (error instanceof WebhookNotFoundError) throw new NotFoundError(error.what, error.id);
    throw error;
  }
}

function parseSince(since: string | undefined, field = 'since'): number | undefined {
  if (since === undefined) return undefined;
  const at = Date.parse(since);
  if (Number.isNaN(at)) {
    throw new DomainValidationError([{ field, value: since, message: 'must be an ISO date-time' }]);
  }
  return at;
}

@ApiTags('webhooks')
@ApiStoreScopedErrors()
// The loyalty provider subscribes to the member-id events (coupon.issued, notice.entry), which no
// other key may receive.
@Roles('subscriber', 'loyalty')
@Controller('api/webhooks')
export class WebhooksController {
  constructor(@Inject(HUB_WEBHOOKS) private readonly webhooks: HubWebhooks) {}

  @Get('event-types')
  @ApiOperation({
    summary: 'Event types a subscription may ask for, with payload version and JSON Schema',
  })
  @ApiOkResponse({ type: [EventTypeView] })
  eventTypes(): EventTypeView[] {
    return WEBHOOK_EVENT_TYPES.map((type) => ({
      type,
      version: EVENT_CATALOG[type].version,
      description: EVENT_CATALOG[type].description,
      loyaltyOnly: EVENT_CATALOG[type].audience === 'loyalty',
      schema: payloadSchema(type),
    }));
  }

  @Post()
  @ApiOperation({ summary: 'Subscribe an endpoint; the signing secret is in the response, once' })
  @ApiCreatedResponse({ type: CreatedWebhookView })
  @ApiValidationErrors()
  create(
    @Body() body: CreateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedWebhookView> {
    return mapped(this.webhooks.subscriptions.create(body, owner(principal)));
  }

  @Get()
  @ApiOperation({ summary: 'Subscriptions (a subscriber sees its own; an admin all)' })
  @ApiOkResponse({ type: [WebhookView] })
  list(@CurrentPrincipal() principal: Principal): Promise<WebhookView[]> {
    return this.webhooks.subscriptions.list(owner(principal));
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookView })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookView> {
    return mapped(this.webhooks.subscriptions.get(id, owner(principal)));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change URL, event types, stores, description or enabled' })
  @ApiOkResponse({ type: WebhookView })
  @ApiValidationErrors()
  patch(
    @Param('id') id: string,
    @Body() body: PatchWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookView> {
    return mapped(this.webhooks.subscriptions.update(id, body, owner(principal)));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted, with its messages and attempts' })
  remove(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return mapped(this.webhooks.subscriptions.remove(id, owner(principal)));
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WebhookView })
  enable(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookView> {
    return mapped(this.webhooks.subscriptions.setEnabled(id, true, owner(principal)));
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WebhookView })
  disable(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookView> {
    return mapped(this.webhooks.subscriptions.setEnabled(id, false, owner(principal)));
  }

  @Post(':id/rotate-secret')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'New secret (shown once); the old one also signs for 24 h' })
  @ApiOkResponse({ type: RotatedSecretView })
  rotate(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RotatedSecretView> {
    return mapped(this.webhooks.subscriptions.rotateSecret(id, owner(principal)));
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Send a signed `webhook.test` message now (not retried)' })
  @ApiOkResponse({ type: TestSendView })
  async test(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TestSendView> {
    await mapped(this.webhooks.subscriptions.get(id, owner(principal)));
    const { messageId, result } = await this.webhooks.dispatcher.sendTest(id);
    return {
      messageId,
      outcome: result.outcome,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      responseExcerpt: result.excerpt,
    };
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'Outbox messages of the subscription, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: WEBHOOK_MESSAGE_STATUSES })
  @ApiQuery({ name: 'since', required: false, example: '2026-12-01T00:00:00Z' })
  @ApiOkResponse({ type: [WebhookMessageView] })
  messages(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Query('status') status?: string,
    @Query('since') since?: string,
  ): Promise<WebhookMessageView[]> {
    if (status !== undefined && !(WEBHOOK_MESSAGE_STATUSES as readonly string[]).includes(status)) {
      throw new DomainValidationError([
        {
          field: 'status',
          value: status,
          message: `must be one of ${WEBHOOK_MESSAGE_STATUSES.join(', ')}`,
        },
      ]);
    }
    const from = parseSince(since);
    return mapped(
      this.webhooks.subscriptions.messages(id, owner(principal), {
        ...(status === undefined ? {} : { status: status as WebhookMessageStatus }),
        ...(from === undefined ? {} : { since: from }),
      }),
    );
  }

  @Get(':id/attempts')
  @ApiOperation({ summary: 'Delivery attempts (status, latency, response excerpt), newest first' })
  @ApiQuery({ name: 'messageId', required: false })
  @ApiQuery({ name: 'since', required: false })
  @ApiOkResponse({ type: [WebhookAttemptView] })
  attempts(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Query('messageId') messageId?: string,
    @Query('since') since?: string,
  ): Promise<WebhookAttemptView[]> {
    const from = parseSince(since);
    return mapped(
      this.webhooks.subscriptions.attempts(id, owner(principal), {
        ...(messageId === undefined ? {} : { messageId }),
        ...(from === undefined ? {} : { since: from }),
      }),
    );
  }

  @Post(':id/messages/:messageId/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Deliver one message again (same webhook-id, fresh retry schedule)' })
  @ApiOkResponse({ type: WebhookMessageView })
  async replayOne(
    @Param('id') id: string,
    @Param('messageId') messageId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookMessageView> {
    const message = await mapped(
      this.webhooks.subscriptions.replayMessage(id, messageId, owner(principal)),
    );
    this.webhooks.dispatcher.wake();
    return message;
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Deliver again every failed message since a time' })
  @ApiOkResponse({ schema: { type: 'object', properties: { replayed: { type: 'integer' } } } })
  @ApiValidationErrors()
  async replayFailed(
    @Param('id') id: string,
    @Body() body: ReplayFailedDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ replayed: number }> {
    const since = parseSince(body.since) ?? 0;
    const replayed = await mapped(
      this.webhooks.subscriptions.replayFailedSince(id, since, owner(principal)),
    );
    this.webhooks.dispatcher.wake();
    return { replayed };
  }
}
