/**
 * What a member may consent to. `analytics-linking`: their visits may be linked across days;
 * `marketing`: they may receive offers (coupons). Nothing else is ever aimed at a person.
 */
export const CONSENT_SCOPES = ['analytics-linking', 'marketing'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export function isConsentScope(value: unknown): value is ConsentScope {
  return typeof value === 'string' && (CONSENT_SCOPES as readonly string[]).includes(value);
}
