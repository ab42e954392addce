import {
  bucketStart,
  bucketsBetween,
  nextBucket,
  overlap,
  timeZoneOffset,
} from './time-buckets.js';

describe(bucketStart.name, () => {
  it('floors to minutes and UTC hours', () => {
    const at = Date.UTC(2026, 0, 1, 9, 59, 59, 999);
    expect(bucketStart(at, '1m')).toBe(Date.UTC(2026, 0, 1, 9, 59));
    expect(bucketStart(at, '1h')).toBe(Date.UTC(2026, 0, 1, 9));
  });

  it('starts days at local midnight (Berlin: 23:00 UTC in winter, 22:00 in summer)', () => {
    // 23:30 UTC on 1 Jan is 00:30 on 2 Jan in Berlin
    expect(bucketStart(Date.UTC(2026, 0, 1, 23, 30), '1d', 'Europe/Berlin')).toBe(
      Date.UTC(2026, 0, 1, 23),
    );
    expect(bucketStart(Date.UTC(2026, 0, 1, 22, 30), '1d', 'Europe/Berlin')).toBe(
      Date.UTC(2025, 11, 31, 23),
    );
    expect(bucketStart(Date.UTC(2026, 0, 1, 22, 30), '1d', 'UTC')).toBe(Date.UTC(2026, 0, 1));
    expect(bucketStart(Date.UTC(2026, 6, 1, 21, 59), '1d', 'Europe/Berlin')).toBe(
      Date.UTC(2026, 5, 30, 22),
    );
  });

  it('has 23- and 25-hour days across DST changes', () => {
    const spring = bucketStart(Date.UTC(2026, 2, 29, 12), '1d', 'Europe/Berlin');
    expect(nextBucket(spring, '1d', 'Europe/Berlin') - spring).toBe(23 * 3_600_000);
    const autumn = bucketStart(Date.UTC(2026, 9, 25, 12), '1d', 'Europe/Berlin');
    expect(nextBucket(autumn, '1d', 'Europe/Berlin') - autumn).toBe(25 * 3_600_000);
    expect(
      bucketsBetween({
        from: autumn,
        to: nextBucket(autumn, '1d', 'Europe/Berlin'),
        size: '1h',
        timeZone: 'Europe/Berlin',
      }),
    ).toHaveLength(25);
  });

  it('uses local hours for half-hour offsets (Kolkata +5:30)', () => {
    expect(timeZoneOffset(Date.UTC(2026, 0, 1), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(bucketStart(Date.UTC(2026, 0, 1, 9, 10), '1h', 'Asia/Kolkata')).toBe(
      Date.UTC(2026, 0, 1, 8, 30),
    );
  });

  it('lists buckets overlapping a range and measures overlaps', () => {
    const from = Date.UTC(2026, 0, 1, 9, 30);
    expect(bucketsBetween({ from, to: from + 2 * 3_600_000, size: '1h' })).toEqual([
      Date.UTC(2026, 0, 1, 9),
      Date.UTC(2026, 0, 1, 10),
      Date.UTC(2026, 0, 1, 11),
    ]);
    expect(overlap(0, 10, 5, 20)).toBe(5);
    expect(overlap(0, 10, 10, 20)).toBe(0);
  });
});
