import { HubMetrics } from './hub-metrics.js';

describe(HubMetrics.name, () => {
  it('exports the observations counted by the gate at each scrape, per store and kind', async () => {
    const sut = new HubMetrics({ defaultMetrics: false });
    for (let i = 0; i < 3; i += 1) sut.countObservation('s1', 'wifi');
    sut.countObservation('s1', 'camera');
    sut.countObservation('s2', 'wifi');

    let text = await sut.registry.metrics();
    expect(text).toContain('aisle_observations_total{store="s1",kind="wifi"} 3');
    expect(text).toContain('aisle_observations_total{store="s1",kind="camera"} 1');
    expect(text).toContain('aisle_observations_total{store="s2",kind="wifi"} 1');

    sut.countObservation('s1', 'wifi');
    text = await sut.registry.metrics();
    expect(text).toContain('aisle_observations_total{store="s1",kind="wifi"} 4');
    expect((await sut.observations.get()).values).toContainEqual({
      labels: { store: 's1', kind: 'camera' },
      value: 1,
    });
  });
});
