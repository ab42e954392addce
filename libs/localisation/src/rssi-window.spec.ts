import { pushReading, type LinkWindow } from './rssi-window.js';

describe(pushReading.name, () => {
  it('keeps the latest maxSamples readings, oldest first', () => {
    const window: LinkWindow = { at: [], rssi: [] };
    for (let i = 0; i < 30; i += 1) pushReading(window, 1000 + i, -40 - i, 12);
    expect(window.at).toEqual(Array.from({ length: 12 }, (_, k) => 1018 + k));
    expect(window.rssi).toEqual(Array.from({ length: 12 }, (_, k) => -58 - k));
  });

  it('fills up to maxSamples before dropping, and keeps nothing with a bound of 0', () => {
    const window: LinkWindow = { at: [], rssi: [] };
    pushReading(window, 1, -50, 3);
    pushReading(window, 2, -51, 3);
    expect(window).toEqual({ at: [1, 2], rssi: [-50, -51] });
    pushReading(window, 3, -52, 3);
    pushReading(window, 4, -53, 3);
    expect(window).toEqual({ at: [2, 3, 4], rssi: [-51, -52, -53] });
    const none: LinkWindow = { at: [], rssi: [] };
    pushReading(none, 1, -50, 0);
    expect(none).toEqual({ at: [], rssi: [] });
  });
});
