import {
  createDemoSimulator,
  demoUnpublishedMs,
  DEMO_UNPUBLISHED_MS,
  DEMO_WARM_UP_MS,
} from './demo-simulator.js';

describe(createDemoSimulator.name, () => {
  it('starts with shoppers inside and every radio sensor reporting within seconds', () => {
    const now = Date.UTC(2026, 0, 1, 15, 0, 30);
    const sut = createDemoSimulator({ seed: 1, now });
    // The last second is left to the simulator loop's first step, which publishes it at once.
    expect(sut.time).toBe(now - DEMO_UNPUBLISHED_MS);
    let inside = 0;
    const sensors = new Set<string>();
    for (let i = 0; i < 10; i += 1) {
      const out = sut.step(1_000);
      inside = Math.max(inside, out.groundTruth.occupancy);
      for (const o of out.observations) sensors.add(o.sensorId);
    }
    expect(inside).toBeGreaterThan(0);
    expect(sensors.size).toBeGreaterThanOrEqual(5);
    expect(DEMO_WARM_UP_MS).toBeGreaterThan(0);
  });

  it('leaves to the first step no time before the current minute (so none before the hour)', () => {
    const hour = Date.UTC(2026, 0, 1, 15, 0, 0);
    expect(demoUnpublishedMs(hour + 30_000)).toBe(DEMO_UNPUBLISHED_MS);
    expect(demoUnpublishedMs(hour + 400)).toBe(400);
    expect(demoUnpublishedMs(hour)).toBe(0);
    expect(createDemoSimulator({ seed: 1, now: hour + 400 }).time).toBe(hour);
    expect(createDemoSimulator({ seed: 1, now: hour }).time).toBe(hour);
  });
});
