import fc from 'fast-check';
import {
  accuracy,
  countOccupancy,
  DEFAULT_PHONE_BURSTS_PER_5_MIN,
  fitCalibration,
  phonesOfChain,
  type ProbeSample,
} from './probe-occupancy.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const MIN = 60_000;
const probe = (at: number, mac: string, extra: Partial<ProbeSample> = {}): ProbeSample => ({
  at,
  mac,
  rssi: -60,
  ...extra,
});
const options = { intervalMs: 5 * MIN, autoFixedShare: 2, minRssi: -127 };

describe(countOccupancy.name, () => {
  it('counts globally administered devices once per interval, leaving out the fixed ones', () => {
    const sut = countOccupancy(
      [
        probe(T0, '001122334455'),
        probe(T0 + MIN, '001122334455'),
        probe(T0 + 2 * MIN, 'dcfb4868bee4'),
        probe(T0 + 6 * MIN, '001122334456'),
      ],
      options,
      new Set(['dcfb4868bee4']),
    );
    const row = { devices: 1, bursts: 0, estimate: 1, low: 1, high: 1, addresses: 1 };
    expect(sut).toEqual([
      { start: T0, end: T0 + 5 * MIN, ...row },
      { start: T0 + 5 * MIN, end: T0 + 10 * MIN, ...row },
    ]);
  });

  it('counts two phones of one model apart once the one that keeps its address comes back', () => {
    // One sensor, same fingerprint, same signal: a phone that keeps its address (probes at 0, 60,
    // 120, 180 s) and one that probes under a fresh address every burst (30, 90, 150, 210 s).
    const samples: ProbeSample[] = [];
    for (let i = 0; i < 4; i += 1) {
      samples.push(probe(T0 + i * MIN, 'da00000000aa', { fingerprint: 'ios', seq: 100 + i }));
      samples.push(
        probe(T0 + i * MIN + 30_000, `da00000000f${i}`, {
          fingerprint: 'ios',
          seq: 2000 + 500 * i,
        }),
      );
    }
    const sut = countOccupancy(samples, options);
    expect(sut).toHaveLength(1);
    expect(sut[0]!.addresses).toBe(5);
    expect(sut[0]!.estimate).toBe(2); // one device per phone (before: one for both)
    expect(sut[0]!.low).toBeLessThanOrEqual(2);
  });

  it('links randomised addresses of one device by fingerprint within the window, never beyond it', () => {
    const samples = [
      probe(T0, 'da0000000001', { fingerprint: 'f1', seq: 10 }),
      probe(T0 + 30_000, 'da0000000002', { fingerprint: 'f1', seq: 900 }), // same device, new MAC
      probe(T0 + 40_000, 'da0000000003', { fingerprint: 'f2', seq: 21 }), // another model
      probe(T0 + 10 * MIN, 'da0000000004', { fingerprint: 'f1', seq: 30 }), // 10 min later: new
    ];
    const sut = countOccupancy(samples, { ...options, mergeWindowMs: 2 * MIN });
    expect(sut.map((c) => c.bursts)).toEqual([2, 0, 1]);
  });

  it('takes the randomised flag over the address bit, so pseudonymised input counts the same', () => {
    const samples = [
      probe(T0, 'p-global', { randomized: false }),
      probe(T0 + 1000, 'p-rand-1', { randomized: true, fingerprint: 'f1' }),
      probe(T0 + 2000, 'p-rand-2', { randomized: true, fingerprint: 'f1' }),
    ];
    expect(countOccupancy(samples, { ...options, mergeWindowMs: 2 * MIN })[0]).toMatchObject({
      devices: 1,
      bursts: 1,
    });
  });

  it('links an address change by sequence continuity even without a fingerprint', () => {
    const samples = [
      probe(T0, 'da0000000001', { seq: 10 }),
      probe(T0 + 20_000, 'da0000000002', { seq: 30 }), // 20 frames later: the same device
      probe(T0 + 40_000, 'da0000000003', { seq: 4000 }), // no continuity, no fingerprint: another
    ];
    expect(countOccupancy(samples, options)[0]).toMatchObject({ bursts: 2, addresses: 3 });
  });

  it('counts an address once in its interval even when the window forgot it in between', () => {
    // The same address at 0 s and 250 s (longer than the 200-s window), then a continuing sequence
    // from the second device the associator opened: one device, one address, in the interval.
    const samples = [
      probe(T0, 'da0000000001', { fingerprint: 'f', seq: 10 }),
      probe(T0 + 250_000, 'da0000000001', { fingerprint: 'f', seq: 900 }),
      probe(T0 + 260_000, 'da0000000002', { fingerprint: 'f', seq: 905 }),
    ];
    expect(countOccupancy(samples, options)[0]).toMatchObject({
      bursts: 1,
      low: 1,
      high: 1,
      addresses: 2,
    });
  });

  it('gives the range of looser and stricter association around the estimate', () => {
    // One fingerprint, bursts 3 min apart: linked by the 200-s window, not by a 100-s one.
    const samples = [0, 3, 6].map((m, i) =>
      probe(T0 + m * MIN, `da00000000${i}1`, { fingerprint: 'f1' }),
    );
    const sut = countOccupancy(samples, { ...options, intervalMs: 10 * MIN });
    expect(sut[0]).toMatchObject({ bursts: 1, estimate: 1, low: 1, high: 3, addresses: 3 });
  });

  it('counts a device of more fresh-address bursts than one phone sends as several phones', () => {
    // Three phones of one model, one sensor, the same signal, each bursting every 30 s under a fresh
    // address, 10 s apart: the timing link chains them into one device of 30 bursts in 5 minutes,
    // where one phone sends at most 11.
    const samples: ProbeSample[] = [];
    for (let i = 0; i < 30; i += 1) {
      samples.push(
        probe(T0 + i * 10_000, `da0000${String(i).padStart(6, '0')}`, {
          fingerprint: 'ios',
          seq: (i * 577) % 4096,
        }),
      );
    }
    const off = countOccupancy(samples, { ...options, phoneBurstsPer5Min: Infinity });
    expect(off[0]).toMatchObject({ bursts: 1, addresses: 30 });
    const sut = countOccupancy(samples, options);
    expect(DEFAULT_PHONE_BURSTS_PER_5_MIN).toBe(11);
    expect(sut[0]).toMatchObject({ bursts: 3, estimate: 3, addresses: 30 }); // ⌈30 ÷ 11⌉
    expect(sut[0]!.low).toBeLessThanOrEqual(3);
    expect(sut[0]!.high).toBeGreaterThanOrEqual(3);
    // The bound is per 5 minutes, scaled to the interval: 22 in 10 minutes.
    expect(countOccupancy(samples, { ...options, intervalMs: 10 * MIN })[0]!.bursts).toBe(2);
  });

  it('counts a phone that keeps its address as one, however often it bursts', () => {
    // One address every 5 s for 5 minutes (60 bursts): linked by the address, not by guesses.
    const samples = Array.from({ length: 60 }, (_, i) =>
      probe(T0 + i * 5_000, 'da00000000aa', { fingerprint: 'ios', seq: (i * 577) % 4096 }),
    );
    expect(countOccupancy(samples, options)[0]).toMatchObject({ bursts: 1, estimate: 1 });
  });

  it('drops weak probes and applies the calibration', () => {
    const samples = [probe(T0, '001122334455', { rssi: -90 }), probe(T0, '001122334466')];
    const sut = countOccupancy(samples, {
      ...options,
      minRssi: -80,
      calibration: { devices: 2, bursts: 1, offset: 0.5 },
    });
    expect(sut[0]).toMatchObject({ devices: 1, estimate: 2.5 });
  });

  it('takes devices present in most intervals of a long capture for fixed ones', () => {
    const samples: ProbeSample[] = [];
    for (let i = 0; i < 30; i += 1) {
      samples.push(probe(T0 + i * 5 * MIN, '00aabbccddee'));
      if (i === 3) samples.push(probe(T0 + i * 5 * MIN + 1, '001122334455'));
    }
    const sut = countOccupancy(samples, { ...options, autoFixedShare: 0.5 });
    expect(sut.reduce((s, c) => s + c.devices, 0)).toBe(1);
  });

  it('never counts fewer with the burst bound than without, nor more than addresses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 1_800_000 }),
            mac: fc
              .integer({ min: 0, max: 255 })
              .map((n) => `da00000000${n.toString(16).padStart(2, '0')}`),
            rssi: fc.integer({ min: -70, max: -50 }),
            seq: fc.integer({ min: 0, max: 4095 }),
            fingerprint: fc.constantFrom('a', 'b'),
          }),
          { maxLength: 80 },
        ),
        fc.integer({ min: 1, max: 12 }),
        (raw, bound) => {
          const samples = raw.sort((a, b) => a.at - b.at).map((s) => ({ ...s, at: T0 + s.at }));
          const off = countOccupancy(samples, { ...options, phoneBurstsPer5Min: Infinity });
          const on = countOccupancy(samples, { ...options, phoneBurstsPer5Min: bound });
          return on.every(
            (c, i) =>
              c.bursts >= off[i]!.bursts &&
              c.bursts <= c.addresses &&
              c.low <= c.estimate &&
              c.estimate <= c.high,
          );
        },
      ),
    );
  });

  it('never counts more units than addresses, and never goes negative (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 3_600_000 }),
            mac: fc.constantFrom('001122334455', 'da0000000001', 'da0000000002', '02aabbccddee'),
            rssi: fc.integer({ min: -100, max: -30 }),
            seq: fc.integer({ min: 0, max: 4095 }),
            fingerprint: fc.constantFrom('a', 'b'),
          }),
        ),
        (raw) => {
          const samples = raw.sort((a, b) => a.at - b.at).map((s) => ({ ...s, at: T0 + s.at }));
          return countOccupancy(samples, options).every(
            (c) =>
              c.devices + c.bursts <= c.addresses &&
              c.addresses <= 4 &&
              c.low <= c.estimate &&
              c.estimate <= c.high &&
              c.low >= 0 &&
              c.end - c.start === 5 * MIN,
          );
        },
      ),
    );
  });
});

describe(phonesOfChain.name, () => {
  it('is one phone up to the bound, then one more for every further bound of bursts', () => {
    expect([0, 1, 11, 12, 22, 23].map((b) => phonesOfChain(b, 11))).toEqual([1, 1, 1, 2, 2, 3]);
    expect(phonesOfChain(5, 2.5)).toBe(2);
  });
});

describe(fitCalibration.name, () => {
  it('recovers an exact linear relation and falls back on degenerate input', () => {
    const counts = [
      { devices: 1, bursts: 0 },
      { devices: 2, bursts: 3 },
      { devices: 0, bursts: 5 },
      { devices: 4, bursts: 1 },
    ];
    const truth = counts.map((c) => 2 * c.devices + 0.5 * c.bursts + 1);
    const sut = fitCalibration(counts, truth);
    expect(sut.devices).toBeCloseTo(2);
    expect(sut.bursts).toBeCloseTo(0.5);
    expect(sut.offset).toBeCloseTo(1);
    expect(fitCalibration([{ devices: 0, bursts: 0 }], [3])).toEqual({
      devices: 0,
      bursts: 0,
      offset: 3,
    });
  });
});

describe(accuracy.name, () => {
  it('computes MAE and Pearson, null for a constant side', () => {
    expect(accuracy([1, 2, 3], [2, 4, 6])).toEqual({ mae: 2, pearson: 1, n: 3 });
    expect(accuracy([1, 2, 3], [0, 0, 0]).pearson).toBeNull();
  });
});
