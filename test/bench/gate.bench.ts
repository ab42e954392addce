// Ingest gate throughput on one core: validation, policy, keyed pseudonymisation, sighting build.
// A busy store is ~10,000 observations/s (ARCHITECTURE.md, "Scale"); this shows the headroom.
import { randomBytes } from 'node:crypto';
import { OptOutList, optOutModule } from '@aisle/policy';
import {
  IngestGate,
  InMemoryKeyStore,
  PseudonymKeyring,
  parseTrackingPolicy,
  type GateResult,
} from '@aisle/ingest';
import { systemClock, type Clock } from '@aisle/sdk';

const OBSERVATIONS = 200_000;
const WARM_UP = 50_000;
const RUNS = 5;
const PHONES = 160;
const BLE_DEVICES = 32;
const BEACONS = 8;
const CAMERAS = 4;
const SENSORS = 12;
/** Noon UTC, so every observation (up to 10 minutes old) falls in the current key period. */
const NOW = Date.UTC(2026, 2, 14, 12, 0, 0);

/** Deterministic PRNG (mulberry32), so every run measures the same input. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hexBytes(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () =>
    Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0'),
  );
}

/** One MAC in the notations drivers actually send (sniffers, BlueZ, Cisco controllers). */
function notations(octets: string[]): string[] {
  const bare = octets.join('');
  return [
    octets.join(':'),
    octets.join(':').toUpperCase(),
    octets.join('-').toUpperCase(),
    `${bare.slice(0, 4)}.${bare.slice(4, 8)}.${bare.slice(8)}`,
    bare,
  ];
}

function generate(count: number): unknown[] {
  const random = prng(42);
  const phones = Array.from({ length: PHONES }, (_, i) => {
    const octets = hexBytes(random, 6);
    // About 70 % of phones probe with a randomised (locally administered) address.
    const first = Number.parseInt(octets[0]!, 16) & 0xfc;
    octets[0] = (i % 10 < 7 ? first | 0x02 : first).toString(16).padStart(2, '0');
    return notations(octets);
  });
  const bleDevices = Array.from({ length: BLE_DEVICES }, () => notations(hexBytes(random, 6)));
  const beacons = Array.from(
    { length: BEACONS },
    (_, i) => `ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:${i}`,
  );
  const out: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = NOW - Math.floor(random() * 600_000);
    const sensorId = `sensor-${Math.floor(random() * SENSORS)}`;
    const rssi = -40 - Math.floor(random() * 60);
    const pick = random();
    if (pick < 0.75) {
      const forms = phones[Math.floor(random() * PHONES)]!;
      out.push({
        storeId: 'store-1',
        sensorId,
        at,
        kind: 'wifi',
        mac: forms[Math.floor(random() * forms.length)],
        rssi,
        channel: [1, 6, 11][i % 3],
        seq: i % 4096,
        ...(i % 4 === 0 ? { fingerprint: `ie-${(i % 997).toString(16)}` } : {}),
      });
    } else if (pick < 0.9) {
      const forms = bleDevices[Math.floor(random() * BLE_DEVICES)]!;
      out.push({
        storeId: 'store-1',
        sensorId,
        at,
        kind: 'ble',
        address: forms[Math.floor(random() * forms.length)],
        addressType: random() < 0.8 ? 'random' : 'public',
        rssi,
      });
    } else if (pick < 0.97) {
      out.push({
        storeId: 'store-1',
        sensorId,
        at,
        kind: 'ble',
        beaconId: beacons[Math.floor(random() * BEACONS)],
        rssi,
        txPower: -59,
      });
    } else {
      out.push({
        storeId: 'store-1',
        sensorId: `camera-${Math.floor(random() * CAMERAS)}`,
        at,
        kind: 'camera',
        lineId: 'entrance',
        entries: Math.floor(random() * 4),
        exits: Math.floor(random() * 4),
        intervalStart: at - 60_000,
      });
    }
  }
  return out;
}

export default async function run(): Promise<Record<string, unknown>> {
  const clock: Clock = { ...systemClock, now: () => NOW };
  const keyring = new PseudonymKeyring({
    store: new InMemoryKeyStore(),
    clock,
    onError: (error) => {
      throw error;
    },
  });
  const policy = parseTrackingPolicy({ mode: 'in-visit', minRssi: -95 });
  const gate = new IngestGate({
    keyring,
    clock,
    policyFor: (storeId) => (storeId === 'store-1' ? policy : undefined),
  });
  await keyring.prepare('store-1', NOW, policy.rotationHours);

  const observations = generate(OBSERVATIONS);
  let sink: GateResult | undefined;
  for (let i = 0; i < WARM_UP; i += 1) {
    sink = gate.process(observations[i % OBSERVATIONS]);
  }

  const timings: number[] = [];
  let accepted = 0;
  let dropped = 0;
  for (let run = 0; run < RUNS; run += 1) {
    accepted = 0;
    dropped = 0;
    const started = process.hrtime.bigint();
    for (const observation of observations) {
      sink = gate.process(observation);
      if (sink.ok) {
        accepted += 1;
      } else {
        dropped += 1;
      }
    }
    timings.push(Number(process.hrtime.bigint() - started));
  }
  if (sink === undefined) {
    throw new Error('nothing processed');
  }
  const median = [...timings].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;

  // The same stream with the built-in opt-out module holding 1,000 digests (none of these devices):
  // every radio observation then costs one more HMAC.
  const optOuts = new OptOutList(randomBytes(32));
  for (let i = 0; i < 1000; i += 1) {
    optOuts.add(optOuts.digest({ kind: 'device', address: randomBytes(6).toString('hex') })!);
  }
  const modules = [optOutModule(optOuts)];
  const withOptOuts = new IngestGate({
    keyring,
    clock,
    policyFor: (storeId) => (storeId === 'store-1' ? policy : undefined),
    modulesFor: () => modules,
  });
  for (let i = 0; i < WARM_UP; i += 1) sink = withOptOuts.process(observations[i % OBSERVATIONS]);
  const optOutTimings: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = process.hrtime.bigint();
    for (const observation of observations) sink = withOptOuts.process(observation);
    optOutTimings.push(Number(process.hrtime.bigint() - started));
  }
  const optOutMedian = [...optOutTimings].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  return {
    observationsPerSecondWithOptOutList: Math.round((OBSERVATIONS * 1e9) / optOutMedian),
    optOutListCost: Number((optOutMedian / median).toFixed(2)),
    observationsPerSecond: Math.round((OBSERVATIONS * 1e9) / median),
    observations: OBSERVATIONS,
    accepted,
    dropped,
    nsPerObservation: Math.round(median / OBSERVATIONS),
    runs: RUNS,
    runObservationsPerSecond: timings.map((ns) => Math.round((OBSERVATIONS * 1e9) / ns)),
  };
}
