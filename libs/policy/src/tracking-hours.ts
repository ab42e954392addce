import { ArrayMinSize, ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';
import {
  LOCAL_TIME,
  minutesOfDay,
  WEEKDAYS,
  WeeklyHours,
  type GateDecision,
  type Observation,
  type PolicyModule,
  type Weekday,
} from '@aisle/sdk';

/** One window of the week in the store's local time: `{ days: ['mon'], from: '08:00', to: '20:00' }`. */
export class TrackingWindow {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEEKDAYS, { each: true })
  days!: Weekday[];

  @Matches(LOCAL_TIME, { message: 'from must be a local time HH:MM' })
  from!: string;

  @Matches(LOCAL_TIME, { message: 'to must be a local time HH:MM (24:00 for midnight)' })
  to!: string;
}

/** Windows whose end is not after their start (errors relative to `hours[i]`). */
export function windowErrors(
  windows: readonly TrackingWindow[],
): { field: string; value: unknown; message: string }[] {
  return windows.flatMap((w, i) =>
    LOCAL_TIME.test(w.from) && LOCAL_TIME.test(w.to) && minutesOfDay(w.to) <= minutesOfDay(w.from)
      ? [
          {
            field: `hours[${i}].to`,
            value: w.to,
            message: `must be after from (${w.from}); split a window that crosses midnight`,
          },
        ]
      : [],
  );
}

/**
 * Is `at` inside one of the windows, in `timeZone`? No windows means always. The SDK's
 * `WeeklyHours` (cached per minute), so policy modules and the built-in policy judge hours alike.
 */
export class TrackingHours extends WeeklyHours {}

/** A gate's acceptance: one frozen object, not one per observation. */
const GATE_ACCEPT: GateDecision = Object.freeze({ accept: true });

/** Gate reason for observations outside the store's tracking hours. */
export const OUTSIDE_HOURS = 'outside_hours';

export function trackingHoursModule(hours: TrackingHours): PolicyModule {
  return {
    gate: (observation: Readonly<Observation>): GateDecision =>
      hours.isOpen(observation.at) ? GATE_ACCEPT : { accept: false, reason: OUTSIDE_HOURS },
  };
}
