import { validateStorePolicy } from '@aisle/policy';
import type { FieldError } from '@aisle/sdk';
import type { StorePolicyValidator } from '../api/common/store-policy-validator.js';

/**
 * Store policies are validated on write (API and YAML) with the same rules the running gate
 * applies: tracking stays off until the notice is complete, keys rotate at least daily, …
 */
export const validateStorePolicyDocument: StorePolicyValidator = (doc, context): FieldError[] =>
  validateStorePolicy(doc, context?.zones ? { zones: context.zones } : {}).errors;
