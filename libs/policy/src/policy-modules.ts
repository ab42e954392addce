import type { FieldError } from '@aisle/sdk';

/** One policy module a store selects: the plugin's domain and its configuration. */
export interface PolicyModuleSelection {
  domain: string;
  /** The module's own configuration, checked against the plugin's `configSchema` on write. */
  config: Record<string, unknown>;
}

/** Most modules one store may select (each runs for every observation of the store). */
export const MAX_POLICY_MODULES = 16;

const DOMAIN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Checks one selected module's configuration: errors relative to the config (`hours[0].from`), or
 * a string when the domain cannot be selected (no loaded policy plugin, or a built-in one).
 */
export type PolicyModuleChecker = (domain: string, config: unknown) => FieldError[] | string;

/**
 * Validates `modules`: a list of `{ domain, config }`, each domain at most once, each config valid
 * for its plugin (when `check` is given: the API and the YAML file pass the loaded plugins).
 */
export function validatePolicyModules(
  raw: unknown,
  check: PolicyModuleChecker | undefined,
  errors: FieldError[],
): PolicyModuleSelection[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.push({
      field: 'modules',
      value: raw,
      message: 'modules must be a list of { domain, config }',
    });
    return [];
  }
  if (raw.length > MAX_POLICY_MODULES) {
    errors.push({
      field: 'modules',
      value: raw.length,
      message: `at most ${MAX_POLICY_MODULES} policy modules per store`,
    });
  }
  const selected: PolicyModuleSelection[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, i) => {
    const at = `modules[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push({ field: at, value: entry, message: 'must be an object { domain, config }' });
      return;
    }
    const { domain, config, ...rest } = entry as Record<string, unknown>;
    for (const key of Object.keys(rest)) {
      errors.push({ field: `${at}.${key}`, value: rest[key], message: 'is not a known field' });
    }
    if (typeof domain !== 'string' || !DOMAIN.test(domain)) {
      errors.push({ field: `${at}.domain`, value: domain, message: 'must be a plugin domain' });
      return;
    }
    if (seen.has(domain)) {
      errors.push({ field: `${at}.domain`, value: domain, message: 'is selected twice' });
      return;
    }
    seen.add(domain);
    const cfg = config ?? {};
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
      errors.push({ field: `${at}.config`, value: cfg, message: 'must be an object' });
      return;
    }
    const problems = check?.(domain, cfg);
    if (typeof problems === 'string') {
      errors.push({ field: `${at}.domain`, value: domain, message: problems });
      return;
    }
    for (const p of problems ?? []) {
      errors.push({
        ...p,
        field: p.field === '(root)' ? `${at}.config` : `${at}.config.${p.field}`,
      });
    }
    selected.push({ domain, config: structuredClone(cfg as Record<string, unknown>) });
  });
  return selected;
}
