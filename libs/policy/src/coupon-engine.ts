import { isSensitiveZone, type CouponPolicy, type CouponRule } from './coupon-policy.js';
import { TrackingHours } from './tracking-hours.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/**
 * What a member's presence report (through the loyalty provider's app) can trigger. There is no
 * variant for anonymous sightings: the engine's input is keyed to a member, never to a device.
 */
export type CouponTriggerInput =
  | { type: 'zone-entered'; zoneId: string }
  | { type: 'zone-dwell'; zoneId: string; dwellSeconds: number }
  /** `visitNumber` is null when the member has not consented to linking visits. */
  | { type: 'visit-started'; visitNumber: number | null };

export interface IssuedCoupon {
  at: number;
  visitId: string;
  ruleId: string;
}

export interface CouponDecision {
  ruleId: string;
  outcome: 'issued' | 'denied';
  /** Plain words, kept in the audit log. */
  reason: string;
}

export interface CouponDecisionInput {
  policy: CouponPolicy;
  trigger: CouponTriggerInput;
  at: number;
  timeZone: string;
  /** The store's zones now: id → tags (a zone tagged sensitive after a rule was saved counts). */
  zoneTags: ReadonlyMap<string, readonly string[]>;
  consent: { marketing: boolean };
  visitId: string;
  /** Offers this member got in this store (at least the last week's). */
  issued: readonly IssuedCoupon[];
  lastDismissedAt: number | null;
  /** Rules already decided in this visit: each rule decides at most once per visit. */
  decidedThisVisit: ReadonlySet<string>;
}

function matches(rule: CouponRule, trigger: CouponTriggerInput): boolean {
  switch (trigger.type) {
    case 'zone-entered':
      return rule.trigger.type === 'zone-entered' && rule.trigger.zoneId === trigger.zoneId;
    case 'zone-dwell':
      return (
        rule.trigger.type === 'zone-dwell' &&
        rule.trigger.zoneId === trigger.zoneId &&
        trigger.dwellSeconds >= (rule.trigger.minDwellSeconds ?? Number.POSITIVE_INFINITY)
      );
    case 'visit-started':
      // Without linking consent the visit number is unknown: the rule is decided (and denied).
      return (
        rule.trigger.type === 'nth-visit' &&
        (trigger.visitNumber === null || trigger.visitNumber === rule.trigger.visit)
      );
  }
}

/**
 * Decides, for one presence trigger, which rules issue an offer and which are denied and why. Pure:
 * time, consent, history and zones are arguments. Order of checks: the store's switch, sensitive
 * zones, consent, the rule's hours, the quiet period after a dismissal, then the caps (which the
 * offers issued earlier in the same call count towards).
 */
export function decideCoupons(input: CouponDecisionInput): CouponDecision[] {
  const { policy, trigger, at } = input;
  // Presence in a sensitive zone never reaches the rules, whatever they say.
  if (
    trigger.type !== 'visit-started' &&
    isSensitiveZone(input.zoneTags.get(trigger.zoneId) ?? [])
  ) {
    return [];
  }
  const issued = [...input.issued];
  const decisions: CouponDecision[] = [];
  for (const rule of policy.rules) {
    if (!rule.enabled || input.decidedThisVisit.has(rule.id) || !matches(rule, trigger)) continue;
    const reason = denial({ ...input, rule, issued });
    if (reason) {
      decisions.push({ ruleId: rule.id, outcome: 'denied', reason });
      continue;
    }
    decisions.push({ ruleId: rule.id, outcome: 'issued', reason: rule.why });
    issued.push({ at, visitId: input.visitId, ruleId: rule.id });
  }
  return decisions;
}

function denial(
  input: CouponDecisionInput & { rule: CouponRule; issued: readonly IssuedCoupon[] },
): string | null {
  const { policy, rule, trigger, at } = input;
  if (!policy.enabled) return 'offers are not enabled for this store';
  const zoneId = rule.trigger.zoneId;
  if (zoneId !== undefined && isSensitiveZone(input.zoneTags.get(zoneId) ?? [])) {
    return `zone ${zoneId} is sensitive: no offer is made there`;
  }
  if (!input.consent.marketing) return 'the member has not given marketing consent';
  if (rule.trigger.type === 'nth-visit' && trigger.type === 'visit-started') {
    if (trigger.visitNumber === null) {
      return 'visit counts need the member’s analytics-linking consent';
    }
  }
  if (rule.hours.length > 0 && !new TrackingHours(rule.hours, input.timeZone).isOpen(at)) {
    return 'outside the rule’s hours';
  }
  const quietMs = policy.quietPeriodHours * HOUR_MS;
  if (input.lastDismissedAt !== null && at - input.lastDismissedAt < quietMs) {
    return `quiet period: an offer was dismissed less than ${policy.quietPeriodHours} h ago`;
  }
  const { caps } = policy;
  if (input.issued.filter((c) => c.visitId === input.visitId).length >= caps.perVisit) {
    return `cap reached: ${caps.perVisit} per visit`;
  }
  if (input.issued.filter((c) => at - c.at < DAY_MS).length >= caps.perDay) {
    return `cap reached: ${caps.perDay} per day`;
  }
  if (input.issued.filter((c) => at - c.at < WEEK_MS).length >= caps.perWeek) {
    return `cap reached: ${caps.perWeek} per week`;
  }
  return null;
}

/** How far back the caps look: what a caller must pass as `issued`. */
export const COUPON_HISTORY_MS = WEEK_MS;
