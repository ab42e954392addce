import type { PositionUpdate } from '@aisle/sdk';

/**
 * Which sensitive zone a position is in (by its zone label or its point), or null. Part of the
 * localisation stage's contract: aggregation drops any position in one that reaches it anyway.
 */
export interface SensitiveZones {
  zoneOf(position: Pick<PositionUpdate, 'storeId' | 'zoneId' | 'x' | 'y'>): string | null;
  isSensitive(storeId: string, zoneId: string | null): boolean;
}

/** Provider token of {@link SensitiveZones} (the scrubber). */
export const SENSITIVE_ZONES = Symbol('SENSITIVE_ZONES');
