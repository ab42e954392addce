import { Prng } from './prng.js';

describe(Prng.name, () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const first = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(first);
  });

  it('stays in range', () => {
    const sut = new Prng(7);
    for (let i = 0; i < 10_000; i += 1) {
      const f = sut.float();
      expect(f >= 0 && f < 1).toBe(true);
      const n = sut.int(1, 3);
      expect([1, 2, 3]).toContain(n);
    }
  });

  it('draws normals with the asked mean and deviation, and exponentials with the asked rate', () => {
    const sut = new Prng(1);
    const n = 50_000;
    const normals = Array.from({ length: n }, () => sut.normal(-60, 4));
    const mean = normals.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(normals.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    expect(mean).toBeCloseTo(-60, 1);
    expect(sd).toBeGreaterThan(3.9);
    expect(sd).toBeLessThan(4.1);
    const waits = Array.from({ length: n }, () => sut.exponential(0.5));
    expect(waits.reduce((s, v) => s + v, 0) / n).toBeCloseTo(2, 1);
  });
});
