import { crlb } from '../crlb.js';
import { boxAround } from '../geometry.js';
import type { Anchor, LinkMeasurement } from '../link.js';
import { locate, type LocateOptions } from '../locate.js';
import { fitPathLoss, type PathLossFit } from '../path-loss.js';
import { errorStats, rms, round, type ErrorStats } from './error-stats.js';

/** The UJI BLE survey's marker for "beacon not heard in this scan". */
export const UJI_NOT_HEARD = 100;

/** One scan of the survey: RSSI per beacon (null: not heard) at a surveyed position. */
export interface SurveyScan {
  /** Fingerprint id: collection set, area, point and sample digits (e.g. 12200103). */
  id: string;
  /** Scans of one point in one collection share a group (the id without its sample digits). */
  group: string;
  /** Collection set (first digit of the id): 1, 2, 3. */
  set: string;
  x: number;
  y: number;
  rssi: (number | null)[];
}

export interface Survey {
  beacons: { id: string; x: number; y: number }[];
  scans: SurveyScan[];
}

/**
 * Parses the UJI BLE library survey (Mendoza-Silva et al., Zenodo 10.5281/zenodo.1618692) from its
 * CSV texts: `dep/lib.csv` (beacon id, x, y; the RSS columns follow its rows) and the row-aligned
 * `rss/lib_rss.csv`, `lib_crd.csv`, `lib_ids.csv`. Throws naming the file, line and value on a bad row.
 */
export function parseUjiSurvey(files: {
  dep: string;
  rss: string;
  crd: string;
  ids: string;
}): Survey {
  const lines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const num = (value: string | undefined, where: string): number => {
    const v = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(v)) {
      throw new Error(`${where}: not a number: ${JSON.stringify(value)}`);
    }
    return v;
  };
  const beacons = lines(files.dep)
    .slice(1)
    .map((l, i) => {
      const [id, x, y] = l.split(',');
      return {
        id: (id ?? '').trim(),
        x: num(x, `dep line ${i + 2} x`),
        y: num(y, `dep line ${i + 2} y`),
      };
    });
  const rss = lines(files.rss);
  const crd = lines(files.crd);
  const ids = lines(files.ids);
  if (rss.length !== crd.length || rss.length !== ids.length) {
    throw new Error(`rss/crd/ids row counts differ: ${rss.length}/${crd.length}/${ids.length}`);
  }
  const scans = rss.map((row, i): SurveyScan => {
    const values = row.split(',');
    if (values.length !== beacons.length) {
      throw new Error(`rss line ${i + 1}: ${values.length} columns for ${beacons.length} beacons`);
    }
    const [x, y] = (crd[i] as string).split(',');
    const id = (ids[i] as string).trim();
    return {
      id,
      group: id.slice(0, -2),
      set: id.slice(0, 1),
      x: num(x, `crd line ${i + 1} x`),
      y: num(y, `crd line ${i + 1} y`),
      rssi: values.map((v, c) => {
        const r = num(v, `rss line ${i + 1} column ${c + 1}`);
        return r === UJI_NOT_HEARD ? null : r;
      }),
    };
  });
  return { beacons, scans };
}

export interface SurveyMethodResult {
  nearest: ErrorStats;
  centroid: ErrorStats;
  aisle: ErrorStats;
  /** RMSE bound (CRLB with the fitted n and σ) over the same fixes, metres. */
  crlbRmse: number;
  crlbMedian: number;
  /** Share of Aisle's fixes that used the full solver (the rest fell back). */
  multilaterationShare: number;
}

export interface SurveyEvaluation {
  /** Path-loss parameters fitted per collection set (the sets differ in beacon transmit power). */
  fits: Record<string, PathLossFit>;
  trainScans: number;
  testScans: number;
  /** Scans in which no beacon was heard (no method can place them). */
  unheardScans: number;
  singleScan: SurveyMethodResult;
  /** The scans of one point (one collection) averaged per beacon, as the engine's window does. */
  window: SurveyMethodResult & { windows: number };
}

interface SurveyCase {
  truth: SurveyScan;
  links: LinkMeasurement[];
  fit: PathLossFit;
}

/**
 * Evaluates nearest-beacon, weighted centroid and Aisle's solver on the survey. The three collection
 * sets were made with different beacon transmit powers, so the path-loss model (measured power,
 * exponent, per-beacon offsets, σ) is fitted per set, on the even-numbered survey points only;
 * errors are measured on the odd-numbered points, which the fit never saw. Beacons are the anchors,
 * the surveying phone is the subject (the same reciprocity as a sensor hearing a phone). `every`
 * thins the test scans (for specs).
 */
export function evaluateUjiSurvey(params: {
  survey: Survey;
  every?: number;
}): SurveyEvaluation | null {
  const { survey } = params;
  const every = Math.max(1, Math.floor(params.every ?? 1));
  const isTrain = (s: SurveyScan): boolean => Number(s.group) % 2 === 0;
  const sets = [...new Set(survey.scans.map((s) => s.set))].sort();
  const fits: Record<string, PathLossFit> = {};
  const singles: SurveyCase[] = [];
  const windows: SurveyCase[] = [];
  let trainScans = 0;
  let testScans = 0;
  let unheardScans = 0;
  for (const set of sets) {
    const train = survey.scans.filter((s) => s.set === set && isTrain(s));
    const test = survey.scans.filter((s, i) => s.set === set && !isTrain(s) && i % every === 0);
    const fit = fitPathLoss({
      samples: train.flatMap((s) =>
        s.rssi.flatMap((r, c) => {
          const b = survey.beacons[c];
          return r === null || !b
            ? []
            : [{ sensorId: b.id, rssi: r, distance: Math.hypot(s.x - b.x, s.y - b.y) }];
        }),
      ),
      perSensorOffsets: true,
    });
    if (!fit) continue;
    fits[set] = roundFit(fit);
    trainScans += train.length;
    testScans += test.length;
    const anchors: Anchor[] = survey.beacons.map((b) => ({
      id: b.id,
      x: b.x,
      y: b.y,
      z: 0,
      calibration: {
        measuredPower: fit.measuredPower,
        pathLossExponent: fit.pathLossExponent,
        receiverOffset: fit.receiverOffsets[b.id] ?? 0,
      },
    }));
    for (const s of test) {
      if (s.rssi.some((r) => r !== null)) {
        singles.push({
          truth: s,
          links: linksOf(
            s.rssi.map((r) => (r === null ? [] : [r])),
            anchors,
          ),
          fit,
        });
      } else unheardScans += 1;
    }
    const groups = new Map<string, SurveyScan[]>();
    for (const s of test) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
    for (const scans of groups.values()) {
      const perBeacon = survey.beacons.map((_, c) =>
        scans.flatMap((s) => (s.rssi[c] === null ? [] : [s.rssi[c] as number])),
      );
      if (perBeacon.some((v) => v.length > 0)) {
        windows.push({ truth: scans[0] as SurveyScan, links: linksOf(perBeacon, anchors), fit });
      }
    }
  }
  if (singles.length === 0) return null;
  const bounds = boxAround(survey.beacons, 2) ?? undefined;
  const run = (cases: SurveyCase[]): SurveyMethodResult => {
    const errors = { nearest: [] as number[], centroid: [] as number[], aisle: [] as number[] };
    const bounds2: number[] = [];
    let multilateration = 0;
    for (const { truth, links, fit } of cases) {
      const options: Partial<LocateOptions> = { sigmaDb: fit.sigmaDb, deviceHeight: 0 };
      // The surveying phone is the device the model was fitted with: its power is known (σ_tx 1 dB).
      const tx = { mean: 0, sigmaDb: 1 };
      const err = (f: { x: number; y: number } | null): number =>
        f ? Math.hypot(f.x - truth.x, f.y - truth.y) : NaN;
      errors.nearest.push(
        err(locate({ links, tx, bounds, options: { ...options, strategy: 'nearest' } })),
      );
      errors.centroid.push(
        err(locate({ links, tx, bounds, options: { ...options, strategy: 'centroid' } })),
      );
      const fix = locate({ links, tx, bounds, options: { ...options, strategy: 'aisle' } });
      if (fix?.method === 'multilateration') multilateration += 1;
      errors.aisle.push(err(fix));
      bounds2.push(
        crlb({
          at: truth,
          anchors: links.map((l) => ({ x: l.anchor.x, y: l.anchor.y, samples: l.weight })),
          pathLossExponent: fit.pathLossExponent,
          sigmaDb: fit.sigmaDb,
          unknownTx: false,
        }),
      );
    }
    const finiteBounds = bounds2.filter(Number.isFinite).sort((a, b) => a - b);
    return {
      nearest: errorStats(errors.nearest),
      centroid: errorStats(errors.centroid),
      aisle: errorStats(errors.aisle),
      crlbRmse: rms(finiteBounds),
      crlbMedian: round(finiteBounds[Math.floor(finiteBounds.length / 2)] ?? NaN),
      multilaterationShare: round(multilateration / Math.max(1, cases.length)),
    };
  };
  return {
    fits,
    trainScans,
    testScans,
    unheardScans,
    singleScan: run(singles),
    window: { ...run(windows), windows: windows.length },
  };
}

function roundFit(fit: PathLossFit): PathLossFit {
  return {
    ...fit,
    measuredPower: round(fit.measuredPower),
    pathLossExponent: round(fit.pathLossExponent),
    sigmaDb: round(fit.sigmaDb),
    receiverOffsets: Object.fromEntries(
      Object.entries(fit.receiverOffsets).map(([k, v]) => [k, round(v, 2)]),
    ),
  };
}

function linksOf(
  readings: readonly (readonly number[])[],
  anchors: readonly Anchor[],
): LinkMeasurement[] {
  return readings.flatMap((values, c) => {
    const anchor = anchors[c];
    if (!anchor || values.length === 0) return [];
    return [
      { anchor, rssi: values.reduce((s, v) => s + v, 0) / values.length, weight: values.length },
    ];
  });
}
