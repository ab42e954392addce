import {
  Allow,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import type { FieldError } from '@aisle/sdk';
import { section } from './section.js';
import { TrackingWindow, windowErrors } from './tracking-hours.js';

/**
 * Zone tags under which no offer is ever made: health, fitting rooms, toilets. A rule naming such a
 * zone is refused on save, and presence in such a zone never reaches the rule engine.
 */
export const SENSITIVE_ZONE_TAGS = ['sensitive', 'pharmacy', 'fitting-room'] as const;

export function isSensitiveZone(tags: readonly string[]): boolean {
  return tags.some((t) => (SENSITIVE_ZONE_TAGS as readonly string[]).includes(t));
}

/**
 * The most offers one member may get: a store may lower these caps, never raise them. One per
 * visit and per day keeps offers occasional; three a week is the ceiling shoppers tolerate before
 * offers read as being followed.
 */
export const MAX_COUPONS_PER_VISIT = 1;
export const MAX_COUPONS_PER_DAY = 1;
export const MAX_COUPONS_PER_WEEK = 3;
/** After a dismissal no offer for at least a day (default three days); a store may make it longer. */
export const MIN_QUIET_PERIOD_HOURS = 24;
export const DEFAULT_QUIET_PERIOD_HOURS = 72;

export const COUPON_TRIGGERS = ['zone-entered', 'zone-dwell', 'nth-visit'] as const;
export type CouponTriggerType = (typeof COUPON_TRIGGERS)[number];

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class CouponTrigger {
  @IsIn(COUPON_TRIGGERS)
  type!: CouponTriggerType;

  /** The zone entered or dwelt in (`zone-entered`, `zone-dwell`). */
  @ValidateIf((t: CouponTrigger) => t.type !== 'nth-visit')
  @Matches(ID, { message: 'zoneId must be a zone id' })
  zoneId?: string;

  /** Seconds in the zone before the offer (`zone-dwell`): 10 s to an hour. */
  @ValidateIf((t: CouponTrigger) => t.type === 'zone-dwell')
  @IsInt()
  @Min(10)
  @Max(3600)
  minDwellSeconds?: number;

  /** The visit number that earns the offer (`nth-visit`, 2 = second visit). */
  @ValidateIf((t: CouponTrigger) => t.type === 'nth-visit')
  @IsInt()
  @Min(2)
  @Max(1000)
  visit?: number;
}

export class CouponOffer {
  @IsString()
  @Length(1, 80)
  title!: string;

  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  code?: string;

  /** How long the offer is valid after it is issued. */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  validHours = 24;
}

/** The parts of a rule validated by class-validator; `trigger`, `offer` and `hours` are sections. */
class CouponRuleFields {
  @Matches(ID, { message: 'id must be lower-case letters, digits and dashes' })
  id!: string;

  @IsBoolean()
  enabled = true;

  /**
   * Plain-language "why you got this", shown with the offer: it must say what the shopper did
   * that triggered it, e.g. "You spent a while in our coffee aisle".
   */
  @IsString()
  @Length(10, 200)
  why!: string;

  @Allow()
  trigger?: unknown;

  @Allow()
  offer?: unknown;

  @Allow()
  hours?: unknown;
}

export interface CouponRule {
  id: string;
  enabled: boolean;
  why: string;
  trigger: CouponTrigger;
  offer: CouponOffer;
  /** Local-time windows the rule may fire in; empty = during tracking hours. */
  hours: TrackingWindow[];
}

export class CouponCaps {
  @IsInt()
  @Min(0)
  @Max(MAX_COUPONS_PER_VISIT, {
    message: `perVisit must be at most ${MAX_COUPONS_PER_VISIT}: a store may lower the cap, never raise it`,
  })
  perVisit = MAX_COUPONS_PER_VISIT;

  @IsInt()
  @Min(0)
  @Max(MAX_COUPONS_PER_DAY, {
    message: `perDay must be at most ${MAX_COUPONS_PER_DAY}: a store may lower the cap, never raise it`,
  })
  perDay = MAX_COUPONS_PER_DAY;

  @IsInt()
  @Min(0)
  @Max(MAX_COUPONS_PER_WEEK, {
    message: `perWeek must be at most ${MAX_COUPONS_PER_WEEK}: a store may lower the cap, never raise it`,
  })
  perWeek = MAX_COUPONS_PER_WEEK;
}

class CouponPolicyFields {
  @IsBoolean()
  enabled = false;

  @IsInt()
  @Min(MIN_QUIET_PERIOD_HOURS, {
    message: `quietPeriodHours must be at least ${MIN_QUIET_PERIOD_HOURS}: a dismissed offer is not followed by another the same day`,
  })
  @Max(24 * 365)
  quietPeriodHours = DEFAULT_QUIET_PERIOD_HOURS;

  /** Where a member turns offers off; sent with every offer. Required once coupons are enabled. */
  @ValidateIf((p: CouponPolicyFields) => p.enabled || p.unsubscribeUrl !== undefined)
  @IsUrl(
    { require_protocol: true, protocols: ['https', 'http'] },
    { message: 'unsubscribeUrl must be an http(s) URL: every offer carries an unsubscribe link' },
  )
  unsubscribeUrl?: string;

  @Allow()
  caps?: unknown;

  @Allow()
  rules?: unknown;
}

export interface CouponPolicy {
  enabled: boolean;
  quietPeriodHours: number;
  unsubscribeUrl?: string;
  caps: CouponCaps;
  rules: CouponRule[];
}

export function defaultCouponPolicy(): CouponPolicy {
  return {
    enabled: false,
    quietPeriodHours: DEFAULT_QUIET_PERIOD_HOURS,
    caps: new CouponCaps(),
    rules: [],
  };
}

/** A zone as far as coupon rules care: its id and tags. */
export interface ZoneRef {
  id: string;
  tags: readonly string[];
}

/**
 * Validates the `coupons` section of a store policy, errors prefixed `coupons.`. With `zones`
 * (the store's zones as they will be after the write) a rule naming a sensitive zone or an unknown
 * zone is refused; without them only the shape is checked.
 */
export function validateCouponPolicy(
  raw: unknown,
  zones?: readonly ZoneRef[],
): { coupons: CouponPolicy; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (raw === undefined) return { coupons: defaultCouponPolicy(), errors };
  const fields = section(CouponPolicyFields, raw, 'coupons', errors);
  const caps = section(CouponCaps, fields.caps, 'coupons.caps', errors);
  const rules: CouponRule[] = [];
  if (fields.rules !== undefined) {
    if (!Array.isArray(fields.rules)) {
      errors.push({ field: 'coupons.rules', value: fields.rules, message: 'must be a list' });
    } else {
      fields.rules.forEach((rawRule: unknown, i) => {
        const rule = validateRule(rawRule, `coupons.rules[${i}]`, zones, errors);
        if (rule) rules.push(rule);
      });
      const seen = new Set<string>();
      rules.forEach((r, i) => {
        if (seen.has(r.id)) {
          errors.push({
            field: `coupons.rules[${i}].id`,
            value: r.id,
            message: 'rule ids must be unique',
          });
        }
        seen.add(r.id);
      });
    }
  }
  return {
    coupons: {
      enabled: fields.enabled,
      quietPeriodHours: fields.quietPeriodHours,
      ...(fields.unsubscribeUrl === undefined ? {} : { unsubscribeUrl: fields.unsubscribeUrl }),
      caps,
      rules,
    },
    errors,
  };
}

function validateRule(
  raw: unknown,
  path: string,
  zones: readonly ZoneRef[] | undefined,
  errors: FieldError[],
): CouponRule | undefined {
  const before = errors.length;
  const fields = section(CouponRuleFields, raw, path, errors);
  if (errors.length > before && errors.slice(before).some((e) => e.field === path)) {
    return undefined;
  }
  if (fields.trigger === undefined) {
    errors.push({ field: `${path}.trigger`, value: undefined, message: 'is required' });
  }
  if (fields.offer === undefined) {
    errors.push({ field: `${path}.offer`, value: undefined, message: 'is required' });
  }
  const trigger = section(CouponTrigger, fields.trigger, `${path}.trigger`, errors);
  const offer = section(CouponOffer, fields.offer, `${path}.offer`, errors);
  const hours: TrackingWindow[] = [];
  if (fields.hours !== undefined) {
    if (!Array.isArray(fields.hours)) {
      errors.push({ field: `${path}.hours`, value: fields.hours, message: 'must be a list' });
    } else {
      fields.hours.forEach((w: unknown, j) =>
        hours.push(section(TrackingWindow, w, `${path}.hours[${j}]`, errors)),
      );
      errors.push(...windowErrors(hours).map((e) => ({ ...e, field: `${path}.${e.field}` })));
    }
  }
  if (zones && trigger.zoneId !== undefined && trigger.type !== 'nth-visit') {
    const zone = zones.find((z) => z.id === trigger.zoneId);
    if (!zone) {
      errors.push({
        field: `${path}.trigger.zoneId`,
        value: trigger.zoneId,
        message: 'is not a zone of this store',
      });
    } else if (isSensitiveZone(zone.tags)) {
      errors.push({
        field: `${path}.trigger.zoneId`,
        value: trigger.zoneId,
        message: `is a sensitive zone (${zone.tags.join(', ')}): no offer is ever made there`,
      });
    }
  }
  if (errors.length > before) return undefined;
  return { id: fields.id, enabled: fields.enabled, why: fields.why, trigger, offer, hours };
}
