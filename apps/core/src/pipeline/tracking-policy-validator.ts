import { InvalidPolicyError, parseTrackingPolicy } from '@aisle/ingest';
import type { FieldError } from '@aisle/sdk';
import type { StorePolicyValidator } from '../api/common/store-policy-validator.js';

/** Store policies are validated on write with the same parser the gate uses at run time. */
export const validateTrackingPolicyDocument: StorePolicyValidator = (doc): FieldError[] => {
  try {
    parseTrackingPolicy(doc);
    return [];
  } catch (error) {
    if (error instanceof InvalidPolicyError) return [...error.fields];
    throw error;
  }
};
