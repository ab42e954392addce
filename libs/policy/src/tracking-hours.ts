import { ArrayMinSize, ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';
import type { GateDecision, Observation, PolicyModule } from '@aisle/sdk';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** One window of the week in the store's local time: `{ days: ['mon'], from: '08:00', to: '20:00' }`. */
export class TrackingWindow {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEEKDAYS, { each: true })
  days!: Weekday[];

  @Matches(TIME, { message: 'from must be a local time HH:MM' })
  from!: string;

  @Matches(TIME, { message: 'to must be a local time HH:MM (24:00 for midnight)' })
  to!: string;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Windows whose end is not after their start (errors relative to `hours[i]`). */
export function windowErrors(
  windows: readonly TrackingWindow[],
): { field: string; value: unknown; message: string }[] {
  return windows.flatMap((w, i) =>
    TIME.test(w.from) && TIME.test(w.to) && minutes(w.to) <= minutes(w.from)
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

const WEEKDAY_INDEX: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/**
 * Is `at` inside one of the windows, in `timeZone`? No windows means always. The answer is cached
 * per minute, so the gate pays for time-zone arithmetic about once a minute, not per observation.
 */
export class TrackingHours {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cachedAnswer = true;

  constructor(
    private readonly windows: readonly TrackingWindow[],
    timeZone: string,
  ) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  isOpen(at: number): boolean {
    if (this.windows.length === 0) return true;
    const minute = Math.floor(at / 60_000);
    if (minute !== this.cachedMinute) {
      this.cachedMinute = minute;
      this.cachedAnswer = this.compute(at);
    }
    return this.cachedAnswer;
  }

  private compute(at: number): boolean {
    const parts = Object.fromEntries(
      this.format.formatToParts(new Date(at)).map((p) => [p.type, p.value]),
    );
    const day = WEEKDAY_INDEX[parts['weekday'] ?? ''];
    const now = Number(parts['hour']) * 60 + Number(parts['minute']);
    return this.windows.some(
      (w) =>
        day !== undefined && w.days.includes(day) && now >= minutes(w.from) && now < minutes(w.to),
    );
  }
}

/** Gate reason for observations outside the store's tracking hours. */
export const OUTSIDE_HOURS = 'outside_hours';

export function trackingHoursModule(hours: TrackingHours): PolicyModule {
  return {
    gate: (observation: Readonly<Observation>): GateDecision =>
      hours.isOpen(observation.at) ? { accept: true } : { accept: false, reason: OUTSIDE_HOURS },
  };
}
