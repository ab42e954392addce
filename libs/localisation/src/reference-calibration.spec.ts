import { expectedRssi } from './path-loss.js';
import { ReferenceCalibrator } from './reference-calibration.js';

const sensors = [
  { id: 'a', x: 2, y: 2, z: 2.5 },
  { id: 'b', x: 18, y: 2, z: 2.5 },
  { id: 'c', x: 18, y: 12, z: 2.5 },
  { id: 'd', x: 2, y: 12, z: 2.5 },
];
const beacons = [
  { x: 5, y: 4, z: 1 },
  { x: 14, y: 9, z: 1 },
];
/** The store's truth: exponent 3.1, beacon power −59 dBm at 1 m, receiver b 4 dB hot, d 4 dB deaf. */
const TRUTH = { measuredPower: -59, pathLossExponent: 3.1 };
const OFFSETS: Record<string, number> = { a: 0, b: 4, c: 0, d: -4 };
/** Deterministic ±3 dB "noise". */
const wobble = (i: number): number => 3 * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

function feed(sut: ReferenceCalibrator, refs: typeof beacons, rounds: number, t0 = 0): void {
  let i = 0;
  for (let r = 0; r < rounds; r += 1) {
    for (const reference of refs) {
      for (const sensor of sensors) {
        const distance = Math.hypot(sensor.x - reference.x, sensor.y - reference.y, 1.5);
        const rssi =
          expectedRssi({
            calibration: { ...TRUTH, receiverOffset: OFFSETS[sensor.id] ?? 0 },
            distance,
          }) + wobble((i += 1));
        sut.add({ sensorId: sensor.id, sensor, reference, rssi, at: t0 + r * 1_000 });
      }
    }
  }
}

describe(ReferenceCalibrator.name, () => {
  it('recovers the exponent and the per-sensor offsets from two reference beacons', () => {
    const sut = new ReferenceCalibrator();
    feed(sut, beacons, 100);
    const result = sut.fit(100_000);
    expect(result.reason).toBeNull();
    expect(result.perSensorOffsets).toBe(true);
    expect(result.samples).toBe(800);
    expect(result.references).toBe(2);
    expect(result.sensors).toEqual({
      a: { samples: 200, references: 2 },
      b: { samples: 200, references: 2 },
      c: { samples: 200, references: 2 },
      d: { samples: 200, references: 2 },
    });
    const fit = result.fit!;
    expect(fit.pathLossExponent).toBeCloseTo(3.1, 0);
    expect(Math.abs(fit.pathLossExponent - 3.1)).toBeLessThan(0.3);
    // Offsets are relative to the fleet's mean (they sum to zero): the truth's mean is 0.
    for (const [id, offset] of Object.entries(OFFSETS)) {
      expect(Math.abs((fit.receiverOffsets[id] ?? NaN) - offset)).toBeLessThan(1);
    }
    expect(fit.sigmaDb).toBeGreaterThan(0.5);
    expect(fit.sigmaDb).toBeLessThan(3);
  });

  it('fits no per-sensor offsets from a single reference position', () => {
    const sut = new ReferenceCalibrator();
    feed(sut, beacons.slice(0, 1), 100);
    const result = sut.fit(100_000);
    expect(result.perSensorOffsets).toBe(false);
    expect(result.fit?.receiverOffsets).toEqual({});
  });

  it('refuses to fit from too few samples or sensors, and says why', () => {
    const sut = new ReferenceCalibrator();
    feed(sut, beacons, 5);
    expect(sut.fit(5_000)).toMatchObject({
      fit: null,
      reason: 'needs 50 reference samples, has 40',
    });
    const few = new ReferenceCalibrator({ minSamples: 1 });
    few.add({ sensorId: 'a', sensor: sensors[0]!, reference: beacons[0]!, rssi: -70, at: 0 });
    expect(few.fit(0).reason).toBe('needs reference samples from 3 sensors, has 1');
  });

  it('refuses a fit outside the plausible range', () => {
    const sut = new ReferenceCalibrator({ minSamples: 4 });
    // RSSI rising with distance: a negative exponent.
    for (const sensor of sensors) {
      for (const reference of beacons) {
        const d = Math.hypot(sensor.x - reference.x, sensor.y - reference.y);
        sut.add({ sensorId: sensor.id, sensor, reference, rssi: -90 + d, at: 0 });
      }
    }
    const result = sut.fit(0);
    expect(result.fit).toBeNull();
    expect(result.reason).toMatch(/exponent -?\d+\.\d+ is outside 1–6/);
  });

  it('rejects unusable readings and forgets old ones', () => {
    const sut = new ReferenceCalibrator({ maxAgeMs: 10_000 });
    const reading = {
      sensorId: 'a',
      sensor: sensors[0]!,
      reference: beacons[0]!,
      rssi: -70,
      at: 0,
    };
    expect(sut.add({ ...reading, rssi: NaN })).toBe(false);
    expect(sut.add({ ...reading, reference: { x: 2, y: 2, z: 2.5 } })).toBe(false);
    expect(sut.add(reading)).toBe(true);
    expect(sut.fit(5_000).samples).toBe(1);
    expect(sut.fit(20_000).samples).toBe(0);
  });
});
