export interface OccupancyCrossing {
  zoneId: string | null;
  occupancy: number;
  previous: number;
  threshold: number;
  direction: 'up' | 'down';
}

/**
 * Threshold crossings between two occupancy readings: going up from below `t` to at least `t`, or
 * down from at least `t` to below it. Several thresholds crossed at once give one crossing each
 * (in the direction's order).
 */
export function occupancyCrossings(params: {
  zoneId: string | null;
  previous: number;
  occupancy: number;
  thresholds: readonly number[];
}): OccupancyCrossing[] {
  const { zoneId, previous, occupancy } = params;
  const sorted = [...new Set(params.thresholds)].sort((a, b) => a - b);
  if (occupancy > previous) {
    return sorted
      .filter((t) => previous < t && occupancy >= t)
      .map((threshold) => ({ zoneId, occupancy, previous, threshold, direction: 'up' as const }));
  }
  if (occupancy < previous) {
    return sorted
      .filter((t) => previous >= t && occupancy < t)
      .reverse()
      .map((threshold) => ({ zoneId, occupancy, previous, threshold, direction: 'down' as const }));
  }
  return [];
}
