import { minutesOfDay, WeeklyHours, LOCAL_TIME } from './weekly-hours.js';

describe(WeeklyHours.name, () => {
  const weekdays = [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '08:00', to: '20:00' },
  ];

  it('judges the window in the given time zone, across a daylight-saving change', () => {
    const sut = new WeeklyHours(weekdays, 'America/New_York');
    // Monday 1 June 2026: New York is UTC-4; Monday 5 January 2026: UTC-5.
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 11, 59))).toBe(false); // 07:59
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 12, 0))).toBe(true); // 08:00
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 23, 59))).toBe(true); // 19:59
    expect(sut.isOpen(Date.UTC(2026, 5, 2, 0, 0))).toBe(false); // 20:00
    expect(sut.isOpen(Date.UTC(2026, 0, 5, 12, 30))).toBe(false); // 07:30
    expect(sut.isOpen(Date.UTC(2026, 0, 5, 13, 30))).toBe(true); // 08:30
  });

  it('ends a window at 24:00 and is always open without windows', () => {
    const lateSaturday = new WeeklyHours([{ days: ['sat'], from: '18:00', to: '24:00' }], 'UTC');
    expect(lateSaturday.isOpen(Date.UTC(2026, 5, 6, 23, 59))).toBe(true);
    expect(lateSaturday.isOpen(Date.UTC(2026, 5, 7, 0, 0))).toBe(false);
    expect(new WeeklyHours([], 'UTC').isOpen(0)).toBe(true);
  });

  it('answers every instant of a minute alike (the per-minute cache)', () => {
    const sut = new WeeklyHours(weekdays, 'UTC');
    const eight = Date.UTC(2026, 5, 1, 8, 0);
    expect(sut.isOpen(eight - 1)).toBe(false);
    expect(sut.isOpen(eight)).toBe(true);
    expect(sut.isOpen(eight + 59_999)).toBe(true);
    expect(sut.isOpen(eight - 60_001)).toBe(false);
  });
});

describe(minutesOfDay.name, () => {
  it('reads HH:MM, 24:00 included, and LOCAL_TIME refuses anything else', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('08:30')).toBe(510);
    expect(minutesOfDay('24:00')).toBe(1440);
    expect(['24:00', '23:59', '07:05'].every((t) => LOCAL_TIME.test(t))).toBe(true);
    expect(['24:01', '7:05', '12:60', '25:00', ''].some((t) => LOCAL_TIME.test(t))).toBe(false);
  });
});
