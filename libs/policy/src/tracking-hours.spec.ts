import { parseStorePolicy, validateStorePolicy } from './store-policy.js';
import { TrackingHours, trackingHoursModule } from './tracking-hours.js';

const weekdays = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }];

describe(TrackingHours.name, () => {
  it('opens and closes in the store’s local time, summer and winter', () => {
    const sut = new TrackingHours(parseStorePolicy({ hours: weekdays }).hours, 'Europe/Berlin');
    // Monday 1 June 2026: Berlin is UTC+2.
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 5, 59))).toBe(false); // 07:59
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 6, 0))).toBe(true); // 08:00
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 17, 59))).toBe(true); // 19:59
    expect(sut.isOpen(Date.UTC(2026, 5, 1, 18, 0))).toBe(false); // 20:00
    // Monday 5 January 2026: UTC+1.
    expect(sut.isOpen(Date.UTC(2026, 0, 5, 6, 30))).toBe(false); // 07:30
    expect(sut.isOpen(Date.UTC(2026, 0, 5, 7, 30))).toBe(true); // 08:30
    // Sunday 7 June 2026 at noon.
    expect(sut.isOpen(Date.UTC(2026, 5, 7, 10, 0))).toBe(false);
  });

  it('is always open without windows, and drops outside hours at the gate', () => {
    expect(new TrackingHours([], 'UTC').isOpen(0)).toBe(true);
    const module = trackingHoursModule(
      new TrackingHours(parseStorePolicy({ hours: weekdays }).hours, 'UTC'),
    );
    const sunday = Date.UTC(2026, 5, 7, 12);
    expect(
      module.gate?.({ kind: 'camera', storeId: 's', sensorId: 'c', at: sunday, entries: 1 }),
    ).toEqual({
      accept: false,
      reason: 'outside_hours',
    });
  });

  it('validates windows, naming the field', () => {
    const { errors } = validateStorePolicy({
      hours: [
        { days: ['mon', 'funday'], from: '8am', to: '20:00' },
        { days: ['sat'], from: '22:00', to: '02:00' },
      ],
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'hours[0].days',
      'hours[0].from',
      'hours[1].to',
    ]);
  });
});
