// Occupancy from probe requests vs the counted ground truth of the probe-request-project lab capture
// (Fryza et al., Brno University of Technology, MIT): MAE and Pearson correlation per 5-minute
// interval for the estimator and two baselines. Parameters and calibrations are fitted on one part of
// the data and evaluated on another (chronological split within 2024-03-14, and across days).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPcapFile } from '@aisle/hardware';
import {
  accuracy,
  applyCalibration,
  countOccupancy,
  fitCalibration,
  isRandomisedMac,
  type OccupancyOptions,
  type ProbeSample,
} from '@aisle/occupancy';
import { decodeFrame } from '@aisle/plugin-wifi-sniffer';

const DATA = join(process.cwd(), '..', 'shared', 'data', 'probe-requests-but-position1');
const INTERVAL_MS = 300_000;

interface Day {
  name: string;
  samples: ProbeSample[];
  /** Interval index → mean true occupancy of the frames in it. */
  truth: Map<number, number>;
}

async function loadDay(day: string): Promise<Day> {
  const samples: ProbeSample[] = [];
  for await (const frame of readPcapFile(join(DATA, 'pcap', `sc6-61_${day}_anonymized.pcap`))) {
    const r = decodeFrame(frame.linkType, frame.data);
    if (r.kind !== 'probe' || r.probe.rssi === undefined) {
      throw new Error('frame without probe/RSSI');
    }
    const s: ProbeSample = {
      at: frame.at,
      mac: r.probe.source,
      rssi: r.probe.rssi,
      seq: r.probe.seq,
    };
    if (r.probe.fingerprint !== undefined) s.fingerprint = r.probe.fingerprint;
    samples.push(s);
  }
  const [header, ...rows] = readFileSync(join(DATA, 'csv', `sc6-61_${day}_ver-99.csv`), 'utf8')
    .trim()
    .split('\n');
  const col = header!.split(';').indexOf('occupancy');
  if (rows.length !== samples.length) throw new Error(`${day}: CSV and pcap differ`);
  const sums = new Map<number, { sum: number; n: number }>();
  rows.forEach((row, i) => {
    const k = Math.floor(samples[i]!.at / INTERVAL_MS);
    const e = sums.get(k) ?? { sum: 0, n: 0 };
    e.sum += Number(row.split(';')[col]);
    e.n += 1;
    sums.set(k, e);
  });
  return { name: day, samples, truth: new Map([...sums].map(([k, e]) => [k, e.sum / e.n])) };
}

function labPcs(): Set<string> {
  const readme = readFileSync(join(DATA, 'README.md'), 'utf8');
  return new Set(
    [...readme.matchAll(/^([0-9a-f]{2}(?::[0-9a-f]{2}){5})$/gim)].map((m) =>
      m[1]!.replaceAll(':', '').toLowerCase(),
    ),
  );
}

/** Intervals that have ground truth, with their counts. */
function paired(day: Day, counts: ReturnType<typeof countOccupancy>) {
  return counts
    .map((c) => ({ c, t: day.truth.get(Math.floor(c.start / INTERVAL_MS)) }))
    .filter((p): p is { c: (typeof counts)[number]; t: number } => p.t !== undefined);
}

function subset(day: Day, from: number, to: number, name: string): Day {
  return {
    name,
    samples: day.samples.filter((s) => s.at >= from && s.at < to),
    truth: new Map([...day.truth].filter(([k]) => k * INTERVAL_MS >= from && k * INTERVAL_MS < to)),
  };
}

type Method = (day: Day) => { devices: number; bursts: number; start: number }[];

const uniqueMacs =
  (filter: (mac: string) => boolean): Method =>
  (day) => {
    const per = new Map<number, Set<string>>();
    for (const s of day.samples) {
      if (!filter(s.mac)) continue;
      const k = Math.floor(s.at / INTERVAL_MS);
      (per.get(k) ?? per.set(k, new Set()).get(k)!).add(s.mac);
    }
    return [...day.truth.keys()].map((k) => ({
      start: k * INTERVAL_MS,
      devices: per.get(k)?.size ?? 0,
      bursts: 0,
    }));
  };

function evaluate(method: Method, train: Day, test: Day) {
  const fit = (day: Day) => {
    const counts = method(day).filter((c) => day.truth.has(Math.floor(c.start / INTERVAL_MS)));
    return { counts, truth: counts.map((c) => day.truth.get(Math.floor(c.start / INTERVAL_MS))!) };
  };
  const tr = fit(train);
  const te = fit(test);
  const calibration = fitCalibration(tr.counts, tr.truth);
  const raw = accuracy(
    te.counts.map((c) => c.devices + c.bursts),
    te.truth,
  );
  const calibrated = accuracy(
    te.counts.map((c) => applyCalibration(calibration, c.devices, c.bursts)),
    te.truth,
  );
  return { raw: round(raw), calibrated: round(calibrated), calibration: roundObj(calibration) };
}

const round = (a: { mae: number; pearson: number | null; n: number }) => ({
  mae: Math.round(a.mae * 100) / 100,
  pearson: a.pearson === null ? null : Math.round(a.pearson * 1000) / 1000,
  n: a.n,
});
const roundObj = (o: object) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]),
  );

/** Picks the estimator's parameters by calibrated MAE on the training part only. */
function tuneEstimator(train: Day, exclude: Set<string>): Partial<OccupancyOptions> {
  let best: { mae: number; options: Partial<OccupancyOptions> } | undefined;
  for (const minRssi of [-127, -95, -90, -85, -80, -75, -70]) {
    for (const mergeWindowMs of [60_000, 120_000, 300_000]) {
      for (const seqGap of [64, 512, Number.POSITIVE_INFINITY]) {
        for (const minProbes of [1, 2, 3]) {
          for (const autoFixedShare of [0.5, 0.8, 2]) {
            const options = {
              intervalMs: INTERVAL_MS,
              minRssi,
              mergeWindowMs,
              seqGap,
              minProbes,
              autoFixedShare,
            };
            const p = paired(train, countOccupancy(train.samples, options, exclude));
            const cal = fitCalibration(
              p.map((x) => x.c),
              p.map((x) => x.t),
            );
            const mae = accuracy(
              p.map((x) => applyCalibration(cal, x.c.devices, x.c.bursts)),
              p.map((x) => x.t),
            ).mae;
            if (!best || mae < best.mae - 1e-9) best = { mae, options };
          }
        }
      }
    }
  }
  return best!.options;
}

export default async function bench(): Promise<object> {
  const exclude = labPcs();
  const [d14, d16] = await Promise.all([loadDay('2024-03-14'), loadDay('2024-03-16')]);
  const start = d14.samples[0]!.at;
  const end = d14.samples[d14.samples.length - 1]!.at + 1;
  const mid = start + Math.floor((end - start) / 2 / INTERVAL_MS) * INTERVAL_MS;
  const hourly = (day: Day, parity: number, name: string): Day => ({
    name,
    samples: day.samples.filter((s) => Math.floor(s.at / 3_600_000) % 2 === parity),
    truth: new Map(
      [...day.truth].filter(([k]) => Math.floor((k * INTERVAL_MS) / 3_600_000) % 2 === parity),
    ),
  });
  const splits = [
    {
      name: '2024-03-14 even hours → odd hours',
      train: hourly(d14, 0, 'even'),
      test: hourly(d14, 1, 'odd'),
    },
    {
      name: '2024-03-14 odd hours → even hours',
      train: hourly(d14, 1, 'odd'),
      test: hourly(d14, 0, 'even'),
    },
    {
      name: '2024-03-14 first half → second half',
      train: subset(d14, start, mid, 'a'),
      test: subset(d14, mid, end, 'b'),
    },
    { name: '2024-03-14 → 2024-03-16 (nobody present all day)', train: d14, test: d16 },
    { name: '2024-03-16 → 2024-03-14 (trained on an empty lab)', train: d16, test: d14 },
  ];
  const results = splits.map(({ name, train, test }) => {
    const options = tuneEstimator(train, exclude);
    const estimator: Method = (day) =>
      paired(day, countOccupancy(day.samples, options, exclude)).map((p) => p.c);
    return {
      split: name,
      intervals: { train: train.truth.size, test: test.truth.size },
      estimator: {
        ...evaluate(estimator, train, test),
        options: roundObj({ ...options, seqGap: String(options.seqGap) }),
      },
      baselineUniqueMacs: evaluate(
        uniqueMacs(() => true),
        train,
        test,
      ),
      baselineNonRandomisedMacs: evaluate(
        uniqueMacs((m) => !isRandomisedMac(m)),
        train,
        test,
      ),
      baselineExcludingLabPcs: evaluate(
        uniqueMacs((m) => !exclude.has(m)),
        train,
        test,
      ),
    };
  });
  return { intervalSeconds: INTERVAL_MS / 1000, excludedFixedDevices: exclude.size, results };
}
