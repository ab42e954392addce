import { Registry } from 'prom-client';
import { countedTotal, TalliedCounter } from './counted-total.js';

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

describe(TalliedCounter.name, () => {
  it('adds the tallied increments per label value at each collection, once', async () => {
    const registry = new Registry();
    const sut = new TalliedCounter({
      name: 'aisle_test_inputs_total',
      help: 'test',
      labelName: 'result',
      registers: [registry],
    });
    const values = async () =>
      Object.fromEntries(
        (await sut.counter.get()).values.map((v) => [String(v.labels.result), v.value]),
      );
    expect(await values()).toEqual({});
    sut.inc('kept');
    sut.inc('kept');
    sut.inc('late');
    expect(await values()).toEqual({ kept: 2, late: 1 });
    expect(await values()).toEqual({ kept: 2, late: 1 });
    sut.inc('late');
    expect(await registry.metrics()).toContain('aisle_test_inputs_total{result="late"} 2');
  });
});
