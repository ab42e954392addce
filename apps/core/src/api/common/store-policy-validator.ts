import type { StorePolicyDocument } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';

/**
 * Validates a store's policy document; returns every error with fields relative to the policy
 * (`mode`, `hours[0].from`; they are reported as `policy.mode`, …). Empty when valid.
 */
export type StorePolicyValidator = (
  doc: StorePolicyDocument,
  context?: StorePolicyContext,
) => FieldError[];

/** What a policy is checked against besides itself: the store's zones after the write. */
export interface StorePolicyContext {
  zones?: readonly { id: string; tags: readonly string[] }[];
}

/**
 * Optional provider: when the app provides a `StorePolicyValidator` under this token, store writes
 * (API and YAML) validate the policy with it. Without it any JSON object is accepted.
 */
export const STORE_POLICY_VALIDATOR = Symbol('STORE_POLICY_VALIDATOR');
