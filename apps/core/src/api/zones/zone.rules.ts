import type { Point } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import { polygonErrors, type FloorPlan } from '../common/floor-plan.js';
import { ZONE_TAG_MESSAGE, ZONE_TAG_PATTERN } from '../common/zone-tags.js';

/** Most vertices a zone may have: enough for any drawn shape, small enough for O(n²) checks. */
export const MAX_POLYGON_POINTS = 200;
/** Most tags on one zone. */
export const MAX_ZONE_TAGS = 32;

export interface ZoneInput {
  id: string;
  name: string;
  polygon: Point[];
  tags?: string[];
}

export type ZoneFields = Omit<ZoneInput, 'id'>;

/** Rules beyond the DTO's: polygon inside the floor plan and simple; tags lower-case. */
export function zoneErrors(
  zone: Pick<ZoneInput, 'polygon' | 'tags'>,
  floor: FloorPlan,
): FieldError[] {
  const errors = polygonErrors(zone.polygon, floor);
  (zone.tags ?? []).forEach((tag, i) => {
    if (typeof tag === 'string' && !ZONE_TAG_PATTERN.test(tag)) {
      errors.push({ field: `tags[${i}]`, value: tag, message: ZONE_TAG_MESSAGE });
    }
  });
  return errors;
}
