import fc from 'fast-check';
import { coverageGrid, crlb } from './crlb.js';

describe(crlb.name, () => {
  it('matches the closed form at the centre of a square (Patwari 2005)', () => {
    // Four anchors at distance d on the axes: F = b/d²·2·I, so RMSE = √(2·d²/(2b)) = d/√b.
    const d = 5;
    const n = 2.5;
    const sigma = 4;
    const anchors = [
      { x: d, y: 0 },
      { x: -d, y: 0 },
      { x: 0, y: d },
      { x: 0, y: -d },
    ];
    const b = ((10 * n) / (sigma * Math.LN10)) ** 2;
    const sut = crlb({
      at: { x: 0, y: 0 },
      anchors,
      pathLossExponent: n,
      sigmaDb: sigma,
      unknownTx: false,
    });
    expect(sut).toBeCloseTo(d / Math.sqrt(b), 9);
    // By symmetry the transmit-power parameter is uncorrelated with position there: same bound.
    expect(
      crlb({ at: { x: 0, y: 0 }, anchors, pathLossExponent: n, sigmaDb: sigma, unknownTx: true }),
    ).toBeCloseTo(d / Math.sqrt(b), 9);
  });

  it('is infinite for one anchor, for collinear anchors with unknown power at an on-line point, and for σ = 0', () => {
    expect(
      crlb({
        at: { x: 1, y: 1 },
        anchors: [{ x: 0, y: 0 }],
        pathLossExponent: 2,
        sigmaDb: 4,
        unknownTx: false,
      }),
    ).toBe(Infinity);
    const line = [
      { x: 0, y: 0 },
      { x: 5, y: 0 },
      { x: 10, y: 0 },
    ];
    expect(
      crlb({ at: { x: 3, y: 0 }, anchors: line, pathLossExponent: 2, sigmaDb: 4, unknownTx: true }),
    ).toBe(Infinity);
    expect(
      crlb({ at: { x: 3, y: 3 }, anchors: line, pathLossExponent: 2, sigmaDb: 0, unknownTx: true }),
    ).toBe(Infinity);
  });

  it('never falls when the power is unknown, and scales linearly with σ (property)', () => {
    const pt = fc.record({
      x: fc.double({ min: -20, max: 20, noNaN: true }),
      y: fc.double({ min: -20, max: 20, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(pt, { minLength: 3, maxLength: 8 }),
        pt,
        fc.double({ min: 1, max: 10, noNaN: true }),
        (anchors, at, sigma) => {
          const known = crlb({
            at,
            anchors,
            pathLossExponent: 2.5,
            sigmaDb: sigma,
            unknownTx: false,
          });
          const unknown = crlb({
            at,
            anchors,
            pathLossExponent: 2.5,
            sigmaDb: sigma,
            unknownTx: true,
          });
          if (Number.isFinite(unknown)) expect(unknown).toBeGreaterThanOrEqual(known * (1 - 1e-9));
          const doubled = crlb({
            at,
            anchors,
            pathLossExponent: 2.5,
            sigmaDb: 2 * sigma,
            unknownTx: false,
          });
          if (Number.isFinite(known) && known < 1e4) expect(doubled / known).toBeCloseTo(2, 4);
        },
      ),
    );
  });
});

describe(coverageGrid.name, () => {
  it('covers the floor plan with finite bounds that are best near the anchors', () => {
    const anchors = [
      { x: 2, y: 2, z: 2.5 },
      { x: 18, y: 2, z: 2.5 },
      { x: 10, y: 12, z: 2.5 },
    ];
    const sut = coverageGrid({
      width: 20,
      height: 14,
      step: 2,
      anchors,
      pathLossExponent: 2.5,
      sigmaDb: 4,
      unknownTx: true,
      deviceHeight: 1.2,
    });
    expect(sut.cols).toBe(10);
    expect(sut.rows).toBe(7);
    expect(sut.values.flat().every((v) => v === null || (Number.isFinite(v) && v > 0))).toBe(true);
    const inside = sut.values[2]![4]!; // (9, 5): inside the triangle
    const corner = sut.values[6]![0]!; // (1, 13): far outside it
    expect(inside).toBeLessThan(corner);
    expect(sut.median).not.toBeNull();
  });
});
