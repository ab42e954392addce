import type { Point, StorePolicyDocument } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import { ensurePrefixed } from '../common/field-prefix.js';
import type { FloorPlan } from '../common/floor-plan.js';
import type { StorePolicyContext, StorePolicyValidator } from '../common/store-policy-validator.js';

/** Largest floor-plan side, metres: 10 km covers any mall; larger is a unit mistake (mm?). */
export const MAX_FLOOR_SIZE_M = 10_000;

export interface StoreInput {
  id: string;
  name: string;
  timezone: string;
  width: number;
  height: number;
  policy?: StorePolicyDocument;
}

export type StoreFields = Omit<StoreInput, 'id'>;

/** Rules beyond the DTO's: the policy document, through the hub's validator when there is one. */
export function storeErrors(
  store: Pick<StoreInput, 'policy'>,
  validatePolicy: StorePolicyValidator | undefined,
  context: StorePolicyContext = {},
): FieldError[] {
  if (!validatePolicy || store.policy === undefined) return [];
  return ensurePrefixed('policy', validatePolicy(store.policy, context));
}

/**
 * A floor plan that shrinks must still hold the store's zones and sensors: errors name `width` or
 * `height` and the zones/sensors that would fall outside.
 */
export function floorFitErrors(
  floor: FloorPlan,
  zones: readonly { id: string; polygon: Point[] }[],
  sensors: readonly { id: string; x: number; y: number }[],
): FieldError[] {
  const errors: FieldError[] = [];
  for (const axis of ['width', 'height'] as const) {
    const coordinate = axis === 'width' ? 'x' : 'y';
    const limit = floor[axis];
    const outside = [
      ...zones
        .filter((z) => z.polygon.some((p) => p[coordinate] > limit))
        .map((z) => `zone ${JSON.stringify(z.id)}`),
      ...sensors.filter((s) => s[coordinate] > limit).map((s) => `sensor ${JSON.stringify(s.id)}`),
    ];
    if (outside.length > 0) {
      errors.push({
        field: axis,
        value: limit,
        message: `would leave ${outside.join(', ')} outside the floor plan; move or delete them first`,
      });
    }
  }
  return errors;
}
