import { predictTrack, startTrack, trackUncertainty, updateTrack } from './kalman.js';

describe(updateTrack.name, () => {
  it('averages noisy fixes of a static subject and shrinks the uncertainty', () => {
    const noise = [0.8, -1.1, 0.3, -0.4, 1.2, -0.9, 0.5, -0.2, 0.7, -0.6];
    let sut = startTrack(0, 5 + noise[0]!, 5, 2);
    for (let i = 1; i < 40; i += 1) {
      sut = updateTrack(predictTrack(sut, i * 1_000), {
        x: 5 + noise[i % 10]!,
        y: 5 - noise[(i + 3) % 10]!,
        variance: 2,
      });
    }
    expect(Math.hypot(sut.s[0] - 5, sut.s[1] - 5)).toBeLessThan(0.5);
    expect(trackUncertainty(sut)).toBeLessThan(Math.sqrt(4));
  });

  it('follows a subject walking at constant speed', () => {
    let sut = startTrack(0, 0, 0, 1);
    for (let i = 1; i <= 30; i += 1) {
      sut = updateTrack(predictTrack(sut, i * 1_000), { x: i, y: 0, variance: 0.5 });
    }
    expect(sut.s[2]).toBeCloseTo(1, 1);
    expect(Math.abs(sut.s[0] - 30)).toBeLessThan(0.5);
  });

  it('keeps the state finite for absurd inputs', () => {
    const sut = updateTrack(predictTrack(startTrack(0, 0, 0, 1), 1_000), {
      x: 1e200,
      y: -1e200,
      variance: 0,
    });
    expect(sut.s.every(Number.isFinite)).toBe(true);
  });
});

describe('updateTrack with a lagged fix', () => {
  it('removes the lag of fixes that describe the subject half a window ago', () => {
    // A subject walking at 1 m/s; every fix describes where it was 2 s before the update.
    let lagged = startTrack(0, -2, 0, 0.5);
    let naive = startTrack(0, -2, 0, 0.5);
    for (let i = 1; i <= 40; i += 1) {
      const fix = { x: i - 2, y: 0, variance: 0.5 };
      lagged = updateTrack(predictTrack(lagged, i * 1_000), { ...fix, lagS: 2 });
      naive = updateTrack(predictTrack(naive, i * 1_000), fix);
    }
    expect(Math.abs(lagged.s[0] - 40)).toBeLessThan(0.3);
    expect(Math.abs(naive.s[0] - 40)).toBeGreaterThan(1.5);
  });

  it('is the plain update for lag 0 and ignores a non-finite lag', () => {
    const p = predictTrack(startTrack(0, 0, 0, 1), 1_000);
    const fix = { x: 1, y: 2, variance: 1 };
    expect(updateTrack(p, { ...fix, lagS: 0 })).toEqual(updateTrack(p, fix));
    expect(updateTrack(p, { ...fix, lagS: Number.NaN })).toEqual(updateTrack(p, fix));
  });
});
