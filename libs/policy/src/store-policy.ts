import { InvalidPolicyError, parseTrackingPolicy, type TrackingPolicy } from '@aisle/ingest';
import { formatFieldErrors, type FieldError } from '@aisle/sdk';
import {
  defaultCouponPolicy,
  validateCouponPolicy,
  type CouponPolicy,
  type ZoneRef,
} from './coupon-policy.js';
import { AnalyticsPolicy, SuppressionPolicy } from './analytics.js';
import { NoticeDocument, missingNoticeFields } from './notice.js';
import { RetentionPolicy } from './retention.js';
import {
  validatePolicyModules,
  type PolicyModuleChecker,
  type PolicyModuleSelection,
} from './policy-modules.js';
import { section } from './section.js';
import { TrackingWindow, windowErrors } from './tracking-hours.js';

/**
 * A store's policy document as stored and edited (API, YAML): the tracking fields at the top level
 * (`mode`, `rotationHours`, …) and the shopper notice under `notice`.
 */
export interface StorePolicy {
  tracking: TrackingPolicy;
  notice: NoticeDocument;
  retention: RetentionPolicy;
  /** Local-time windows when tracking may happen; empty = whenever the mode allows. */
  hours: TrackingWindow[];
  /** Offers to loyalty members with marketing consent; off by default. */
  coupons: CouponPolicy;
  /** Small-cell suppression (k). */
  suppression: SuppressionPolicy;
  /** Visit sessionisation and occupancy thresholds. */
  analytics: AnalyticsPolicy;
  /**
   * Policy plugins the store selects, with their configuration. They may only restrict; the
   * built-in modules (opt-out, fixed devices, tracking hours, notice, coupons) are always on.
   */
  modules: PolicyModuleSelection[];
}

export class InvalidStorePolicyError extends Error {
  override readonly name = 'InvalidStorePolicyError';
  constructor(readonly fields: readonly FieldError[]) {
    super(`invalid store policy: ${formatFieldErrors(fields)}`);
  }
}

/**
 * Validates a store policy document, every error at once. Rules that make a bad configuration
 * impossible rather than discouraged:
 * - no `mode` means `off`: a store tracks nobody until it says so;
 * - any mode but `off` needs a complete notice (each missing field is named);
 * - the tracking rules of `parseTrackingPolicy` (key rotation ≤ 24 h, …);
 * - coupon caps may be lowered, never raised; a coupon rule may not name a sensitive zone (checked
 *   when `context.zones`, the store's zones after the write, is given).
 */
export function validateStorePolicy(
  document: unknown,
  context: { zones?: readonly ZoneRef[]; checkModule?: PolicyModuleChecker } = {},
): {
  policy?: StorePolicy;
  errors: FieldError[];
} {
  const input = document ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { errors: [{ field: '(root)', value: input, message: 'the policy must be an object' }] };
  }
  const {
    notice: rawNotice,
    retention: rawRetention,
    hours: rawHours,
    coupons: rawCoupons,
    suppression: rawSuppression,
    analytics: rawAnalytics,
    modules: rawModules,
    ...rawTracking
  } = input as Record<string, unknown>;
  const errors: FieldError[] = [];

  let tracking: TrackingPolicy | undefined;
  try {
    tracking = parseTrackingPolicy({ mode: 'off', ...rawTracking });
  } catch (error) {
    if (!(error instanceof InvalidPolicyError)) throw error;
    errors.push(...error.fields);
  }

  const notice = section(NoticeDocument, rawNotice, 'notice', errors);
  const retention = section(RetentionPolicy, rawRetention, 'retention', errors);
  const suppression = section(SuppressionPolicy, rawSuppression, 'suppression', errors);
  const analytics = section(AnalyticsPolicy, rawAnalytics, 'analytics', errors);

  let hours: TrackingWindow[] = [];
  if (rawHours !== undefined) {
    if (!Array.isArray(rawHours)) {
      errors.push({
        field: 'hours',
        value: rawHours,
        message: 'hours must be a list of { days, from, to }',
      });
    } else {
      rawHours.forEach((raw, i) => {
        hours.push(section(TrackingWindow, raw, `hours[${i}]`, errors));
      });
      errors.push(...windowErrors(hours));
    }
  }
  if (errors.some((e) => e.field.startsWith('hours'))) hours = [];

  const modules = validatePolicyModules(rawModules, context.checkModule, errors);

  const { coupons, errors: couponErrors } = validateCouponPolicy(rawCoupons, context.zones);
  errors.push(...couponErrors);

  const mode =
    tracking?.mode ?? (typeof rawTracking['mode'] === 'string' ? rawTracking['mode'] : 'off');
  if (mode !== 'off' || coupons.enabled) {
    const why =
      mode !== 'off'
        ? `before tracking can be "${mode}"`
        : 'before offers can be enabled (coupons.enabled)';
    for (const field of missingNoticeFields(notice)) {
      if (errors.some((e) => e.field === `notice.${field}`)) continue;
      errors.push({
        field: `notice.${field}`,
        value: undefined,
        message: `is required ${why}: shoppers get notice before they are tracked`,
      });
    }
  }
  return errors.length > 0 || !tracking
    ? { errors }
    : {
        policy: { tracking, notice, retention, hours, coupons, suppression, analytics, modules },
        errors,
      };
}

/** Parses a stored policy, throwing one error that lists every problem. */
export function parseStorePolicy(document: unknown): StorePolicy {
  const { policy, errors } = validateStorePolicy(document);
  if (!policy) throw new InvalidStorePolicyError(errors);
  return policy;
}

/** The policy of a store whose stored document does not validate: track nobody. */
export function trackingOffPolicy(): StorePolicy {
  return {
    tracking: parseTrackingPolicy({ mode: 'off' }),
    notice: new NoticeDocument(),
    retention: new RetentionPolicy(),
    hours: [],
    coupons: defaultCouponPolicy(),
    suppression: new SuppressionPolicy(),
    analytics: new AnalyticsPolicy(),
    modules: [],
  };
}
