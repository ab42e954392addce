import { nearestAnchor, weightedCentroid } from '../baselines.js';
import { buildFloorGrid, type FloorGrid } from '../floor-grid.js';
import { boxAround, type Point } from '../geometry.js';
import { DEFAULT_ROBUST_MODEL, gridPosterior, type RobustModel } from '../grid-posterior.js';
import type { Anchor, LinkMeasurement } from '../link.js';
import {
  DEFAULT_KALMAN,
  splitFixVariance,
  trackUncertainty,
  type KalmanOptions,
} from '../kalman.js';
import { GAUSSIAN_RADIUS_68, locate } from '../locate.js';
import {
  combinedTrack,
  DEFAULT_MOTION,
  predictMotion,
  startMotion,
  updateMotion,
  type MotionTrack,
} from '../motion.js';
import {
  selfCalibrate,
  type CalibrationWindow,
  type SelfCalibration,
  type SelfCalibrationQuality,
} from '../self-calibration.js';
import { errorStats, round, type ErrorStats } from './error-stats.js';
import type { Survey, SurveyScan } from './uji-survey.js';

/**
 * Parses the UJI survey's obstacle file (`obs/lib.csv`: id, x, y, type; the rows of one id are
 * the vertices of one shelf or pillar, in order). Throws naming the line on a bad row.
 */
export function parseUjiObstacles(text: string): Point[][] {
  const byId = new Map<string, Point[]>();
  text
    .split(/\r?\n/)
    .slice(1)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const [id, xs, ys] = line.split(',');
      const x = Number(xs);
      const y = Number(ys);
      if (id === undefined || !Number.isFinite(x) || !Number.isFinite(y) || xs?.trim() === '') {
        throw new Error(`obs line ${i + 2}: not an obstacle vertex: ${JSON.stringify(line)}`);
      }
      const list = byId.get(id) ?? [];
      list.push({ x, y });
      byId.set(id, list);
    });
  return [...byId.values()].filter((p) => p.length >= 3);
}

/** Errors of one method plus, for methods with an uncertainty, how often it covered the truth. */
export interface CvMethodStats extends ErrorStats {
  /** Share of fixes whose 68 % / 95 % radius held the truth (null: the method states none). */
  coverage68: number | null;
  coverage95: number | null;
}

export interface CvResult {
  fixes: number;
  nearest: CvMethodStats;
  centroid: CvMethodStats;
  /** Fingerprinting (k-NN on the training half's surveyed points — it needs their positions). */
  knn: CvMethodStats;
  /** The earlier solver (Levenberg–Marquardt, Huber) with the self-calibrated model. */
  leastSquares: CvMethodStats;
  /** The posterior solver with the self-calibrated model (Aisle). */
  aisle: CvMethodStats;
  /** The same solver with the model fitted to the training half's TRUE positions (a yardstick). */
  aisleSurveyed: CvMethodStats;
  /** The better median of nearest and centroid, and Aisle's gain over it (1 − aisle / better). */
  bestBaselineMedian: number;
  aisleGain: number;
  /** Aisle's p95 ÷ its median. */
  aisleTailRatio: number;
  /**
   * Aisle and the centroid on the fixes heard by 1–3 anchors and by 4 or more: the long tail of
   * one-scan fixes is the scans that caught only a few beacons.
   */
  bySensorsHeard: Record<'1-3' | '4+', { fixes: number; aisle: ErrorStats; centroid: ErrorStats }>;
  /**
   * Per fix: collection set, Aisle's error and its radii before the radius scale (error ÷ radius
   * is what a cross-validated radius scale is learned from).
   */
  ratios: { set: string; error: number; radius68: number; radius95: number }[];
  /**
   * Aisle's fixes of one point's scans, in order, through the hub's walking/standing tracker (a
   * subject standing at the point; one scan a second): how often the tracked position's 68 %
   * circle held the truth and its RMSE, with the persistent error share ({@link DEFAULT_KALMAN})
   * and without it (every fix independent). Null when no point has two fixes (windows).
   */
  tracked: {
    updates: number;
    coverage68: number;
    coverage68Independent: number;
    rmse: number;
    rmseIndependent: number;
  } | null;
}

export interface SurveyCvFit {
  set: string;
  fold: number;
  trainWindows: number;
  measuredPower: number;
  pathLossExponent: number;
  sigmaDb: number;
  correlatedShare: number;
  linkCorrelation: number;
  obstacleLossDb: number;
  /** The holder's orientation gain τ (body shadowing), dB. */
  orientationGainDb: number;
  missProbability: number | null;
  floorDbm: number | null;
  quality: SelfCalibrationQuality;
}

export interface SurveyCvEvaluation {
  /** Per collection set and fold: what the self-calibration found, without any position. */
  fits: SurveyCvFit[];
  singleScan: CvResult;
  window: CvResult;
}

export interface SurveyCvOptions {
  /** Fixed constants of the robust model (Huber k, radius scale); σ and the rest are fitted. */
  base: RobustModel;
  /** Grid step, metres. */
  gridStepM: number;
  /** Neighbours of the k-NN baseline. */
  knnK: number;
  /** RSSI given to an unheard beacon by k-NN, dBm. */
  knnUnheardDbm: number;
  /** Prior spread of the surveying phone's power around the fitted model, dB. */
  txPriorSigmaDb: number;
  /** Thin the test scans and windows (for specs). */
  every: number;
  /** Use the floor plan's obstacles (off: the bounds only). */
  obstacles: boolean;
  /** Censor unheard beacons with the fitted floor and miss rate (off: they carry no information). */
  censoring: boolean;
  /** Only these collection sets (null: all). */
  sets: readonly string[] | null;
}

export const DEFAULT_SURVEY_CV: SurveyCvOptions = {
  base: DEFAULT_ROBUST_MODEL,
  gridStepM: 0.5,
  knnK: 3,
  knnUnheardDbm: -105,
  txPriorSigmaDb: 1,
  every: 1,
  obstacles: true,
  censoring: false,
  sets: null,
};

interface Case {
  truth: SurveyScan;
  links: LinkMeasurement[];
  surveyedLinks: LinkMeasurement[];
  unheard: Anchor[];
  scans: number;
  misses: number[];
  rawLinks: LinkMeasurement[];
  model: RobustModel;
  surveyedModel: RobustModel;
  grid: FloorGrid;
  knn: { x: number; y: number } | null;
}

/**
 * Self-calibrated evaluation of a survey (cross-validated by surveyed point): per collection set,
 * the points are split in two halves (alternate points in x, y order); the model is fitted on one
 * half's readings WITHOUT their positions ({@link selfCalibrate}; a window = the scans of one
 * point, which the survey's ids group), and every method is tested on the other half; then the
 * halves swap, so each point is tested once by a model that never saw it. Baselines: nearest
 * beacon and inverse-square weighted centroid (each the better of raw RSSI and the self-calibrated
 * model), k-NN fingerprinting (which, unlike the rest, uses the training half's positions), the
 * earlier least-squares solver. Floor plan: the box around beacons and obstacles grown by 0.5 m,
 * minus the obstacles.
 */
export function evaluateSurveyCrossValidated(params: {
  survey: Survey;
  obstacles: readonly Point[][];
  options?: Partial<SurveyCvOptions>;
}): SurveyCvEvaluation {
  const o = { ...DEFAULT_SURVEY_CV, ...params.options };
  const { survey } = params;
  const bounds = boxAround([...survey.beacons, ...params.obstacles.flat()], 0.5)!;
  const grid = buildFloorGrid(
    { bounds, obstacles: o.obstacles ? params.obstacles : [] },
    o.gridStepM,
  );
  const sets = [...new Set(survey.scans.map((s) => s.set))]
    .filter((s) => o.sets === null || o.sets.includes(s))
    .sort();
  const fits: SurveyCvFit[] = [];
  const singles: Case[] = [];
  const windows: Case[] = [];
  // "Raw": one model for every beacon (the exponent only shapes the centroid's weights).
  const rawAnchors: Anchor[] = survey.beacons.map((b) => ({
    ...b,
    z: 0,
    calibration: { measuredPower: -60, pathLossExponent: 2, receiverOffset: 0 },
  }));
  const beaconAnchors = survey.beacons.map((b) => ({ ...b, z: 0 }));
  for (const set of sets) {
    for (const { fold, train, test } of pointFolds(survey.scans.filter((s) => s.set === set))) {
      const trainGroups = scanGroups(train);
      const calibration = selfCalibrate({
        anchors: beaconAnchors,
        windows: trainGroups.map((g) => calibrationWindowOf(g, survey)),
        grid,
        deviceHeight: 0,
        base: o.base,
      });
      // The yardstick: the same fit, but from the training readings at their TRUE distances.
      const surveyed = selfCalibrate({
        anchors: beaconAnchors,
        windows: [],
        references: train.flatMap((s) =>
          s.rssi.flatMap((r, c) => {
            const b = survey.beacons[c];
            return r === null || !b
              ? []
              : [{ sensorId: b.id, rssi: r, distance: Math.hypot(s.x - b.x, s.y - b.y) }];
          }),
        ),
        grid,
        deviceHeight: 0,
        base: o.base,
      });
      const model = withCensoring(calibration.model, o.censoring);
      fits.push(fitSummary(set, fold, trainGroups.length, calibration));
      const anchors: Anchor[] = beaconAnchors.map((b) => ({
        ...b,
        calibration: calibration.calibrations[b.id]!,
      }));
      const surveyedAnchors: Anchor[] = beaconAnchors.map((b) => ({
        ...b,
        calibration: surveyed.calibrations[b.id]!,
      }));
      // The surveyed fit has no windows to measure σ from: it takes the self-calibrated noise.
      const surveyedModel: RobustModel = {
        ...model,
        obstacleLossDb: surveyed.model.obstacleLossDb,
      };
      const scanPrints = train.map((s) => ({
        x: s.x,
        y: s.y,
        v: s.rssi.map((r) => r ?? o.knnUnheardDbm),
      }));
      const windowPrints = trainGroups.map((g) => ({
        x: g[0]!.x,
        y: g[0]!.y,
        v: meanVector(g, o.knnUnheardDbm),
      }));
      const add = (into: Case[], group: SurveyScan[], prints: typeof scanPrints): void => {
        const c = caseOf(group, anchors);
        into.push({
          ...c,
          truth: group[0]!,
          surveyedLinks: caseOf(group, surveyedAnchors).links,
          rawLinks: caseOf(group, rawAnchors).links,
          model,
          surveyedModel,
          grid,
          knn: knn(meanVector(group, o.knnUnheardDbm), prints, o.knnK),
        });
      };
      test.forEach((s, i) => {
        if (i % o.every === 0 && s.rssi.some((r) => r !== null)) add(singles, [s], scanPrints);
      });
      scanGroups(test).forEach((g, i) => {
        if (i % o.every === 0 && g.some((s) => s.rssi.some((r) => r !== null))) {
          add(windows, g, windowPrints);
        }
      });
    }
  }
  return {
    fits,
    singleScan: run(singles, o.txPriorSigmaDb),
    window: run(windows, o.txPriorSigmaDb),
  };
}

function withCensoring(model: RobustModel, censoring: boolean): RobustModel {
  return { ...model, censoring: censoring ? model.censoring : null };
}

function fitSummary(
  set: string,
  fold: number,
  trainWindows: number,
  c: SelfCalibration,
): SurveyCvFit {
  return {
    set,
    fold,
    trainWindows,
    measuredPower: round(c.measuredPower, 2),
    pathLossExponent: round(c.pathLossExponent, 3),
    sigmaDb: round(c.model.sigmaDb, 2),
    correlatedShare: round(c.model.correlatedShare, 3),
    linkCorrelation: round(c.model.linkCorrelation, 3),
    obstacleLossDb: round(c.model.obstacleLossDb, 2),
    orientationGainDb: round(c.model.orientationGainDb, 2),
    missProbability: c.model.censoring ? round(c.model.censoring.missProbability, 3) : null,
    floorDbm: c.model.censoring?.floorDbm ?? null,
    quality: {
      ...c.quality,
      logDistanceSpreadDb: round(c.quality.logDistanceSpreadDb, 2),
      exponentSe: round(c.quality.exponentSe, 4),
      lastExponentChange: round(c.quality.lastExponentChange, 4),
      outlierShare: round(c.quality.outlierShare, 3),
    },
  };
}

/**
 * The survey's cross-validation folds of one collection set: its surveyed points in x, y order,
 * alternately in half 0 and 1; fold k tests the points of half k and trains on the others.
 */
export function pointFolds(
  scans: readonly SurveyScan[],
): { fold: number; train: SurveyScan[]; test: SurveyScan[] }[] {
  const points = [...new Set(scans.map((s) => `${s.x},${s.y}`))].sort((a, b) => {
    const [ax, ay] = a.split(',').map(Number) as [number, number];
    const [bx, by] = b.split(',').map(Number) as [number, number];
    return ax - bx || ay - by;
  });
  const half = new Map(points.map((p, i) => [p, i % 2]));
  return [0, 1].map((fold) => ({
    fold,
    train: scans.filter((s) => half.get(`${s.x},${s.y}`) !== fold),
    test: scans.filter((s) => half.get(`${s.x},${s.y}`) === fold),
  }));
}

/** Scans grouped by the survey's group (the scans of one point in one collection). */
export function scanGroups(scans: readonly SurveyScan[]): SurveyScan[][] {
  const groups = new Map<string, SurveyScan[]>();
  for (const s of scans) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  return [...groups.values()];
}

/** A group's readings per beacon id, as self-calibration takes a window. */
export function calibrationWindowOf(
  scans: readonly SurveyScan[],
  survey: Survey,
): CalibrationWindow {
  const readings = new Map<string, number[]>();
  for (const s of scans) {
    s.rssi.forEach((r, c) => {
      const b = survey.beacons[c];
      if (r === null || !b) return;
      readings.set(b.id, [...(readings.get(b.id) ?? []), r]);
    });
  }
  return { readings, scans: scans.length };
}

function caseOf(
  scans: readonly SurveyScan[],
  anchors: readonly Anchor[],
): { links: LinkMeasurement[]; unheard: Anchor[]; scans: number; misses: number[] } {
  const links: LinkMeasurement[] = [];
  const misses: number[] = [];
  const unheard: Anchor[] = [];
  anchors.forEach((anchor, c) => {
    const values = scans.flatMap((s) => (s.rssi[c] === null ? [] : [s.rssi[c] as number]));
    if (values.length === 0) unheard.push(anchor);
    else {
      links.push({
        anchor,
        rssi: values.reduce((a, v) => a + v, 0) / values.length,
        weight: values.length,
      });
      misses.push(scans.length - values.length);
    }
  });
  return { links, unheard, scans: scans.length, misses };
}

function meanVector(scans: readonly SurveyScan[], unheard: number): number[] {
  const n = scans[0]?.rssi.length ?? 0;
  return Array.from({ length: n }, (_, c) => {
    const v = scans.flatMap((s) => (s.rssi[c] === null ? [] : [s.rssi[c] as number]));
    return v.length === 0 ? unheard : v.reduce((a, x) => a + x, 0) / v.length;
  });
}

/** k-nearest-neighbours fingerprinting: the mean position of the k closest fingerprints (dB). */
export function knn(
  v: readonly number[],
  prints: readonly { x: number; y: number; v: readonly number[] }[],
  k: number,
): { x: number; y: number } | null {
  if (prints.length === 0) return null;
  const scored = prints.map((p) => {
    let d = 0;
    for (let i = 0; i < v.length; i += 1) d += (v[i]! - (p.v[i] ?? v[i]!)) ** 2;
    return { p, d };
  });
  scored.sort((a, b) => a.d - b.d);
  const top = scored.slice(0, Math.max(1, k));
  return {
    x: top.reduce((s, t) => s + t.p.x, 0) / top.length,
    y: top.reduce((s, t) => s + t.p.y, 0) / top.length,
  };
}

function run(cases: readonly Case[], txPriorSigmaDb: number): CvResult {
  const err = (f: { x: number; y: number } | null, t: SurveyScan): number =>
    f ? Math.hypot(f.x - t.x, f.y - t.y) : NaN;
  const e = {
    nearestRaw: [] as number[],
    nearestFit: [] as number[],
    centroidRaw: [] as number[],
    centroidFit: [] as number[],
    knn: [] as number[],
    leastSquares: [] as number[],
    aisle: [] as number[],
    surveyed: [] as number[],
  };
  const covered = { aisle: [0, 0], leastSquares: [0, 0], surveyed: [0, 0] };
  const heard = { few: [] as boolean[] };
  const ratios: CvResult['ratios'] = [];
  const tx = { mean: 0, sigmaDb: txPriorSigmaDb };
  const trackers = [
    { kalman: DEFAULT_KALMAN, covered: 0, squared: 0 },
    { kalman: { ...DEFAULT_KALMAN, persistentShare: 0 }, covered: 0, squared: 0 },
  ];
  const tracks = new Map<string, { at: number; tracks: MotionTrack[] }>();
  let trackedUpdates = 0;
  const ordered = [...cases].sort((a, b) =>
    a.truth.group === b.truth.group
      ? a.truth.id.localeCompare(b.truth.id)
      : a.truth.group.localeCompare(b.truth.group),
  );
  for (const c of ordered) {
    const { truth } = c;
    heard.few.push(c.links.length < 4);
    e.nearestRaw.push(err(nearestAnchor(c.rawLinks), truth));
    e.nearestFit.push(err(nearestAnchor(c.links), truth));
    e.centroidRaw.push(err(weightedCentroid(c.rawLinks), truth));
    e.centroidFit.push(err(weightedCentroid(c.links), truth));
    e.knn.push(err(c.knn, truth));
    const ls = locate({
      links: c.links,
      tx,
      bounds: c.grid.plan.bounds,
      options: {
        solver: 'least-squares',
        sigmaDb: c.model.sigmaDb,
        deviceHeight: 0,
      },
    });
    const lse = err(ls, truth);
    e.leastSquares.push(lse);
    if (ls && lse <= ls.radius68) covered.leastSquares[0]! += 1;
    if (ls && lse <= ls.radius95) covered.leastSquares[1]! += 1;
    const posterior = (links: LinkMeasurement[], model: RobustModel) =>
      gridPosterior({
        grid: c.grid,
        links,
        unheard: c.unheard,
        unheardScans: c.scans,
        linkMisses: c.misses,
        tx,
        deviceHeight: 0,
        model,
      });
    const fix = posterior(c.links, c.model);
    const ae = err(fix, truth);
    e.aisle.push(ae);
    if (fix && ae <= fix.radius68) covered.aisle[0]! += 1;
    if (fix && ae <= fix.radius95) covered.aisle[1]! += 1;
    if (fix) {
      trackFix(tracks, trackers, c.truth, fix, c.links.length);
      if ((tracks.get(c.truth.group)?.at ?? 0) > 0) trackedUpdates += 1;
      const k = c.model.radiusScale > 0 ? c.model.radiusScale : 1;
      ratios.push({
        set: truth.set,
        error: ae,
        radius68: fix.radius68 / k,
        radius95: fix.radius95 / k,
      });
    }
    const sfix = posterior(c.surveyedLinks, c.surveyedModel);
    const se = err(sfix, truth);
    e.surveyed.push(se);
    if (sfix && se <= sfix.radius68) covered.surveyed[0]! += 1;
    if (sfix && se <= sfix.radius95) covered.surveyed[1]! += 1;
  }
  const n = Math.max(1, cases.length);
  const none = { coverage68: null, coverage95: null };
  const withCoverage = (errors: number[], hits: number[]): CvMethodStats => ({
    ...errorStats(errors),
    coverage68: round(hits[0]! / n),
    coverage95: round(hits[1]! / n),
  });
  const better = (a: number[], b: number[]): number[] =>
    errorStats(a).median <= errorStats(b).median ? a : b;
  const centroidErrors = better(e.centroidRaw, e.centroidFit);
  const split = (few: boolean) => {
    const pick = (v: number[]) => v.filter((_, i) => heard.few[i] === few);
    return {
      fixes: heard.few.filter((f) => f === few).length,
      aisle: errorStats(pick(e.aisle)),
      centroid: errorStats(pick(centroidErrors)),
    };
  };
  const nearest = { ...errorStats(better(e.nearestRaw, e.nearestFit)), ...none };
  const centroid = { ...errorStats(better(e.centroidRaw, e.centroidFit)), ...none };
  const aisle = withCoverage(e.aisle, covered.aisle);
  const best = Math.min(nearest.median, centroid.median);
  return {
    fixes: cases.length,
    nearest,
    centroid,
    knn: { ...errorStats(e.knn), ...none },
    leastSquares: withCoverage(e.leastSquares, covered.leastSquares),
    aisle,
    aisleSurveyed: withCoverage(e.surveyed, covered.surveyed),
    bestBaselineMedian: best,
    aisleGain: round(1 - aisle.median / best),
    aisleTailRatio: round(aisle.p95 / aisle.median),
    bySensorsHeard: {
      '1-3': split(true),
      '4+': split(false),
    },
    ratios,
    tracked:
      trackedUpdates > 0
        ? {
            updates: trackedUpdates,
            coverage68: round(trackers[0]!.covered / trackedUpdates),
            coverage68Independent: round(trackers[1]!.covered / trackedUpdates),
            rmse: round(Math.sqrt(trackers[0]!.squared / trackedUpdates)),
            rmseIndependent: round(Math.sqrt(trackers[1]!.squared / trackedUpdates)),
          }
        : null,
  };
}

/**
 * One fix of a point's scan into that point's trackers (one per Kalman option set), as the engine
 * does it (per-axis variance uncertainty²/2, split by {@link splitFixVariance}); from the second
 * fix on each tracker's position is scored against the truth.
 */
function trackFix(
  tracks: Map<string, { at: number; tracks: MotionTrack[] }>,
  trackers: { kalman: KalmanOptions; covered: number; squared: number }[],
  truth: SurveyScan,
  fix: { x: number; y: number; uncertainty: number },
  anchors: number,
): void {
  const previous = tracks.get(truth.group);
  const at = previous ? previous.at + 1_000 : 0;
  const next = trackers.map((t, i) => {
    const motion = { ...DEFAULT_MOTION, kalman: t.kalman };
    const split = splitFixVariance((fix.uncertainty * fix.uncertainty) / 2, 1, anchors, t.kalman);
    const before = previous?.tracks[i];
    if (!before) return startMotion(at, fix.x, fix.y, split.variance, motion, split.biasVariance);
    const track = updateMotion(predictMotion(before, at, motion), { ...fix, ...split }, motion);
    const c = combinedTrack(track);
    const error = Math.hypot(c.s[0] - truth.x, c.s[1] - truth.y);
    if (error <= GAUSSIAN_RADIUS_68 * trackUncertainty(c)) t.covered += 1;
    t.squared += error * error;
    return track;
  });
  tracks.set(truth.group, { at, tracks: next });
}

/** Fixes of one data set: each fix's error and its stated radius (before any radius scale). */
export interface RadiusSample {
  error: number;
  radius: number;
}

export interface RadiusScaleCv {
  /** The scale learned from every data set together (the constant to ship). */
  pooledScale: number;
  /** Per held-out data set: the scale learned from the others, and its coverage there. */
  heldOut: { name: string; fixes: number; scale: number; coverage: number }[];
}

/**
 * Leave-one-data-set-out learning of the radius scale: for each data set, the scale k that makes
 * k·radius cover the truth at the `rate` on all OTHER data sets pooled (the rate-quantile of
 * error ÷ radius), and the coverage that k then achieves on the held-out set. A scale learned this
 * way was never fitted to the data it is judged on.
 */
export function radiusScaleCrossValidated(
  sets: readonly { name: string; samples: readonly RadiusSample[] }[],
  rate: number,
): RadiusScaleCv {
  const ratiosOf = (samples: readonly RadiusSample[]): number[] =>
    samples
      .filter((s) => Number.isFinite(s.error) && s.radius > 0 && Number.isFinite(s.radius))
      .map((s) => s.error / s.radius);
  // Every data set weighs the same in the pool, however many fixes it has.
  const scaleOf = (groups: readonly number[][]): number => {
    let lo = 0;
    let hi = 100;
    for (let it = 0; it < 60; it += 1) {
      const mid = (lo + hi) / 2;
      const covered =
        groups.reduce((s, g) => s + g.filter((r) => r <= mid).length / g.length, 0) / groups.length;
      if (covered < rate) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  const all = sets.map((s) => ratiosOf(s.samples)).filter((g) => g.length > 0);
  return {
    pooledScale: round(scaleOf(all)),
    heldOut: sets.map((s, i) => {
      const others = sets
        .filter((_, j) => j !== i)
        .map((o) => ratiosOf(o.samples))
        .filter((g) => g.length > 0);
      const scale = scaleOf(others);
      const own = ratiosOf(s.samples);
      return {
        name: s.name,
        fixes: own.length,
        scale: round(scale),
        coverage: round(own.filter((r) => r <= scale).length / Math.max(1, own.length)),
      };
    }),
  };
}
