export * from './aggregate.entity.js';
export * from './api-key.entity.js';
export * from './audit-entry.entity.js';
export * from './coupon-issue.entity.js';
export * from './fixed-device.entity.js';
export * from './hub-secret.entity.js';
export * from './member.entity.js';
export * from './member-consent.entity.js';
export * from './member-visit.entity.js';
export * from './message-receipt.entity.js';
export * from './message-receipt-batch.entity.js';
export * from './opt-out.entity.js';
export * from './pseudonym-key.entity.js';
export * from './sensor.entity.js';
export * from './sighting.entity.js';
export * from './store.entity.js';
export * from './store-policy-version.entity.js';
export * from './store-floor-plan.entity.js';
export * from './zone.entity.js';
export * from './webhook-attempt.entity.js';
export * from './webhook-message.entity.js';
export * from './webhook-subscription.entity.js';

import { AggCountEntity, AggVisitEntity, MetricRollupEntity } from './aggregate.entity.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { AuditEntryEntity } from './audit-entry.entity.js';
import { CouponIssueEntity } from './coupon-issue.entity.js';
import { FixedDeviceEntity } from './fixed-device.entity.js';
import { HubSecretEntity } from './hub-secret.entity.js';
import { MemberEntity } from './member.entity.js';
import { MemberConsentEntity } from './member-consent.entity.js';
import { MemberVisitEntity } from './member-visit.entity.js';
import { MessageReceiptEntity } from './message-receipt.entity.js';
import { MessageReceiptBatchEntity } from './message-receipt-batch.entity.js';
import { OptOutEntity } from './opt-out.entity.js';
import { PseudonymKeyEntity } from './pseudonym-key.entity.js';
import { SensorEntity } from './sensor.entity.js';
import { SightingEntity } from './sighting.entity.js';
import { StoreEntity } from './store.entity.js';
import { StorePolicyVersionEntity } from './store-policy-version.entity.js';
import { StoreFloorPlanEntity } from './store-floor-plan.entity.js';
import { ZoneEntity } from './zone.entity.js';
import { WebhookAttemptEntity } from './webhook-attempt.entity.js';
import { WebhookMessageEntity } from './webhook-message.entity.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

export const ENTITIES = [
  StoreEntity,
  ZoneEntity,
  SensorEntity,
  ApiKeyEntity,
  SightingEntity,
  PseudonymKeyEntity,
  OptOutEntity,
  HubSecretEntity,
  StorePolicyVersionEntity,
  FixedDeviceEntity,
  MemberEntity,
  MemberConsentEntity,
  AuditEntryEntity,
  MemberVisitEntity,
  CouponIssueEntity,
  AggVisitEntity,
  AggCountEntity,
  MetricRollupEntity,
  WebhookSubscriptionEntity,
  WebhookMessageEntity,
  WebhookAttemptEntity,
  StoreFloorPlanEntity,
  MessageReceiptEntity,
  MessageReceiptBatchEntity,
];
