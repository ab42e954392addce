import type { FieldError } from '@aisle/sdk';
import { validatePlain } from '@aisle/sdk';
import type { StorePolicyValidator } from '../api/common/store-policy-validator.js';
import { pointErrors } from '../api/common/floor-plan.js';
import { sensorErrors } from '../api/sensors/sensor.rules.js';
import { storeErrors } from '../api/stores/store.rules.js';
import { zoneErrors } from '../api/zones/zone.rules.js';
import type { PluginCatalog } from '../plugins/plugin-catalog.js';
import { AisleConfigFile } from './aisle-config-file.dto.js';

export interface ConfigRuleDeps {
  /** Loaded plugins: checks sensor domains and configs. Without it only positions are checked. */
  catalog?: PluginCatalog;
  validatePolicy?: StorePolicyValidator;
}

/**
 * Validates a whole parsed file at once: shape (the API's DTOs), then the domain rules (floor
 * plan, polygons, duplicate ids, plugin domains and configs, policy) wherever the shape allowed
 * them to run. Every error names its path: `stores[0].sensors[2].x`.
 */
export function validateConfigFile(
  input: unknown,
  deps: ConfigRuleDeps = {},
): { value: AisleConfigFile; errors: FieldError[] } {
  const { value, errors } = validatePlain(AisleConfigFile, input);
  if (errors.some((e) => e.field === '(root)')) return { value, errors };
  const blocked = (field: string): boolean =>
    errors.some((e) => e.field === field || isUnder(e.field, field) || isUnder(field, e.field));
  const domain: FieldError[] = [];
  const stores = Array.isArray(value.stores) ? value.stores : [];

  duplicates(
    stores,
    (s) => s?.id,
    (i) => `stores[${i}].id`,
    'store id',
    domain,
  );
  stores.forEach((store, i) => {
    if (!isObject(store)) return;
    const at = `stores[${i}]`;
    const policy =
      isObject(store.policy) && !Array.isArray(store.policy) ? store.policy : undefined;
    const zoneRefs = (Array.isArray(store.zones) ? store.zones : []).filter(isObject).map((z) => ({
      id: String(z.id),
      tags: Array.isArray(z.tags) ? z.tags.map(String) : [],
    }));
    domain.push(
      ...prefixed(
        at,
        storeErrors({ ...(policy ? { policy } : {}) }, deps.validatePolicy, { zones: zoneRefs }),
      ),
    );
    const floor = { width: store.width, height: store.height };
    const floorOk =
      isPositive(floor.width) &&
      isPositive(floor.height) &&
      !blocked(`${at}.width`) &&
      !blocked(`${at}.height`);
    const zones = Array.isArray(store.zones) ? store.zones : [];
    const sensors = Array.isArray(store.sensors) ? store.sensors : [];
    duplicates(
      zones,
      (z) => z?.id,
      (j) => `${at}.zones[${j}].id`,
      'zone id',
      domain,
    );
    duplicates(
      sensors,
      (s) => s?.id,
      (j) => `${at}.sensors[${j}].id`,
      'sensor id',
      domain,
    );
    if (!floorOk) return;
    zones.forEach((zone, j) => {
      if (!isObject(zone) || !isPointList(zone.polygon)) return;
      const tags = Array.isArray(zone.tags) ? zone.tags.filter((t) => typeof t === 'string') : [];
      domain.push(
        ...prefixed(`${at}.zones[${j}]`, zoneErrors({ polygon: zone.polygon, tags }, floor)),
      );
    });
    sensors.forEach((sensor, j) => {
      if (!isObject(sensor) || !isFiniteNumber(sensor.x) || !isFiniteNumber(sensor.y)) return;
      const rules =
        deps.catalog && typeof sensor.domain === 'string'
          ? sensorErrors(sensor, floor, deps.catalog)
          : pointErrors({ x: sensor.x, y: sensor.y }, floor, '');
      domain.push(...prefixed(`${at}.sensors[${j}]`, rules));
    });
  });
  return { value, errors: [...errors, ...domain.filter((e) => !blocked(e.field))] };
}

function prefixed(prefix: string, errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, field: `${prefix}.${e.field}` }));
}

/** `a` is a path inside `b` (`stores[0].x` is under `stores[0]`). */
function isUnder(a: string, b: string): boolean {
  return a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
}

function duplicates<T>(
  items: readonly T[],
  idOf: (item: T) => unknown,
  path: (index: number) => string,
  what: string,
  out: FieldError[],
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const id = isObject(item) ? idOf(item) : undefined;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else {
      out.push({
        field: path(i),
        value: id,
        message: `duplicate ${what} (already at index ${first})`,
      });
    }
  });
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPositive(value: unknown): value is number {
  return isFiniteNumber(value) && value > 0;
}

function isPointList(value: unknown): value is { x: number; y: number }[] {
  return (
    Array.isArray(value) &&
    value.every(
      (p) =>
        isObject(p) &&
        isFiniteNumber((p as { x?: unknown }).x) &&
        isFiniteNumber((p as { y?: unknown }).y),
    )
  );
}
