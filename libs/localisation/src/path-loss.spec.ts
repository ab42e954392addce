import { expectedRssi, fitPathLoss, rssiToDistance } from './path-loss.js';

describe(fitPathLoss.name, () => {
  it('recovers measured power, exponent and per-sensor offsets from exact readings', () => {
    const offsets: Record<string, number> = { a: 2, b: -1, c: -1 };
    const samples = ['a', 'b', 'c'].flatMap((sensorId) =>
      [1, 2, 4, 8, 16].map((distance) => ({
        sensorId,
        distance,
        rssi: -50 + offsets[sensorId]! - 10 * 2.8 * Math.log10(distance),
      })),
    );
    const sut = fitPathLoss({ samples, perSensorOffsets: true })!;
    expect(sut.measuredPower).toBeCloseTo(-50, 9);
    expect(sut.pathLossExponent).toBeCloseTo(2.8, 9);
    expect(sut.receiverOffsets.a).toBeCloseTo(2, 9);
    expect(sut.receiverOffsets.c).toBeCloseTo(-1, 9);
    expect(sut.sigmaDb).toBeCloseTo(0, 6);
  });

  it('holds the exponent when asked, and returns null for too few samples', () => {
    const samples = [1, 3, 9].map((distance) => ({
      sensorId: 'a',
      distance,
      rssi: -40 - 20 * Math.log10(distance),
    }));
    expect(fitPathLoss({ samples, fixedExponent: 2 })!.measuredPower).toBeCloseTo(-40, 9);
    expect(fitPathLoss({ samples: samples.slice(0, 1) })).toBeNull();
    expect(fitPathLoss({ samples: [] })).toBeNull();
  });
});

describe(rssiToDistance.name, () => {
  it('inverts the model and never returns a non-finite range', () => {
    const calibration = { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 1 };
    const rssi = expectedRssi({ calibration, distance: 7, txOffset: -2 });
    expect(rssiToDistance({ calibration, rssi, txOffset: -2 })).toBeCloseTo(7, 9);
    expect(rssiToDistance({ calibration, rssi: -1e308 })).toBeGreaterThan(0);
    expect(Number.isFinite(rssiToDistance({ calibration, rssi: -1e308 }))).toBe(true);
  });
});
