import fc from 'fast-check';
import { deviceShare, peopleEstimate } from './calibration.js';
import { distribution, median, quantileSorted, summariseDwell, wilsonInterval } from './stats.js';

describe(wilsonInterval.name, () => {
  it('matches the closed form for 8 of 10 (0.4902 … 0.9433)', () => {
    const interval = wilsonInterval(8, 10)!;
    expect(interval.estimate).toBe(0.8);
    expect(interval.lower).toBeCloseTo(0.4902, 4);
    expect(interval.upper).toBeCloseTo(0.9433, 4);
  });

  it('stays within [0, 1] and contains the estimate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          const k = Math.round(n * f);
          const { estimate, lower, upper } = wilsonInterval(k, n)!;
          return lower >= 0 && upper <= 1 && lower <= estimate + 1e-12 && estimate <= upper + 1e-12;
        },
      ),
    );
  });

  it('is undefined without trials', () => {
    expect(wilsonInterval(0, 0)).toBeUndefined();
  });
});

describe(quantileSorted.name, () => {
  it('interpolates between ranks', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantileSorted([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(91);
    expect(quantileSorted([], 0.5)).toBeUndefined();
  });

  it('summarises dwell with a distribution whose counts add up', () => {
    const summary = summariseDwell([5, 40, 70, 70, 400, 4000]);
    expect(summary).toMatchObject({ count: 6, medianSeconds: 70 });
    expect(summary.distribution.reduce((s, b) => s + b.count, 0)).toBe(6);
    expect(distribution([5, 40])[0]).toEqual({ fromSeconds: 0, toSeconds: 30, count: 1 });
  });
});

describe(deviceShare.name, () => {
  it('estimates the share of people with a device and people behind a device count', () => {
    const share = deviceShare({ people: 200, devices: 150 })!;
    expect(share.share).toBe(0.75);
    expect(share.lower).toBeCloseTo(0.6857, 3);
    // closed form: (2k + z² ± z·√(z² + 4k(1 − p))) / (2(n + z²))
    expect(share.upper).toBeCloseTo(0.8049, 4);
    const people = peopleEstimate({ devices: 30, share })!;
    expect(people.estimate).toBe(40);
    expect(people.lower).toBeCloseTo(30 / share.upper, 9);
    expect(people.upper).toBeCloseTo(30 / share.lower, 9);
  });

  it('caps more devices than people at a share of one, and needs people', () => {
    expect(deviceShare({ people: 10, devices: 12 })!.share).toBe(1);
    expect(deviceShare({ people: 0, devices: 3 })).toBeUndefined();
  });
});
