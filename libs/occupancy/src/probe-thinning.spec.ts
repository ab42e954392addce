import type { ProbeSample } from './probe-occupancy.js';
import {
  keepProbe,
  keptInInterval,
  OCCUPANCY_REPEAT_MS,
  OCCUPANCY_STRETCH_MS,
  thinProbe,
  type ProbeStretch,
} from './probe-thinning.js';

const INTERVAL_MS = 300_000;

/** Offers probes of one subject at `times` (s); returns what was kept and each outcome. */
function run(times: number[]): {
  kept: ProbeSample[];
  results: string[];
  stretches: Map<string, ProbeStretch>;
} {
  const stretches = new Map<string, ProbeStretch>();
  const kept: ProbeSample[] = [];
  const results: string[] = [];
  times.forEach((t, i) => {
    const probe = { at: t * 1000, rssi: -60 - i, seq: i };
    const stretch = stretches.get('a');
    const result = thinProbe(stretch, probe, `s${i}`, INTERVAL_MS);
    results.push(result);
    if (result !== 'keep') return;
    const sample: ProbeSample = { ...probe, mac: 'a', sensor: `s${i}` };
    keepProbe(stretches, stretch, sample, INTERVAL_MS);
    kept.push(sample);
  });
  return { kept, results, stretches };
}

describe('probe thinning (repeat and stretch rules)', () => {
  it('folds a repeat within 5 s into the kept sample, carrying only its sequence number', () => {
    const { kept, results } = run([0, 2, 4]);
    expect(OCCUPANCY_REPEAT_MS).toBe(5_000);
    expect(results).toEqual(['keep', 'repeat', 'repeat']);
    expect(kept).toEqual([{ at: 0, rssi: -60, seq: 2, mac: 'a', sensor: 's0' }]);
  });

  it('keeps the first and the latest sample of a 100-s stretch, the latest moved forward', () => {
    const { kept, results } = run([0, 10, 20, 30, 105]);
    expect(OCCUPANCY_STRETCH_MS).toBe(100_000);
    expect(results).toEqual(['keep', 'keep', 'thinned', 'thinned', 'keep']);
    expect(kept.map((s) => s.at)).toEqual([0, 30_000, 105_000]);
    expect(kept[1]).toMatchObject({ rssi: -63, seq: 3, sensor: 's3' });
  });

  it('never lets a stretch span two intervals', () => {
    const { kept, results } = run([280, 290, 302]);
    expect(results).toEqual(['keep', 'keep', 'keep']);
    expect(kept.map((s) => s.at)).toEqual([280_000, 290_000, 302_000]);
  });

  it('counts the samples kept in the interval across its stretches, from 0 in the next', () => {
    const { stretches } = run([0, 10, 20, 105, 110, 205]);
    // kept: 0 and 20 (stretch 1), 105 and 110 (stretch 2), 205 (stretch 3): 5 in interval 0
    const stretch = stretches.get('a');
    expect(stretch?.kept).toBe(5);
    expect(keptInInterval(stretch, 250_000, INTERVAL_MS)).toBe(5);
    expect(keptInInterval(stretch, 301_000, INTERVAL_MS)).toBe(0);
    expect(keptInInterval(undefined, 0, INTERVAL_MS)).toBe(0);
    const next = run([0, 10, 302]).stretches.get('a');
    expect(next?.kept).toBe(1);
  });
});
