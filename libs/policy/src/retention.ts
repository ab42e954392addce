import { IsInt, Max, Min } from 'class-validator';

/** Longest a store may keep per-device (pseudonymous) sightings: one week. */
export const MAX_DEVICE_SIGHTING_HOURS = 168;
/** Longest a store may keep counts (camera counts and other rows without a subject): 25 months. */
export const MAX_COUNT_DAYS = 760;

/** How long each class of data is kept; the purge job deletes what is older, every minute. */
export class RetentionPolicy {
  /** Per-device sightings (pseudonymous rows). A day by default: the pseudonym key lives no longer. */
  @IsInt()
  @Min(1)
  @Max(MAX_DEVICE_SIGHTING_HOURS)
  deviceSightingsHours = 24;

  /** Counts (people-counter reports, rows without a subject). */
  @IsInt()
  @Min(1)
  @Max(MAX_COUNT_DAYS)
  countsDays = 400;
}
