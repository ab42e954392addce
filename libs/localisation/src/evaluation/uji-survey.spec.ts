import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateUjiSurvey, parseUjiSurvey } from './uji-survey.js';

const DIR = join(process.cwd(), '..', 'shared', 'data', 'uji-ble-library');
const read = (path: string): string => readFileSync(join(DIR, path), 'utf8');

describe(evaluateUjiSurvey.name, () => {
  const survey = parseUjiSurvey({
    dep: read('dep/lib.csv'),
    rss: read('rss/lib_rss.csv'),
    crd: read('rss/lib_crd.csv'),
    ids: read('rss/lib_ids.csv'),
  });

  it('reads the real survey: 24 beacons, 2100 scans, 100 = not heard', () => {
    expect(survey.beacons).toHaveLength(24);
    expect(survey.scans).toHaveLength(2100);
    expect(
      survey.scans.flatMap((s) => s.rssi).every((r) => r === null || (r < 0 && r > -127)),
    ).toBe(true);
  });

  it('beats nearest-beacon on held-out survey points and stays close to the inverse-square centroid (every 2nd scan)', () => {
    const sut = evaluateUjiSurvey({ survey, every: 2 })!;
    expect(sut.testScans).toBeGreaterThan(400);
    for (const fit of Object.values(sut.fits)) {
      expect(fit.pathLossExponent).toBeGreaterThan(1.5);
      expect(fit.pathLossExponent).toBeLessThan(4.5);
    }
    const { singleScan, window } = sut;
    expect(singleScan.aisle.median).toBeLessThan(singleScan.nearest.median);
    expect(singleScan.aisle.p95).toBeLessThan(singleScan.nearest.p95);
    expect(window.aisle.median).toBeLessThan(window.nearest.median);
    expect(window.aisle.p95).toBeLessThan(window.nearest.p95);
    // On this survey (σ ≈ 6–7 dB, 2-D, heavy fading) the inverse-square weighted centroid is a strong
    // baseline: Aisle's solver is not yet better than it (see the benchmark); it must stay within 25 %.
    expect(singleScan.aisle.median).toBeLessThan(1.25 * singleScan.centroid.median);
    expect(window.aisle.p95).toBeLessThan(1.25 * window.centroid.p95);
  });

  it('names the file, line and value of a malformed row', () => {
    expect(() =>
      parseUjiSurvey({ dep: 'id,x,y\n1,0,0\n', rss: 'abc\n', crd: '1,1\n', ids: '10000101\n' }),
    ).toThrow('rss line 1 column 1: not a number: "abc"');
  });
});
