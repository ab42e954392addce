import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  apiKeyRole,
  WebhookAttemptEntity,
  WebhookMessageEntity,
  WebhookSubscriptionEntity,
  type WebhookMessageStatus,
} from '@aisle/persistence';
import type { Clock, FieldError } from '@aisle/sdk';
import { EVENT_CATALOG, WEBHOOK_EVENT_TYPES, isWebhookEventType } from './event-catalog.js';
import { WebhookInputError, WebhookNotFoundError } from './errors.js';
import { generateSecret } from './signing.js';
import { endpointUrlProblem, type AllowList, type Resolver } from './ssrf.js';

/** How long the secret before a rotation keeps being signed with. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;
/** Longest endpoint URL. */
export const MAX_URL_LENGTH = 2000;
/** Rows one listing returns at most. */
export const MAX_PAGE = 1000;

/** Who acts: an admin reaches every subscription; anyone else only the ones it created. */
export interface WebhookOwner {
  keyId: string;
  admin: boolean;
  /** Stores the key is scoped to (ignored for admins). */
  storeIds: readonly string[];
  /**
   * The key has the `loyalty` role: only its subscriptions may ask for (and receive) event types
   * carrying a loyalty member id (`coupon.issued`, `notice.entry`).
   */
  loyalty?: boolean;
}

export interface SubscriptionInput {
  url: string;
  eventTypes: string[];
  storeIds?: string[];
  description?: string;
}

export interface SubscriptionPatch {
  url?: string;
  eventTypes?: string[];
  storeIds?: string[];
  description?: string;
  enabled?: boolean;
}

export interface SubscriptionInfo {
  id: string;
  url: string;
  eventTypes: string[];
  storeIds: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  /** While set, deliveries also carry a signature with the previous secret. */
  previousSecretValidUntil: string | null;
  ownerKeyId: string;
  createdAt: string;
  updatedAt: string;
}

export interface MessageInfo {
  id: string;
  eventId: string;
  eventType: string;
  storeId: string | null;
  status: WebhookMessageStatus;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export interface AttemptInfo {
  messageId: string;
  attempt: number;
  at: string;
  outcome: string;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
}

export interface WebhookSubscriptionsOptions {
  dataSource: DataSource;
  clock: Clock;
  allow: AllowList;
  resolve?: Resolver;
  /** Called after any change that affects which messages are written (outbox cache). */
  onChange?: () => void;
}

/**
 * Webhook subscriptions: validated endpoints (SSRF guard), secrets shown once, rotation with a
 * 24 h overlap, enable/disable, and the caller's view of the outbox (messages, attempts, replay).
 */
export class WebhookSubscriptions {
  constructor(private readonly options: WebhookSubscriptionsOptions) {}

  async create(
    input: SubscriptionInput,
    owner: WebhookOwner,
  ): Promise<{ subscription: SubscriptionInfo; secret: string }> {
    const storeIds = await this.validate(input, owner, true, owner.loyalty === true);
    const secret = generateSecret();
    const id = `ws_${randomBytes(10).toString('hex')}`;
    await this.repo().insert({
      id,
      ownerKeyId: owner.keyId,
      url: input.url,
      eventTypes: [...new Set(input.eventTypes)],
      storeIds,
      description: input.description ?? '',
      enabled: true,
      disabledReason: null,
      secret,
      previousSecret: null,
      previousSecretUntil: null,
      pseudonymKey: randomBytes(32),
      failingSince: null,
    });
    this.options.onChange?.();
    return { subscription: toInfo(await this.repo().findOneByOrFail({ id })), secret };
  }

  async list(owner: WebhookOwner): Promise<SubscriptionInfo[]> {
    const rows = await this.repo().find({
      where: owner.admin ? {} : { ownerKeyId: owner.keyId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toInfo);
  }

  async get(id: string, owner: WebhookOwner): Promise<SubscriptionInfo> {
    return toInfo(await this.entity(id, owner));
  }

  async update(
    id: string,
    patch: SubscriptionPatch,
    owner: WebhookOwner,
  ): Promise<SubscriptionInfo> {
    const entity = await this.entity(id, owner);
    const merged: SubscriptionInput = {
      url: patch.url ?? entity.url,
      eventTypes: patch.eventTypes ?? entity.eventTypes,
      storeIds: patch.storeIds ?? entity.storeIds,
      description: patch.description ?? entity.description,
    };
    // Member-id event types follow the subscription's owner, whoever edits it.
    const loyalty =
      entity.ownerKeyId === owner.keyId
        ? owner.loyalty === true
        : await this.keyIsLoyalty(entity.ownerKeyId);
    const storeIds = await this.validate(merged, owner, patch.url !== undefined, loyalty);
    entity.url = merged.url;
    entity.eventTypes = [...new Set(merged.eventTypes)];
    entity.storeIds = storeIds;
    entity.description = merged.description ?? '';
    if (patch.enabled !== undefined) applyEnabled(entity, patch.enabled);
    await this.repo().save(entity);
    this.options.onChange?.();
    return toInfo(entity);
  }

  async setEnabled(id: string, enabled: boolean, owner: WebhookOwner): Promise<SubscriptionInfo> {
    const entity = await this.entity(id, owner);
    applyEnabled(entity, enabled);
    await this.repo().save(entity);
    this.options.onChange?.();
    return toInfo(entity);
  }

  /** Deletes the subscription with its messages and attempts. */
  async remove(id: string, owner: WebhookOwner): Promise<void> {
    await this.entity(id, owner);
    await this.options.dataSource.transaction(async (manager) => {
      await manager.delete(WebhookAttemptEntity, { subscriptionId: id });
      await manager.delete(WebhookMessageEntity, { subscriptionId: id });
      await manager.delete(WebhookSubscriptionEntity, { id });
    });
    this.options.onChange?.();
  }

  /**
   * A new secret (returned once); the old one is still signed with for 24 h, so receivers can
   * switch without losing a message.
   */
  async rotateSecret(
    id: string,
    owner: WebhookOwner,
  ): Promise<{ secret: string; previousSecretValidUntil: string }> {
    const entity = await this.entity(id, owner);
    const until = new Date(this.options.clock.now() + PREVIOUS_SECRET_GRACE_MS);
    entity.previousSecret = entity.secret;
    entity.previousSecretUntil = until;
    entity.secret = generateSecret();
    await this.repo().save(entity);
    return { secret: entity.secret, previousSecretValidUntil: until.toISOString() };
  }

  async messages(
    id: string,
    owner: WebhookOwner,
    filter: { status?: WebhookMessageStatus; since?: number } = {},
  ): Promise<MessageInfo[]> {
    await this.entity(id, owner);
    const query = this.options.dataSource
      .getRepository(WebhookMessageEntity)
      .createQueryBuilder('m')
      .where('m.subscription_id = :id', { id })
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'ASC')
      .limit(MAX_PAGE);
    if (filter.status) query.andWhere('m.status = :status', { status: filter.status });
    if (filter.since !== undefined) {
      query.andWhere('m.created_at >= :since', { since: new Date(filter.since).toISOString() });
    }
    return (await query.getMany()).map((m) => toMessageInfo(m));
  }

  async attempts(
    id: string,
    owner: WebhookOwner,
    filter: { messageId?: string; since?: number } = {},
  ): Promise<AttemptInfo[]> {
    await this.entity(id, owner);
    const query = this.options.dataSource
      .getRepository(WebhookAttemptEntity)
      .createQueryBuilder('a')
      .where('a.subscription_id = :id', { id })
      .orderBy('a.id', 'DESC')
      .limit(MAX_PAGE);
    if (filter.messageId) {
      query.andWhere('a.message_id = :messageId', { messageId: filter.messageId });
    }
    if (filter.since !== undefined) {
      query.andWhere('a.at >= :since', { since: new Date(filter.since).toISOString() });
    }
    return (await query.getMany()).map((a) => ({
      messageId: a.messageId,
      attempt: a.attempt,
      at: a.at.toISOString(),
      outcome: a.outcome,
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      responseExcerpt: a.responseExcerpt,
    }));
  }

  /** Queues one message again (same `webhook-id`), with a fresh retry schedule. */
  async replayMessage(id: string, messageId: string, owner: WebhookOwner): Promise<MessageInfo> {
    await this.entity(id, owner);
    const repo = this.options.dataSource.getRepository(WebhookMessageEntity);
    const message = await repo.findOneBy({ id: messageId, subscriptionId: id });
    if (!message || message.status === 'test') throw new WebhookNotFoundError('message', messageId);
    message.status = 'pending';
    message.attempts = 0;
    message.nextAttemptAt = new Date(this.options.clock.now());
    await repo.save(message);
    return toMessageInfo(message);
  }

  /** Queues again every message given up (`failed`) whose event happened at or after `since`. */
  async replayFailedSince(id: string, since: number, owner: WebhookOwner): Promise<number> {
    await this.entity(id, owner);
    const rows = await this.options.dataSource.query<{ id: string }[]>(
      `WITH replayed AS (
         UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = $3::timestamptz
         WHERE subscription_id = $1 AND status = 'failed' AND created_at >= $2::timestamptz
         RETURNING id
       )
       SELECT id FROM replayed`,
      [id, new Date(since).toISOString(), new Date(this.options.clock.now()).toISOString()],
    );
    return rows.length;
  }

  /** The subscription's row, if the caller may see it (else not found: no existence leak). */
  private async entity(id: string, owner: WebhookOwner): Promise<WebhookSubscriptionEntity> {
    const entity = await this.repo().findOneBy({ id });
    if (!entity || (!owner.admin && entity.ownerKeyId !== owner.keyId)) {
      throw new WebhookNotFoundError('webhook subscription', id);
    }
    return entity;
  }

  /** Every rule at once; returns the store filter to store. */
  private async validate(
    input: SubscriptionInput,
    owner: WebhookOwner,
    checkUrl: boolean,
    ownerIsLoyalty: boolean,
  ): Promise<string[]> {
    const errors: FieldError[] = [];
    if (typeof input.url !== 'string' || input.url.length > MAX_URL_LENGTH) {
      errors.push({
        field: 'url',
        value: input.url,
        message: `must be a URL of at most ${MAX_URL_LENGTH} characters`,
      });
    } else if (checkUrl) {
      const problem = await endpointUrlProblem(input.url, {
        allow: this.options.allow,
        ...(this.options.resolve ? { resolve: this.options.resolve } : {}),
      });
      if (problem !== null) errors.push({ field: 'url', value: input.url, message: problem });
    }
    if (!Array.isArray(input.eventTypes) || input.eventTypes.length === 0) {
      errors.push({
        field: 'eventTypes',
        value: input.eventTypes,
        message: 'must list at least one event type',
      });
    } else {
      input.eventTypes.forEach((type, i) => {
        if (!isWebhookEventType(type)) {
          errors.push({
            field: `eventTypes[${i}]`,
            value: type,
            message: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
          });
        } else if (EVENT_CATALOG[type].audience === 'loyalty' && !ownerIsLoyalty) {
          errors.push({
            field: `eventTypes[${i}]`,
            value: type,
            message:
              `${type} carries the loyalty member id: only a subscription owned by an API key ` +
              `with the loyalty role may receive it`,
          });
        }
      });
    }
    let storeIds = [...new Set(input.storeIds ?? [])];
    if (!owner.admin) {
      if (storeIds.length === 0) storeIds = [...owner.storeIds];
      if (storeIds.length === 0) {
        errors.push({
          field: 'storeIds',
          value: input.storeIds,
          message: `API key ${owner.keyId} is scoped to no store; a subscriber key needs stores to subscribe to`,
        });
      }
      storeIds.forEach((storeId, i) => {
        if (!owner.storeIds.includes(storeId)) {
          errors.push({
            field: `storeIds[${i}]`,
            value: storeId,
            message: `is not one of the stores API key ${owner.keyId} is scoped to`,
          });
        }
      });
    }
    if (input.description !== undefined && input.description.length > 500) {
      errors.push({
        field: 'description',
        value: input.description.length,
        message: 'must be at most 500 characters',
      });
    }
    if (errors.length > 0) throw new WebhookInputError(errors);
    return storeIds;
  }

  private async keyIsLoyalty(keyId: string): Promise<boolean> {
    return (await apiKeyRole(this.options.dataSource, keyId)) === 'loyalty';
  }

  private repo() {
    return this.options.dataSource.getRepository(WebhookSubscriptionEntity);
  }
}

function applyEnabled(entity: WebhookSubscriptionEntity, enabled: boolean): void {
  entity.enabled = enabled;
  entity.disabledReason = enabled ? null : 'manual';
  if (enabled) entity.failingSince = null;
}

function toInfo(entity: WebhookSubscriptionEntity): SubscriptionInfo {
  return {
    id: entity.id,
    url: entity.url,
    eventTypes: [...entity.eventTypes],
    storeIds: [...entity.storeIds],
    description: entity.description,
    enabled: entity.enabled,
    disabledReason: entity.disabledReason,
    failingSince: entity.failingSince?.toISOString() ?? null,
    previousSecretValidUntil: entity.previousSecretUntil?.toISOString() ?? null,
    ownerKeyId: entity.ownerKeyId,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

function toMessageInfo(m: WebhookMessageEntity): MessageInfo {
  return {
    id: m.id,
    eventId: m.eventId,
    eventType: m.eventType,
    storeId: m.storeId,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.status === 'pending' ? m.nextAttemptAt.toISOString() : null,
    createdAt: m.createdAt.toISOString(),
    deliveredAt: m.deliveredAt?.toISOString() ?? null,
    lastError: m.lastError,
  };
}
