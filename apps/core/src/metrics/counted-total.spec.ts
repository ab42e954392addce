import { Registry } from 'prom-client';
import { countedTotal } from './counted-total.js';

describe(countedTotal.name, () => {
  it('follows the running total at each collection', async () => {
    const registry = new Registry();
    let total = 0;
    countedTotal('aisle_test_dropped_total', 'test', [registry], () => total);
    const value = async () =>
      (await registry.getSingleMetric('aisle_test_dropped_total')!.get()).values[0]?.value;
    expect(await value()).toBe(0);
    total = 3;
    expect(await value()).toBe(3);
    total = 10;
    expect(await value()).toBe(10);
    expect(await value()).toBe(10);
  });
});
