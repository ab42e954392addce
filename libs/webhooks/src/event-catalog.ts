import type { AisleEventMap, AisleEventType } from '@aisle/sdk';

/** A JSON Schema fragment (OpenAPI 3 schema object). */
export type JsonSchema = Record<string, unknown>;

/** What a payload transformer may do to event data on its way to one subscription. */
export interface PayloadContext {
  /** Re-keys a pseudonymous id for this subscription (HMAC under its own key). */
  pseudonym(value: string): string;
  /** Small-cell suppression: a count below the store's k becomes null. */
  count(value: number | null): number | null;
}

export interface EventSpec<T extends AisleEventType> {
  /** Payload version; bumped on any incompatible change of `data`. */
  version: number;
  description: string;
  /** `store` events carry `data.storeId` and follow the store filter; `hub` events do not. */
  scope: 'store' | 'hub';
  /**
   * `with-state-change`: the code making the database change that causes the event writes its
   * outbox rows in that transaction (`WebhookOutbox.enqueueIn`); the bus copy is not written
   * again. Default: written from the bus.
   */
  written?: 'with-state-change';
  /**
   * `loyalty`: the payload carries the loyalty member id (the loyalty provider needs it as is);
   * only subscriptions owned by a `loyalty` key may ask for it or receive it.
   */
  audience?: 'loyalty';
  /** JSON Schema of `data` (without `storeId`, added for store events). */
  schema: JsonSchema;
  /** The thin, outward form of the event data. */
  toData(data: AisleEventMap[T], ctx: PayloadContext): Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const str = (description: string): JsonSchema => ({ type: 'string', description });
const time = (description: string): JsonSchema => ({
  type: 'string',
  format: 'date-time',
  description,
});
const num = (description: string): JsonSchema => ({ type: 'number', description });
const count = (description: string): JsonSchema => ({
  type: ['integer', 'null'],
  nullable: true,
  description: `${description}; null when below the store's small-cell threshold k`,
});
const PSEUDONYM =
  'pseudonymous id, re-keyed for this subscription (another subscription sees a different id)';
const object = (properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
});

/**
 * Every bus event a subscription may ask for, with its payload version, schema and outward form.
 * A `Record` over the whole event map: a new event type does not compile until it is described
 * here (and so documented in OpenAPI).
 */
export const EVENT_CATALOG: { [T in AisleEventType]: EventSpec<T> } = {
  'sensor.online': {
    version: 1,
    description: 'A sensor started reporting',
    scope: 'store',
    schema: object({ sensorId: str('sensor id'), domain: str('plugin domain') }),
    toData: (d) => ({ sensorId: d.sensorId, domain: d.domain }),
  },
  'sensor.offline': {
    version: 1,
    description: 'A sensor stopped reporting or failed',
    scope: 'store',
    schema: object({
      sensorId: str('sensor id'),
      domain: str('plugin domain'),
      reason: str('why'),
    }),
    toData: (d) => ({ sensorId: d.sensorId, domain: d.domain, reason: d.reason }),
  },
  'plugin.failed': {
    version: 1,
    description: 'A plugin failed to load (hub-wide)',
    scope: 'hub',
    schema: object({ domain: str('plugin domain'), error: str('error text (redacted)') }),
    toData: (d) => ({ domain: d.domain, error: d.error }),
  },
  'observation.dropped': {
    version: 1,
    description: 'An observation was dropped by the ingest gate',
    scope: 'store',
    schema: object({ reason: str('drop reason'), sensorId: str('sensor id') }, ['sensorId']),
    toData: (d) => ({
      reason: d.reason,
      ...(d.sensorId === undefined ? {} : { sensorId: d.sensorId }),
    }),
  },
  'visit.started': {
    version: 1,
    description: 'A visit began',
    scope: 'store',
    schema: object({ subject: str(PSEUDONYM), visitId: str(PSEUDONYM), startedAt: time('start') }),
    toData: (d, c) => ({
      subject: c.pseudonym(d.subject),
      visitId: c.pseudonym(d.visitId),
      startedAt: iso(d.startedAt),
    }),
  },
  'visit.ended': {
    version: 1,
    description: 'A visit closed, with dwell per zone',
    written: 'with-state-change',
    scope: 'store',
    schema: object({
      subject: str(PSEUDONYM),
      visitId: str(PSEUDONYM),
      startedAt: time('start'),
      endedAt: time('end'),
      dwellSeconds: num('time in the store'),
      zones: {
        type: 'array',
        items: object({ zoneId: str('zone id'), dwellSeconds: num('time in the zone') }),
      },
      passerBy: { type: 'boolean', description: 'never inside long enough to count as a visit' },
    }),
    toData: (d, c) => ({
      subject: c.pseudonym(d.subject),
      visitId: c.pseudonym(d.visitId),
      startedAt: iso(d.startedAt),
      endedAt: iso(d.endedAt),
      dwellSeconds: d.dwellSeconds,
      zones: d.zones.map((z) => ({ zoneId: z.zoneId, dwellSeconds: z.dwellSeconds })),
      passerBy: d.passerBy,
    }),
  },
  'zone.entered': {
    version: 1,
    description: 'A subject entered a zone',
    scope: 'store',
    schema: object({
      subject: str(PSEUDONYM),
      visitId: str(PSEUDONYM),
      zoneId: str('zone id'),
      enteredAt: time('when'),
    }),
    toData: (d, c) => ({
      subject: c.pseudonym(d.subject),
      visitId: c.pseudonym(d.visitId),
      zoneId: d.zoneId,
      enteredAt: iso(d.enteredAt),
    }),
  },
  'zone.exited': {
    version: 1,
    description: 'A subject left a zone',
    scope: 'store',
    schema: object({
      subject: str(PSEUDONYM),
      visitId: str(PSEUDONYM),
      zoneId: str('zone id'),
      enteredAt: time('entered'),
      exitedAt: time('left'),
      dwellSeconds: num('time in the zone'),
    }),
    toData: (d, c) => ({
      subject: c.pseudonym(d.subject),
      visitId: c.pseudonym(d.visitId),
      zoneId: d.zoneId,
      enteredAt: iso(d.enteredAt),
      exitedAt: iso(d.exitedAt),
      dwellSeconds: d.dwellSeconds,
    }),
  },
  'occupancy.changed': {
    version: 1,
    description: 'Occupancy crossed a threshold (store-wide when zoneId is null)',
    scope: 'store',
    schema: object({
      zoneId: { type: ['string', 'null'], nullable: true, description: 'zone, or null' },
      occupancy: count('people now'),
      previous: count('people before'),
      threshold: num('the threshold crossed'),
      direction: { type: 'string', enum: ['up', 'down'] },
    }),
    toData: (d, c) => ({
      zoneId: d.zoneId,
      occupancy: c.count(d.occupancy),
      previous: c.count(d.previous),
      threshold: d.threshold,
      direction: d.direction,
    }),
  },
  'aggregate.hourly': {
    version: 1,
    description: "One closed hour of a store's figures",
    scope: 'store',
    schema: object({
      hourStart: time('start of the hour'),
      footfallIn: count('entries'),
      footfallOut: count('exits'),
      visits: count('visits'),
      passersBy: count('passers-by'),
      medianDwellSeconds: {
        type: ['number', 'null'],
        nullable: true,
        description: 'null when the visits are suppressed',
      },
      zones: {
        type: 'array',
        items: object({
          zoneId: str('zone id'),
          visits: count('visits'),
          medianDwellSeconds: { type: ['number', 'null'], nullable: true },
        }),
      },
    }),
    toData: (d, c) => {
      const visits = c.count(d.visits);
      return {
        hourStart: iso(d.hourStart),
        footfallIn: c.count(d.footfallIn),
        footfallOut: c.count(d.footfallOut),
        visits,
        passersBy: c.count(d.passersBy),
        // A median over fewer than k visits describes those few: suppressed with them.
        medianDwellSeconds: visits === null ? null : d.medianDwellSeconds,
        zones: d.zones.map((z) => {
          const zoneVisits = c.count(z.visits);
          return {
            zoneId: z.zoneId,
            visits: zoneVisits,
            medianDwellSeconds: zoneVisits === null ? null : z.medianDwellSeconds,
          };
        }),
      };
    },
  },
  'notice.entry': {
    version: 1,
    description:
      'A loyalty member’s app reported entering the store: the notice for the app to show',
    audience: 'loyalty',
    scope: 'store',
    schema: object({
      memberId: str('the loyalty provider’s member id'),
      noticeUrl: str('path of the public notice'),
      optOutUrl: str('path of the public opt-out'),
      controllerName: { type: ['string', 'null'], nullable: true, description: 'data controller' },
      purpose: { type: ['string', 'null'], nullable: true, description: 'purpose of tracking' },
      trackingMode: str('off, count-only, in-visit or consented'),
      trackingActive: { type: 'boolean', description: 'sensors are tracking right now' },
    }),
    toData: (d) => ({ ...d }),
  },
  'coupon.issued': {
    version: 1,
    description:
      'An offer for a loyalty member with marketing consent, caused only by the member’s own app',
    written: 'with-state-change',
    audience: 'loyalty',
    scope: 'store',
    schema: object({
      memberId: str('the loyalty provider’s member id'),
      couponId: str('offer id'),
      ruleId: str('the store’s coupon rule'),
      offer: object({ title: str('title'), description: str('description'), code: str('code') }, [
        'description',
        'code',
      ]),
      expiresAt: time('valid until'),
      why: str('plain-language reason the member got this'),
      unsubscribeUrl: str('where the member turns offers off'),
    }),
    toData: (d) => ({
      memberId: d.memberId,
      couponId: d.couponId,
      ruleId: d.ruleId,
      offer: { ...d.offer },
      expiresAt: iso(d.expiresAt),
      why: d.why,
      unsubscribeUrl: d.unsubscribeUrl,
    }),
  },
  'endpoint.disabled': {
    version: 1,
    description: 'The hub disabled a webhook subscription (hub-wide)',
    written: 'with-state-change',
    scope: 'hub',
    schema: object({
      subscriptionId: str('subscription id'),
      reason: str('`gone` (HTTP 410) or `failing` (5 days of failures)'),
      failingSince: {
        type: ['string', 'null'],
        format: 'date-time',
        nullable: true,
        description: 'start of the failures',
      },
    }),
    toData: (d) => ({
      subscriptionId: d.subscriptionId,
      reason: d.reason,
      failingSince: d.failingSince === null ? null : iso(d.failingSince),
    }),
  },
};

/** Every event type a subscription may name, sorted. */
export const WEBHOOK_EVENT_TYPES: readonly AisleEventType[] = (
  Object.keys(EVENT_CATALOG) as AisleEventType[]
).sort();

/** Event types whose payload carries a loyalty member id (loyalty-owned subscriptions only). */
export const LOYALTY_EVENT_TYPES: readonly AisleEventType[] = WEBHOOK_EVENT_TYPES.filter(
  (type) => EVENT_CATALOG[type].audience === 'loyalty',
);

export function isWebhookEventType(value: string): value is AisleEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, value);
}

/** JSON Schema of the whole payload of one event type (for OpenAPI). */
export function payloadSchema(type: AisleEventType): JsonSchema {
  const spec = EVENT_CATALOG[type] as EventSpec<AisleEventType>;
  const data = spec.schema as { properties: Record<string, JsonSchema>; required: string[] };
  const withStore =
    spec.scope === 'store'
      ? {
          ...data,
          properties: { storeId: str('store id'), ...data.properties },
          required: ['storeId', ...data.required],
        }
      : data;
  return {
    type: 'object',
    description: spec.description,
    additionalProperties: false,
    required: ['type', 'version', 'timestamp', 'data'],
    properties: {
      type: { type: 'string', enum: [type] },
      version: { type: 'integer', enum: [spec.version] },
      timestamp: time('when the event happened'),
      data: withStore,
    },
  };
}
