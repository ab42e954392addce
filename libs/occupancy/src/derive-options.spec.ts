import {
  DERIVATION_RULES,
  deriveAssociationOptions,
  derivePhoneBursts,
  type PhoneProbe,
} from './derive-options.js';
import { DEFAULT_ASSOCIATION_OPTIONS } from './probe-association.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
/** A burst of three frames 100 ms apart at `at` (ms after T0), signal `rssi` on sensor `sensor`. */
const burst = (at: number, rssi: number, sensor = 'ch1'): PhoneProbe[] =>
  [0, 100, 200].map((d) => ({ at: T0 + at + d, rssi, sensor }));

describe(deriveAssociationOptions.name, () => {
  it('takes the longest silence between bursts as the window, rounded up, ignoring session gaps', () => {
    const phone = [
      ...burst(0, -60),
      ...burst(60_000, -60),
      ...burst(60_000 + 123_000, -60), // 123 s of silence: the longest within the session
      ...burst(10 * 3_600_000, -60), // hours later: another session, not a silence to bridge
    ];
    const sut = deriveAssociationOptions([phone]);
    expect(sut.windowMs).toBe(130_000);
    expect(sut.longestSilenceMs).toBe(123_000 - 200);
    expect(sut.silences).toBe(2);
  });

  it('takes the 95th percentile of a phone’s own burst-to-burst rise on one sensor as the tolerance', () => {
    // 20 bursts 10 s apart: 19 rises; all +1 dB except one of +12 dB. The 95th percentile of 19
    // (rank 19) is the largest: 12. Two such phones of 20 rises each (two of +12): rank 38 of 40 is
    // +1.
    const phone = (n: number): PhoneProbe[] =>
      Array.from({ length: n }, (_, i) =>
        burst(i * 10_000, i === n - 1 ? -60 + (n - 2) + 12 : -60 + i),
      ).flat();
    expect(deriveAssociationOptions([phone(20)]).rssiTolerance).toBe(12);
    expect(deriveAssociationOptions([phone(21), phone(21)]).rssiTolerance).toBe(1);
  });

  it('compares a burst with the last one on the same sensor only, within the derived window', () => {
    const phone = [
      ...burst(0, -80, 'ch1'),
      ...burst(5_000, -40, 'ch6'),
      ...burst(10_000, -78, 'ch1'),
    ];
    const sut = deriveAssociationOptions([phone]);
    expect(sut.rises).toBe(1);
    expect(sut.rssiTolerance).toBe(2);
  });

  it('falls back on the default tolerance without any pair of bursts', () => {
    const sut = deriveAssociationOptions([burst(0, -60)]);
    expect(sut.rssiTolerance).toBe(DEFAULT_ASSOCIATION_OPTIONS.rssiTolerance);
    expect(sut.windowMs).toBe(DERIVATION_RULES.windowStepMs);
  });
});

describe(derivePhoneBursts.name, () => {
  it('counts a phone’s bursts per 5-min interval of each session and takes the 95th percentile', () => {
    const MIN = 60_000;
    const phone = [
      ...burst(0, -60),
      ...burst(MIN, -60),
      ...burst(2 * MIN, -60), // three bursts in the first interval
      ...burst(12 * MIN, -60), // none in the second, one in the third
      ...burst(10 * 3_600_000, -60), // another session: one interval of one burst
    ];
    const sut = derivePhoneBursts([phone]);
    expect(sut.perInterval).toEqual([0, 1, 1, 3]);
    expect(sut.bursts).toBe(5);
    expect(sut.phoneBurstsPer5Min).toBe(3); // rank ⌈0.95 × 4⌉ = 4 of 4
    // Ten intervals of one burst each, the first with `first` bursts (10 s apart). Twenty intervals
    // pooled over two phones ([1 × 18, 5, 10]): rank 19 of 20, not the single largest.
    const steady = (first: number) =>
      [
        ...Array.from({ length: first }, (_, j) => j * 10_000),
        ...Array.from({ length: 9 }, (_, i) => (i + 1) * 5 * MIN),
      ].flatMap((at) => burst(at, -60));
    expect(derivePhoneBursts([steady(10), steady(5)]).phoneBurstsPer5Min).toBe(5);
  });

  it('is at least one without any burst', () => {
    expect(derivePhoneBursts([]).phoneBurstsPer5Min).toBe(1);
  });
});
