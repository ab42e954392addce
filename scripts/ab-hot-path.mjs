// In-process A/B of the per-observation hot path of two built checkouts (issue #21):
//   node scripts/ab-hot-path.mjs <checkout A> [<checkout B, default this one>]
// CPU time (process.cpuUsage) of A's and B's code on the same inputs in one process, alternating
// chunks, median of 11–15; prints ns per observation (or row) and the ratio B ÷ A. Covers the
// aisle-mqtt batch decode, the pseudonym, the localisation engine's add, the COPY buffer and the
// opt-out list with one listed device.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const A = resolve(process.argv[2] ?? '');
const B = resolve(process.argv[3] ?? fileURLToPath(new URL('..', import.meta.url)));
if (!process.argv[2])
  throw new Error('usage: node scripts/ab-hot-path.mjs <checkout A> [<checkout B>]');
const load = (root, path) => import(`${root}/${path}`);
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const cpu = (f) => {
  const t = process.cpuUsage();
  const n = f();
  const u = process.cpuUsage(t);
  return ((u.user + u.system) * 1000) / n;
};
function compare(name, unit, a, b, rounds = 11) {
  for (let i = 0; i < 3; i++) (cpu(a), cpu(b));
  const ra = [];
  const rb = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) (ra.push(cpu(a)), rb.push(cpu(b)));
    else (rb.push(cpu(b)), ra.push(cpu(a)));
  }
  const [ma, mb] = [median(ra), median(rb)];
  console.log(
    `${name}: ${mb.toFixed(0)} vs ${ma.toFixed(0)} ns per ${unit} = ${(mb / ma).toFixed(2)}×`,
  );
}
const hex2 = (n) => n.toString(16).padStart(2, '0');
const macs = Array.from({ length: 500 }, (_, d) => `00:16:3e:00:${hex2(d >> 8)}:${hex2(d & 0xff)}`);
const T0 = Date.UTC(2026, 0, 1, 9);

// aisle-mqtt: 50 batches of 200 Wi-Fi observations, as the e2e bench publishes them.
{
  const [a, b] = [
    await load(A, 'plugins/aisle-mqtt/dist/payload.js'),
    await load(B, 'plugins/aisle-mqtt/dist/payload.js'),
  ];
  const payloads = Array.from({ length: 50 }, (_, m) =>
    Buffer.from(
      JSON.stringify({
        v: 1,
        observations: Array.from({ length: 200 }, (_, k) => {
          const n = m * 200 + k;
          return { kind: 'wifi', at: T0 + n, mac: macs[n % 500], rssi: -55 - (n % 20), channel: 6 };
        }),
      }),
    ),
  );
  const run = (m) => () => {
    let n = 0;
    for (let r = 0; r < 10; r++)
      for (const p of payloads) n += m.parseBatch(p, { maxBatch: 1000 }).observations.length;
    return n;
  };
  compare('aisle-mqtt parseBatch (200-observation batches)', 'observation', run(a), run(b), 15);
}
// Pseudonym of a normalised MAC, kept in a Map as the subscribers do.
{
  const [a, b] = [
    await load(A, 'libs/ingest/dist/pseudonymise.js'),
    await load(B, 'libs/ingest/dist/pseudonymise.js'),
  ];
  const key = Buffer.alloc(32, 7);
  const ids = macs.map((m) => m.replaceAll(':', ''));
  const run = (m) => () => {
    const seen = new Map();
    for (let i = 0; i < 300_000; i++) seen.set(m.pseudonym(key, 'wifi', ids[i % 500]), i);
    return 300_000;
  };
  compare('pseudonym (+ Map.set)', 'pseudonym', run(a), run(b));
}
// Localisation engine add: 500 subjects, 4 sensors, fresh subject strings per sighting.
{
  const [a, b] = [
    await load(A, 'libs/localisation/dist/localisation-engine.js'),
    await load(B, 'libs/localisation/dist/localisation-engine.js'),
  ];
  const { pseudonym } = await load(B, 'libs/ingest/dist/pseudonymise.js');
  const key = Buffer.alloc(32, 3);
  const store = {
    storeId: 'bench',
    sensors: [1, 2, 3, 4].map((i) => ({ id: `flood-${i}`, x: 8 * i - 4, y: 4 })),
    zones: [
      {
        id: 'floor',
        polygon: [
          { x: 0, y: 0 },
          { x: 40, y: 0 },
          { x: 40, y: 20 },
          { x: 0, y: 20 },
        ],
      },
    ],
  };
  const base = Array.from({ length: 20_000 }, (_, i) => ({
    storeId: 'bench',
    sensorId: `flood-${1 + (i % 4)}`,
    kind: 'wifi',
    period: T0,
    at: T0 + i,
    rssi: -55 - (i % 20),
    subject: pseudonym(key, 'wifi', macs[i % 500].replaceAll(':', '')),
  }));
  let tick = 0;
  const run = (m) => {
    const engine = new m.LocalisationEngine();
    engine.setStore(store);
    return () => {
      const list = base.map((s) => ({ ...s, subject: ` ${s.subject}`.slice(1) }));
      const t = process.cpuUsage();
      for (const s of list) engine.add(s);
      const u = process.cpuUsage(t);
      engine.update(T0 + 30_000 + tick++);
      return { n: list.length, us: u.user + u.system };
    };
  };
  const [ra, rb] = [run(a), run(b)];
  // Only the adds are timed (not the copies of the sightings or the tick), alternating.
  for (let i = 0; i < 3; i++) (ra(), rb());
  const xa = [];
  const xb = [];
  for (let i = 0; i < 15; i++) {
    for (const [f, xs] of i % 2
      ? [
          [ra, xa],
          [rb, xb],
        ]
      : [
          [rb, xb],
          [ra, xa],
        ]) {
      const { n, us } = f();
      xs.push((us * 1000) / n);
    }
  }
  const [ma, mb] = [median(xa), median(xb)];
  console.log(
    `LocalisationEngine.add: ${mb.toFixed(0)} vs ${ma.toFixed(0)} ns per sighting = ${(mb / ma).toFixed(2)}×`,
  );
}
// COPY buffer of 1,000 sightings-shaped rows.
{
  const [a, b] = [
    await load(A, 'libs/persistence/dist/sighting-writer.js'),
    await load(B, 'libs/persistence/dist/sighting-writer.js'),
  ];
  const { toSightingValues } = await load(B, 'libs/persistence/dist/sighting-row.js');
  const rows = Array.from({ length: 1000 }, (_, i) =>
    toSightingValues({
      storeId: 'bench',
      sensorId: `flood-${1 + (i % 4)}`,
      kind: 'wifi',
      at: T0 + i * 7,
      period: Date.UTC(2026, 0, 1),
      subject: 'c1f0e2d3b4a5968778695a4b3c2d1e0f',
      rssi: -55 - (i % 20),
      randomized: false,
      channel: 6,
    }),
  );
  if (!a.copyBuffer(rows).equals(b.copyBuffer(rows)))
    throw new Error('copyBuffer: different bytes');
  const run = (m) => () => {
    for (let i = 0; i < 100; i++) m.copyBuffer(rows);
    return 100 * rows.length;
  };
  compare('copyBuffer (same bytes)', 'row', run(a), run(b));
}
// Opt-out list with one listed device, Wi-Fi observations of 500 devices.
{
  const [a, b] = [
    await load(A, 'libs/policy/dist/index.js'),
    await load(B, 'libs/policy/dist/index.js'),
  ];
  const list = (m) => {
    const l = new m.OptOutList(Buffer.alloc(32, 1));
    l.add(l.digest({ kind: 'device', address: macs[7] }));
    return l;
  };
  const observations = macs.map((mac) => ({
    kind: 'wifi',
    mac: mac.replaceAll(':', ''),
    storeId: 's',
    sensorId: 'a',
    at: T0,
    rssi: -50,
  }));
  const run = (l) => () => {
    let hits = 0;
    for (let i = 0; i < 100_000; i++) hits += l.covers(observations[i % 500]) ? 1 : 0;
    if (hits !== 200) throw new Error(`opt-out: ${hits} hits`);
    return 100_000;
  };
  compare('OptOutList.covers (one listed device)', 'observation', run(list(a)), run(list(b)));
}
