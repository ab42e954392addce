/** Days of the week as Aisle's configuration spells them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A local time `HH:MM`, with `24:00` for midnight at the end of a day. */
export const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Minutes since local midnight of a `HH:MM` time. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** One window of the week in a store's local time: `{ days: ['mon'], from: '08:00', to: '20:00' }`. */
export interface WeeklyWindow {
  readonly days: readonly Weekday[];
  readonly from: string;
  readonly to: string;
}

const WEEKDAY_OF: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/**
 * Is an instant inside one of the weekly windows, in a time zone? No windows means always. The
 * answer is cached per minute, so a caller on the hot path (the gate, a policy module) pays for
 * time-zone arithmetic about once a minute, not per observation.
 */
export class WeeklyHours {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cachedAnswer = true;

  constructor(
    private readonly windows: readonly WeeklyWindow[],
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

  /** `at` in epoch milliseconds. */
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
    const day = WEEKDAY_OF[parts['weekday'] ?? ''];
    const now = Number(parts['hour']) * 60 + Number(parts['minute']);
    return this.windows.some(
      (w) =>
        day !== undefined &&
        w.days.includes(day) &&
        now >= minutesOfDay(w.from) &&
        now < minutesOfDay(w.to),
    );
  }
}
