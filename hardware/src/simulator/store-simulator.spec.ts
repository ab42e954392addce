import { isLocallyAdministered, isMulticast, normaliseMac, type Observation } from '@aisle/sdk';
import { DEMO_REFERENCE_BEACONS, demoStoreLayout } from './demo-store.layout.js';
import { StoreSimulator, type SimulatorOutput } from './store-simulator.js';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const MINUTE = 60_000;

function run(sut: StoreSimulator, durationMs: number, stepMs: number): SimulatorOutput[] {
  const outputs: SimulatorOutput[] = [];
  for (let t = 0; t < durationMs; t += stepMs) outputs.push(sut.step(stepMs));
  return outputs;
}

describe(StoreSimulator.name, () => {
  const layout = demoStoreLayout();
  const sensors = new Map(layout.sensors.map((s) => [s.id, s]));

  it('lets reference beacons advertise once a second to every BLE sensor, changing nothing else', () => {
    const plain = new StoreSimulator({ seed: 4, startAt: START });
    const withBeacons = new StoreSimulator({
      seed: 4,
      startAt: START,
      referenceBeacons: DEMO_REFERENCE_BEACONS,
    });
    const a = run(plain, MINUTE, 1_000).flatMap((o) => o.observations);
    const b = run(withBeacons, MINUTE, 1_000).flatMap((o) => o.observations);
    const isBeacon = (o: Observation): boolean => o.kind === 'ble' && o.beaconId !== undefined;
    expect(b.filter((o) => !isBeacon(o))).toEqual(a);
    const beacons = b.filter(isBeacon);
    const radios = layout.sensors.filter((s) => s.kinds.includes('ble')).length;
    // 60 advertisements of 2 beacons, each heard by (nearly) every BLE sensor.
    expect(beacons.length).toBeGreaterThan(0.95 * 60 * 2 * radios);
    expect(beacons.length).toBeLessThanOrEqual(60 * 2 * radios);
    const ids = new Set(beacons.map((o) => (o.kind === 'ble' ? o.beaconId : undefined)));
    expect(ids).toEqual(new Set(DEMO_REFERENCE_BEACONS.map((r) => r.beaconId)));
    // Near beacon, near sensor: radio-5 (17, 12) is 7.4 m from the beacon at (10, 10).
    const heard = beacons.filter(
      (o) => o.sensorId === 'radio-5' && o.kind === 'ble' && o.beaconId?.endsWith(':1'),
    );
    const mean = heard.reduce((sum, o) => sum + (o.kind === 'ble' ? o.rssi : 0), 0) / heard.length;
    const d = Math.hypot(7, 2, 0.5);
    expect(Math.abs(mean - (-55 - 25 * Math.log10(d)))).toBeLessThan(2);
  });

  it('is deterministic for a seed, however the time is sliced into steps', () => {
    const a = new StoreSimulator({ seed: 7, startAt: START });
    const b = new StoreSimulator({ seed: 7, startAt: START });
    const c = new StoreSimulator({ seed: 8, startAt: START });
    const fromA = run(a, 5 * MINUTE, 1_000);
    const fromB = [b.step(2 * MINUTE + 350), b.step(3 * MINUTE - 350)];
    const fromC = run(c, 5 * MINUTE, 1_000);
    const observations = (outputs: SimulatorOutput[]): Observation[] =>
      outputs.flatMap((o) => o.observations);
    expect(observations(fromA).length).toBeGreaterThan(100);
    expect(observations(fromB)).toEqual(observations(fromA));
    // (entries/exits are per step, so only the state is compared)
    const { people, occupancy, at } = fromA.at(-1)!.groundTruth;
    expect(fromB.at(-1)?.groundTruth).toMatchObject({ people, occupancy, at });
    expect(observations(fromC)).not.toEqual(observations(fromA));
    expect(a.time).toBe(START + 5 * MINUTE);
  });

  it.each([2, 4, 6])('reports RSSI from the log-distance model with noise σ = %d dB', (sigmaDb) => {
    const sut = new StoreSimulator({ seed: 11, startAt: START, sigmaDb, arrivalsPerMinute: 8 });
    const residuals: number[] = [];
    // Steps of one tick, so ground-truth positions are where the phone was when it was heard.
    for (const { observations, groundTruth } of run(sut, 12 * MINUTE, 100)) {
      const byAddress = new Map<string, { x: number; y: number; offset: number }>();
      for (const person of groundTruth.people) {
        if (!person.phone) continue;
        const { x, y } = person;
        const mac = person.macs.at(-1);
        const ble = person.bleAddresses.at(-1);
        if (mac) byAddress.set(mac, { x, y, offset: person.phone.wifiOffsetDb });
        if (ble) byAddress.set(ble, { x, y, offset: person.phone.bleOffsetDb ?? NaN });
      }
      for (const o of observations) {
        if (o.kind === 'camera') continue;
        const phone = byAddress.get(o.kind === 'wifi' ? o.mac : (o.address ?? ''));
        const sensor = sensors.get(o.sensorId);
        if (!phone || !sensor) {
          throw new Error(`observation without a phone or sensor: ${o.sensorId}`);
        }
        const d = Math.hypot(phone.x - sensor.x, phone.y - sensor.y, sensor.z - 1.2);
        const expected =
          sensor.calibration.measuredPower +
          phone.offset -
          10 * sensor.calibration.pathLossExponent * Math.log10(d);
        // Far from the sensitivity floor only: near it, weak draws are cut off and bias the mean.
        if (expected > -95 + 4 * sigmaDb) residuals.push(o.rssi - expected);
      }
    }
    const n = residuals.length;
    const mean = residuals.reduce((s, r) => s + r, 0) / n;
    const sd = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1));
    expect(n).toBeGreaterThan(5_000);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    // Rounding to whole dBm adds 1/12 dB² of variance.
    expect(sd).toBeCloseTo(Math.sqrt(sigmaDb ** 2 + 1 / 12), 1);
  });

  it('only reports signals above the sensitivity floor', () => {
    const sut = new StoreSimulator({ seed: 3, startAt: START, sensitivityDbm: -70 });
    const rssi = run(sut, 10 * MINUTE, 1_000)
      .flatMap((o) => o.observations)
      .flatMap((o) => (o.kind === 'camera' ? [] : [o.rssi]));
    expect(rssi.length).toBeGreaterThan(0);
    expect(Math.min(...rssi)).toBeGreaterThanOrEqual(-70);
  });

  it('ground-truth occupancy is the number of people inside, and follows the true crossings', () => {
    const sut = new StoreSimulator({ seed: 5, startAt: START, arrivalsPerMinute: 5 });
    let entered = 0;
    let maxOccupancy = 0;
    const problems: string[] = [];
    for (const { groundTruth } of run(sut, 30 * MINUTE, 1_000)) {
      const inside = groundTruth.people.filter((p) => p.inside).length;
      entered += groundTruth.entries - groundTruth.exits;
      if (groundTruth.occupancy !== inside || groundTruth.occupancy !== entered) {
        problems.push(
          `${groundTruth.at}: occupancy ${groundTruth.occupancy}, inside ${inside}, net crossings ${entered}`,
        );
      }
      maxOccupancy = Math.max(maxOccupancy, groundTruth.occupancy);
      for (const p of groundTruth.people) {
        if (p.inside !== p.y > 2 || (p.zoneId === 'storefront') === p.inside) {
          problems.push(`${p.personId} at (${p.x}, ${p.y}) in ${p.zoneId}, inside ${p.inside}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(maxOccupancy).toBeGreaterThan(5);
  });

  it('passers-by never enter the store', () => {
    const sut = new StoreSimulator({
      seed: 9,
      startAt: START,
      arrivalsPerMinute: 0,
      passersByPerMinute: 30,
    });
    let seen = 0;
    const problems: string[] = [];
    for (const { groundTruth } of run(sut, 20 * MINUTE, 500)) {
      if (groundTruth.occupancy !== 0 || groundTruth.entries !== 0) {
        problems.push(`${groundTruth.at}: occupancy ${groundTruth.occupancy}`);
      }
      for (const p of groundTruth.people) {
        seen += 1;
        if (p.role !== 'passer-by' || p.inside || p.zoneId !== 'storefront') {
          problems.push(`${p.personId} (${p.role}) at (${p.x}, ${p.y}) in ${p.zoneId}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(seen).toBeGreaterThan(1_000);
  });

  it('phones use unicast locally administered MACs and rotate them within ~15 minutes', () => {
    const sut = new StoreSimulator({ seed: 13, startAt: START, arrivalsPerMinute: 4 });
    const firstSeen = new Map<string, number>();
    const lastSeen = new Map<string, number>();
    const owners = new Map<string, string>();
    let rotated = 0;
    const problems: string[] = [];
    for (const { observations, groundTruth } of run(sut, 60 * MINUTE, 1_000)) {
      for (const o of observations) {
        if (o.kind !== 'wifi') continue;
        const mac = normaliseMac(o.mac);
        if (mac === null || !isLocallyAdministered(mac) || isMulticast(mac)) {
          problems.push(`not a unicast locally administered MAC: ${o.mac}`);
        }
        if (!firstSeen.has(o.mac)) firstSeen.set(o.mac, o.at);
        lastSeen.set(o.mac, o.at);
      }
      for (const person of groundTruth.people) {
        if (person.macs.length > 1) rotated += 1;
        for (const mac of person.macs) {
          const owner = owners.get(mac) ?? person.personId;
          if (owner !== person.personId) {
            problems.push(`${mac} used by ${owner} and ${person.personId}`);
          }
          owners.set(mac, person.personId);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(rotated).toBeGreaterThan(0);
    expect(firstSeen.size).toBeGreaterThan(50);
    for (const [mac, first] of firstSeen) {
      expect((lastSeen.get(mac) ?? first) - first).toBeLessThanOrEqual(18 * MINUTE);
    }
  });

  it('the camera counts the true entrance crossings, missing a few', () => {
    const count = (
      cameraMissRate: number,
    ): { camera: [number, number]; truth: [number, number] } => {
      const sut = new StoreSimulator({
        seed: 21,
        startAt: START,
        arrivalsPerMinute: 6,
        cameraMissRate,
      });
      const camera: [number, number] = [0, 0];
      const truth: [number, number] = [0, 0];
      for (const { observations, groundTruth } of run(sut, 60 * MINUTE, 1_000)) {
        truth[0] += groundTruth.entries;
        truth[1] += groundTruth.exits;
        for (const o of observations) {
          if (o.kind !== 'camera') continue;
          expect(o).toMatchObject({ sensorId: 'cam-entrance', lineId: 'entrance' });
          expect(o.at - o.intervalStart!).toBe(10_000);
          camera[0] += o.entries ?? 0;
          camera[1] += o.exits ?? 0;
        }
      }
      return { camera, truth };
    };
    const exact = count(0);
    expect(exact.camera).toEqual(exact.truth);
    expect(exact.truth[0]).toBeGreaterThan(200);
    const lossy = count(0.05);
    expect(lossy.camera[0] / lossy.truth[0]).toBeGreaterThan(0.9);
    expect(lossy.camera[0]).toBeLessThan(lossy.truth[0]);
  });

  it('rejects impossible options and layouts it cannot simulate', () => {
    expect(() => new StoreSimulator({ seed: 1, startAt: START, phoneShare: 2 })).toThrow(
      'phoneShare must be from 0 to 1 (got 2)',
    );
    const noStorefront = { ...layout, zones: layout.zones.filter((z) => z.id !== 'storefront') };
    expect(() => new StoreSimulator({ seed: 1, startAt: START, layout: noStorefront })).toThrow(
      /a zone tagged "storefront"/,
    );
    expect(() => new StoreSimulator({ seed: 1, startAt: START }).step(-1)).toThrow(RangeError);
  });
});
