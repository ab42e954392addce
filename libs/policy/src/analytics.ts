import { ArrayMaxSize, IsArray, IsInt, Max, Min } from 'class-validator';

/** Smallest k a store may choose: below 2 there is no suppression at all. */
export const MIN_SUPPRESSION_K = 2;

/**
 * Small-cell suppression: any figure that leaves the store scope (API for non-admin roles,
 * webhooks, events for third parties) derived from fewer than `minSubjects` subjects is reported
 * as suppressed, not as the number.
 */
export class SuppressionPolicy {
  @IsInt()
  @Min(MIN_SUPPRESSION_K)
  @Max(1000)
  minSubjects = 5;
}

/** How the store's visits are sessionised and when occupancy events fire. */
export class AnalyticsPolicy {
  /** A visit closes after this long without a position, seconds. */
  @IsInt()
  @Min(30)
  @Max(3600)
  visitGapSeconds = 300;

  /** Inside the store for less than this: a passer-by, seconds. */
  @IsInt()
  @Min(0)
  @Max(3600)
  minVisitSeconds = 60;

  /** Store occupancy levels whose crossing publishes `occupancy.changed`. */
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  occupancyThresholds: number[] = [];

  /** The same, applied to every zone. */
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  zoneOccupancyThresholds: number[] = [];
}
