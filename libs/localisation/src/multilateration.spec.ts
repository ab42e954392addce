import fc from 'fast-check';
import type { Anchor, LinkMeasurement } from './link.js';
import { multilaterate } from './multilateration.js';
import { expectedRssi, type PathLossCalibration } from './path-loss.js';

const CAL: PathLossCalibration = { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 };

function anchor(id: string, x: number, y: number, z = 0): Anchor {
  return { id, x, y, z, calibration: CAL };
}

function exactLinks(params: {
  anchors: Anchor[];
  at: { x: number; y: number };
  txOffset?: number;
  height?: number;
}): LinkMeasurement[] {
  return params.anchors.map((a) => ({
    anchor: a,
    rssi: expectedRssi({
      calibration: a.calibration,
      distance: Math.hypot(params.at.x - a.x, params.at.y - a.y, a.z - (params.height ?? 0)),
      txOffset: params.txOffset,
    }),
    weight: 1,
  }));
}

describe(multilaterate.name, () => {
  const triangle = [anchor('a', 0, 0), anchor('b', 10, 0), anchor('c', 0, 10)];

  it('recovers the exact point from three sensors with exact ranges (known power)', () => {
    const sut = multilaterate({
      links: exactLinks({ anchors: triangle, at: { x: 3, y: 4 } }),
      sigmaDb: 4,
      deviceHeight: 0,
      tx: { mean: 0, sigmaDb: 0 },
    });
    expect(sut).not.toBeNull();
    expect(sut!.x).toBeCloseTo(3, 4);
    expect(sut!.y).toBeCloseTo(4, 4);
    expect(sut!.txOffset).toBe(0);
    expect(sut!.uncertainty).toBeGreaterThan(0);
  });

  it('recovers point and unknown transmit power jointly from four sensors with 3-D heights', () => {
    const anchors = [
      anchor('a', 0, 0, 2.5),
      anchor('b', 12, 0, 2.5),
      anchor('c', 12, 9, 2.5),
      anchor('d', 0, 9, 2.5),
    ];
    const sut = multilaterate({
      links: exactLinks({ anchors, at: { x: 8, y: 2 }, txOffset: 3.5, height: 1.2 }),
      sigmaDb: 4,
      deviceHeight: 1.2,
      tx: { mean: 0, sigmaDb: Infinity },
    });
    expect(sut!.x).toBeCloseTo(8, 3);
    expect(sut!.y).toBeCloseTo(2, 3);
    expect(sut!.txOffset).toBeCloseTo(3.5, 3);
  });

  it('is symmetric: mirrored layout and readings give the mirrored point', () => {
    const anchors = [anchor('a', 0, 0), anchor('b', 10, 0), anchor('c', 5, 8), anchor('d', 2, 6)];
    const links = exactLinks({ anchors, at: { x: 6, y: 3 } }).map((l, i) => ({
      ...l,
      rssi: l.rssi + [1.5, -2, 0.5, 1][i]!,
    }));
    const mirrored = links.map((l) => ({ ...l, anchor: { ...l.anchor, x: -l.anchor.x } }));
    const tx = { mean: 0, sigmaDb: 6 };
    const sut = multilaterate({ links, sigmaDb: 4, deviceHeight: 0, tx });
    const mirror = multilaterate({ links: mirrored, sigmaDb: 4, deviceHeight: 0, tx });
    expect(mirror!.x).toBeCloseTo(-sut!.x, 3);
    expect(mirror!.y).toBeCloseTo(sut!.y, 3);
    expect(mirror!.uncertainty).toBeCloseTo(sut!.uncertainty, 3);
  });

  it('returns null for no sensors and for only non-finite readings', () => {
    const tx = { mean: 0, sigmaDb: 6 };
    expect(multilaterate({ links: [], sigmaDb: 4, deviceHeight: 0, tx })).toBeNull();
    const bad = triangle.map((a) => ({ anchor: a, rssi: NaN, weight: 1 }));
    expect(multilaterate({ links: bad, sigmaDb: 4, deviceHeight: 0, tx })).toBeNull();
  });

  it('shrinks the uncertainty when readings are averaged (weight)', () => {
    const links = exactLinks({ anchors: triangle, at: { x: 3, y: 4 } });
    const tx = { mean: 0, sigmaDb: 0 };
    const one = multilaterate({ links, sigmaDb: 4, deviceHeight: 0, tx })!;
    const four = multilaterate({
      links: links.map((l) => ({ ...l, weight: 4 })),
      sigmaDb: 4,
      deviceHeight: 0,
      tx,
    })!;
    expect(four.uncertainty).toBeCloseTo(one.uncertainty / 2, 6);
  });

  it('down-weights one corrupted reading with the robust loss', () => {
    const anchors = [
      anchor('a', 0, 0),
      anchor('b', 10, 0),
      anchor('c', 10, 10),
      anchor('d', 0, 10),
      anchor('e', 5, -3),
      anchor('f', 5, 13),
    ];
    const at = { x: 4, y: 6 };
    const links = exactLinks({ anchors, at });
    links[2] = { ...links[2]!, rssi: links[2]!.rssi - 25 };
    const tx = { mean: 0, sigmaDb: 0 };
    const robust = multilaterate({ links, sigmaDb: 4, deviceHeight: 0, tx, loss: 'cauchy' })!;
    const plain = multilaterate({ links, sigmaDb: 4, deviceHeight: 0, tx, loss: 'none' })!;
    const err = (r: { x: number; y: number }) => Math.hypot(r.x - at.x, r.y - at.y);

    expect(err(robust)).toBeLessThan(0.5 * err(plain));
  });

  it('never returns NaN or ∞ and stays inside its bounds, whatever the readings (property)', () => {
    const finiteCoord = fc.double({ min: -50, max: 50, noNaN: true });
    const reading = fc.oneof(
      fc.double({ min: -120, max: 0, noNaN: true }),
      fc.constantFrom(NaN, Infinity, -Infinity),
    );
    const link = fc.record({
      x: finiteCoord,
      y: finiteCoord,
      z: fc.double({ min: 0, max: 4, noNaN: true }),
      rssi: reading,
      weight: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(
        fc.array(link, { maxLength: 8 }),
        fc.constantFrom(0, 6, Infinity),
        (raw, txSigma) => {
          const bounds = { minX: -60, minY: -60, maxX: 60, maxY: 60 };
          const r = multilaterate({
            links: raw.map((l, i) => ({
              anchor: anchor(`s${i}`, l.x, l.y, l.z),
              rssi: l.rssi,
              weight: l.weight,
            })),
            sigmaDb: 4,
            deviceHeight: 1.2,
            tx: { mean: 0, sigmaDb: txSigma },
            bounds,
          });
          if (r === null) return;
          for (const v of [r.x, r.y, r.txOffset, r.uncertainty, r.cost]) {
            expect(Number.isFinite(v)).toBe(true);
          }
          expect(r.x).toBeGreaterThanOrEqual(bounds.minX);
          expect(r.x).toBeLessThanOrEqual(bounds.maxX);
          expect(r.y).toBeGreaterThanOrEqual(bounds.minY);
          expect(r.y).toBeLessThanOrEqual(bounds.maxY);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds any point inside a well-spread layout from exact readings (property)', () => {
    const anchors = [
      anchor('a', 0, 0, 2.5),
      anchor('b', 20, 0, 2.5),
      anchor('c', 20, 15, 2.5),
      anchor('d', 0, 15, 2.5),
      anchor('e', 10, 7, 2.5),
    ];
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 19.5, noNaN: true }),
        fc.double({ min: 0.5, max: 14.5, noNaN: true }),
        fc.double({ min: -4, max: 4, noNaN: true }),
        (x, y, tx) => {
          const r = multilaterate({
            links: exactLinks({ anchors, at: { x, y }, txOffset: tx, height: 1.2 }),
            sigmaDb: 4,
            deviceHeight: 1.2,
            tx: { mean: 0, sigmaDb: Infinity },
          })!;
          expect(Math.hypot(r.x - x, r.y - y)).toBeLessThan(1e-2);
          expect(Math.abs(r.txOffset - tx)).toBeLessThan(1e-2);
        },
      ),
      { numRuns: 200 },
    );
  });

  describe('with a position prior (MAP)', () => {
    const links = exactLinks({ anchors: triangle, at: { x: 3, y: 4 } });
    const base = { links, sigmaDb: 4, deviceHeight: 0, tx: { mean: 0, sigmaDb: 0 } };

    it('is the ML fix for a vague prior and the prior mean for a tight one', () => {
      const ml = multilaterate(base)!;
      const vague = multilaterate({ ...base, positionPrior: { x: 9, y: 9, variance: 1e8 } })!;
      const tight = multilaterate({ ...base, positionPrior: { x: 9, y: 9, variance: 1e-6 } })!;
      expect(vague.x).toBeCloseTo(ml.x, 3);
      expect(vague.y).toBeCloseTo(ml.y, 3);
      expect(tight.x).toBeCloseTo(9, 2);
      expect(tight.y).toBeCloseTo(9, 2);
    });

    it('shrinks towards the prior and reports the (smaller) posterior covariance', () => {
      const ml = multilaterate(base)!;
      const map = multilaterate({ ...base, positionPrior: { x: 9, y: 9, variance: 2 } })!;
      expect(Math.hypot(map.x - 9, map.y - 9)).toBeLessThan(Math.hypot(ml.x - 9, ml.y - 9));
      expect(map.uncertainty).toBeLessThan(ml.uncertainty);
    });

    it('makes a collinear layout solvable and ignores a non-finite or non-positive prior', () => {
      const line = [anchor('a', 0, 0), anchor('b', 5, 0), anchor('c', 10, 0)];
      const onLine = {
        ...base,
        links: exactLinks({ anchors: line, at: { x: 4, y: 3 } }),
        tx: { mean: 0, sigmaDb: 6 },
      };
      const map = multilaterate({ ...onLine, positionPrior: { x: 4, y: 2, variance: 4 } });
      expect(map).not.toBeNull();
      expect([map!.x, map!.y, map!.uncertainty].every(Number.isFinite)).toBe(true);
      for (const variance of [0, -1, Number.NaN, Infinity]) {
        expect(multilaterate({ ...base, positionPrior: { x: 9, y: 9, variance } })).toEqual(
          multilaterate(base),
        );
      }
      expect(
        multilaterate({ ...base, positionPrior: { x: Number.NaN, y: 9, variance: 1 } }),
      ).toEqual(multilaterate(base));
    });
  });
});
