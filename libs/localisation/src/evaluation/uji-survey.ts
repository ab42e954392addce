import { crlb } from '../crlb.js';
import { boxAround } from '../geometry.js';
import type { Anchor, LinkMeasurement } from '../link.js';
import { weightedCentroid } from '../baselines.js';
import { locate, type LocateOptions } from '../locate.js';
import { solveLinear } from '../linear-algebra.js';
import {
  fitPathLoss,
  MIN_RANGE_M,
  type PathLossCalibration,
  type PathLossFit,
} from '../path-loss.js';
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
  /** The centroid's per-axis error variance measured on the training scans, m². */
  centroidVariance: number;
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
  const centroidVariances: Record<string, number> = {};
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
    const perBeaconFit = fitPerBeacon(train, survey.beacons, fit);
    fits[set] = roundFit(fit);
    trainScans += train.length;
    testScans += test.length;
    const anchors: Anchor[] = survey.beacons.map((b) => ({
      id: b.id,
      x: b.x,
      y: b.y,
      z: 0,
      calibration: perBeaconFit.get(b.id) ?? {
        measuredPower: fit.measuredPower,
        pathLossExponent: fit.pathLossExponent,
        receiverOffset: fit.receiverOffsets[b.id] ?? 0,
      },
    }));
    // The centroid's own error on the training points (per axis): the prior variance for the MAP solver.
    const trainErrors2: number[] = [];
    for (const s of train) {
      const links = linksOf(
        s.rssi.map((r) => (r === null ? [] : [r])),
        anchors,
      );
      const c = weightedCentroid(links, { deviceHeight: 0 });
      if (c) trainErrors2.push(((c.x - s.x) ** 2 + (c.y - s.y) ** 2) / 2);
    }
    const centroidVariance =
      trainErrors2.length > 0 ? trainErrors2.reduce((a, b) => a + b, 0) / trainErrors2.length : 0;
    centroidVariances[set] = round(centroidVariance);
    for (const s of test) {
      if (s.rssi.some((r) => r !== null)) {
        singles.push({
          truth: s,
          links: linksOf(
            s.rssi.map((r) => (r === null ? [] : [r])),
            anchors,
          ),
          fit,
          centroidVariance,
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
        windows.push({
          truth: scans[0] as SurveyScan,
          links: linksOf(perBeacon, anchors),
          fit,
          // Measured on single scans: an over-estimate for a window, so a weaker prior.
          centroidVariance,
        });
      }
    }
  }
  if (singles.length === 0) return null;
  const bounds = boxAround(survey.beacons, 2) ?? undefined;
  const run = (cases: SurveyCase[]): SurveyMethodResult => {
    const errors = { nearest: [] as number[], centroid: [] as number[], aisle: [] as number[] };
    const bounds2: number[] = [];
    let multilateration = 0;
    for (const { truth, links, fit, centroidVariance } of cases) {
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
      const fix = locate({
        links,
        tx,
        bounds,
        options: {
          ...options,
          strategy: 'aisle',
          centroidPriorVarianceM2: centroidVariance,
        },
      });
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

/** Prior spread of a beacon's own exponent around the set's common one. */
const BEACON_EXPONENT_PRIOR_SD = 0.5;
/** Prior spread of a beacon's own 1-m power around the common fit's (with its offset), dB. */
const BEACON_POWER_PRIOR_SD = 3;

/**
 * Per-beacon log-distance calibration (1-m power and exponent) from the training scans: the
 * posterior mean under a Gaussian prior centred on the set's common fit (exponent ± 0.5, power
 * ± 3 dB) and the common σ as the noise, so a beacon with few or poorly spread readings stays near
 * the common model and one with many gets its own.
 */
function fitPerBeacon(
  train: readonly SurveyScan[],
  beacons: Survey['beacons'],
  fit: PathLossFit,
): Map<string, PathLossCalibration> {
  const out = new Map<string, PathLossCalibration>();
  const noise = 1 / Math.max(1e-6, fit.sigmaDb ** 2);
  beacons.forEach((b, c) => {
    const a0 = fit.measuredPower + (fit.receiverOffsets[b.id] ?? 0);
    const n0 = fit.pathLossExponent;
    // Unknowns (a, n): rssi = a − n·L, L = 10·log10 d.
    const ata = [
      [1 / BEACON_POWER_PRIOR_SD ** 2, 0],
      [0, 1 / BEACON_EXPONENT_PRIOR_SD ** 2],
    ];
    const atb = [a0 / BEACON_POWER_PRIOR_SD ** 2, n0 / BEACON_EXPONENT_PRIOR_SD ** 2];
    for (const s of train) {
      const r = s.rssi[c];
      if (r === null || r === undefined) continue;
      const l = 10 * Math.log10(Math.max(MIN_RANGE_M, Math.hypot(s.x - b.x, s.y - b.y)));
      ata[0]![0] = ata[0]![0]! + noise;
      ata[0]![1] = ata[0]![1]! - noise * l;
      ata[1]![0] = ata[1]![0]! - noise * l;
      ata[1]![1] = ata[1]![1]! + noise * l * l;
      atb[0] = atb[0]! + noise * r;
      atb[1] = atb[1]! - noise * l * r;
    }
    const sol = solveLinear(ata, atb);
    if (!sol || !sol.every(Number.isFinite) || !((sol[1] as number) > 0.5)) return;
    out.set(b.id, {
      measuredPower: sol[0] as number,
      pathLossExponent: sol[1] as number,
      receiverOffset: 0,
    });
  });
  return out;
}
