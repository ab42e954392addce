import { validateStorePolicy, type PolicyModuleChecker } from '@aisle/policy';
import type { FieldError } from '@aisle/sdk';
import type { StorePolicyValidator } from '../api/common/store-policy-validator.js';

/**
 * Store policies are validated on write (API and YAML) with the same rules the running gate
 * applies: tracking stays off until the notice is complete, keys rotate at least daily, …; each
 * selected policy module (`modules[i]`) must be a loaded policy plugin whose `configSchema` its
 * config passes (`checkModule`, from the policy module host).
 */
export function storePolicyValidator(checkModule?: PolicyModuleChecker): StorePolicyValidator {
  return (doc, context): FieldError[] =>
    validateStorePolicy(doc, {
      ...(context?.zones ? { zones: context.zones } : {}),
      ...(checkModule ? { checkModule } : {}),
    }).errors;
}

/** Without the loaded plugins: module configs are checked for shape only. */
export const validateStorePolicyDocument: StorePolicyValidator = storePolicyValidator();
