import type { Anchor, LinkMeasurement } from './link.js';
import { locate } from './locate.js';
import { expectedRssi } from './path-loss.js';

const cal = { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 };
const anchor = (id: string, x: number, y: number): Anchor => ({
  id,
  x,
  y,
  z: 2.5,
  calibration: cal,
});
function links(anchors: Anchor[], at: { x: number; y: number }): LinkMeasurement[] {
  return anchors.map((a) => ({
    anchor: a,
    rssi: expectedRssi({ calibration: cal, distance: Math.hypot(at.x - a.x, at.y - a.y, 1.3) }),
    weight: 1,
  }));
}
const tx = { mean: 0, sigmaDb: 6 };

describe(locate.name, () => {
  it('multilaterates with three or more well-spread sensors', () => {
    const sut = locate({
      links: links([anchor('a', 0, 0), anchor('b', 10, 0), anchor('c', 5, 9)], { x: 4, y: 3 }),
      tx,
    })!;
    expect(sut.method).toBe('multilateration');
    expect(sut.x).toBeCloseTo(4, 2);
    expect(sut.y).toBeCloseTo(3, 2);
    expect(sut.sensorCount).toBe(3);
  });

  it('falls back to the weighted centroid for collinear sensors (mirror ambiguity)', () => {
    const line = [anchor('a', 0, 0), anchor('b', 5, 0), anchor('c', 10, 0)];
    const sut = locate({ links: links(line, { x: 3, y: 4 }), tx })!;
    expect(sut.method).toBe('centroid');
    expect(sut.y).toBeCloseTo(0, 9);
    expect(sut.x).toBeGreaterThan(0);
    expect(sut.x).toBeLessThan(10);
    expect(Number.isFinite(sut.uncertainty)).toBe(true);
  });

  it('falls back to the weighted centroid for two sensors, nearer the stronger one', () => {
    const sut = locate({
      links: links([anchor('a', 0, 0), anchor('b', 10, 0)], { x: 2, y: 0 }),
      tx,
    })!;
    expect(sut.method).toBe('centroid');
    expect(sut.x).toBeLessThan(5);
  });

  it('uses the nearest sensor when only one heard the subject', () => {
    const sut = locate({ links: links([anchor('a', 7, 3)], { x: 8, y: 3 }), tx })!;
    expect(sut).toMatchObject({ method: 'nearest', x: 7, y: 3, sensorCount: 1 });
    expect(sut.uncertainty).toBeGreaterThanOrEqual(1);
  });

  it('gives nothing for no sensors or only unusable readings', () => {
    expect(locate({ links: [], tx })).toBeNull();
    const bad = links([anchor('a', 0, 0), anchor('b', 1, 1)], { x: 0, y: 0 }).map((l) => ({
      ...l,
      rssi: Infinity,
    }));
    expect(locate({ links: bad, tx })).toBeNull();
  });

  it('can be forced to a baseline', () => {
    const all = links([anchor('a', 0, 0), anchor('b', 10, 0), anchor('c', 5, 9)], { x: 4, y: 3 });
    expect(locate({ links: all, tx, options: { strategy: 'nearest' } })!.method).toBe('nearest');
    expect(locate({ links: all, tx, options: { strategy: 'centroid' } })!.method).toBe('centroid');
  });

  it('shrinks the solver towards the centroid by the centroid’s known error variance', () => {
    const all = links([anchor('a', 0, 0), anchor('b', 10, 0), anchor('c', 5, 9)], { x: 1, y: 1 });
    const centroid = locate({ links: all, tx, options: { strategy: 'centroid' } })!;
    const ml = locate({ links: all, tx })!;
    const map = locate({ links: all, tx, options: { centroidPriorVarianceM2: 0.5 } })!;
    const pinned = locate({ links: all, tx, options: { centroidPriorVarianceM2: 1e-8 } })!;
    expect(map.method).toBe('multilateration');
    const toCentroid = (f: { x: number; y: number }): number =>
      Math.hypot(f.x - centroid.x, f.y - centroid.y);
    expect(toCentroid(map)).toBeLessThan(toCentroid(ml));
    expect(toCentroid(pinned)).toBeLessThan(0.01);
    expect(locate({ links: all, tx, options: { centroidPriorVarianceM2: Number.NaN } })).toEqual(
      ml,
    );
  });
});
