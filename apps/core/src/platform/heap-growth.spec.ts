import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-growth.js';

describe(heapGrowthFlag.name, () => {
  it('limits the growth by default', () => {
    expect(heapGrowthFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps'], '--trace-warnings')).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
  });

  it('leaves the heap to an operator who sized it, on the command line or in NODE_OPTIONS', () => {
    expect(heapGrowthFlag(['--max-old-space-size=512'], undefined)).toBeNull();
    expect(heapGrowthFlag(['--max-heap-size=600'], undefined)).toBeNull();
    expect(heapGrowthFlag([], '--trace-warnings --heap-growing-percent=20')).toBeNull();
    expect(heapGrowthFlag([], '--max-old-space-size=1024')).toBeNull();
  });
});
