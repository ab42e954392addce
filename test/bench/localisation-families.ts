// Estimator families on the UJI BLE library survey (issue #20): what median is reachable at all?
// Every family is run with the same split as the survey table (per collection set, alternate
// surveyed points; fitted on one half, tested on the other, swapped) and one parameter set, once
// with the model self-calibrated from the training half's readings WITHOUT positions and once with
// an "oracle" model fitted to the training half's TRUE positions: the oracle bounds what a better
// self-calibration of that family could give. Two data limits are measured besides: how fast the
// residuals of a log-distance fit at the true points decorrelate with distance (what a learned
// per-beacon bias field can carry to a point it never saw), and the error with a perfect radio map
// (each surveyed point's own mean readings, the scan itself left out).
import {
  boxAround,
  calibrationWindowOf,
  buildFloorGrid,
  cellCrossings,
  errorStats,
  gridPosterior,
  normalCdf,
  pointFolds,
  round,
  scanGroups,
  selfCalibrate,
  weightedCentroid,
  type ErrorStats,
  type FloorGrid,
  type LinkMeasurement,
  type PathLossCalibration,
  type Point,
  type Survey,
  type SurveyScan,
} from '@aisle/localisation';

type Calibrations = Record<string, PathLossCalibration>;
/** Expected RSSI per beacon per free grid cell. */
type RadioMap = Float64Array[];
/** RSSI per beacon of one scan or window (null: not heard). */
type Reading = (number | null)[];

/** Huber k and the kernel of the bias field (bandwidth m, prior weight): one set, not tuned. */
const HUBER_K = 2;
const BIAS_BANDWIDTH_M = 1.5;
const BIAS_PRIOR_WEIGHT = 1;
/** Fast-fading spread assumed by the perfect-map bound (the survey's within-point sd is ~3.6 dB). */
const PERFECT_MAP_SIGMA_DB = 3;

interface Context {
  survey: Survey;
  grid: FloorGrid;
  logD: Float64Array[];
  walls: Float64Array[];
}

function mapOf(ctx: Context, cal: Calibrations, wallLossDb: number): RadioMap {
  return ctx.survey.beacons.map((b, i) => {
    const k = cal[b.id]!;
    const p = k.measuredPower + k.receiverOffset;
    const out = new Float64Array(ctx.grid.size);
    for (let c = 0; c < ctx.grid.size; c += 1) {
      out[c] = p - k.pathLossExponent * ctx.logD[i]![c]! - wallLossDb * ctx.walls[i]![c]!;
    }
    return out;
  });
}

/** Posterior mean (and mode) over the grid; `temper` multiplies the log-likelihood. */
function posterior(
  ctx: Context,
  map: RadioMap,
  r: Reading,
  sigma: number,
  o: { huberK: number; temper: number; bias?: RadioMap },
): { x: number; y: number; mode: Point } | null {
  const heard = r.flatMap((v, i) => (v === null ? [] : [i]));
  if (heard.length === 0) return null;
  const { grid } = ctx;
  const lp = new Float64Array(grid.size);
  let best = -Infinity;
  let bestC = 0;
  for (let c = 0; c < grid.size; c += 1) {
    const e = heard.map((i) => r[i]! - map[i]![c]! - (o.bias ? o.bias[i]![c]! : 0));
    // The phone's transmit offset, profiled with a 1 dB prior (as the survey table does).
    const b = e.reduce((s, v) => s + v, 0) / (heard.length + sigma * sigma);
    let ll = -0.5 * b * b;
    for (const v of e) {
      const z = Math.abs(v - b) / sigma;
      ll -= z <= o.huberK ? 0.5 * z * z : o.huberK * z - 0.5 * o.huberK * o.huberK;
    }
    lp[c] = o.temper * ll;
    if (lp[c]! > best) {
      best = lp[c]!;
      bestC = c;
    }
  }
  return { ...meanOf(grid, lp, best), mode: { x: grid.cx[bestC]!, y: grid.cy[bestC]! } };
}

/**
 * Ordinal likelihood: only which beacon is stronger than which (P(rᵢ > rⱼ) = Φ((μᵢ − μⱼ)/σ√2)),
 * blind to the phone's power and to any gain common to a pair.
 */
function rankPosterior(ctx: Context, map: RadioMap, r: Reading, sigma: number): Point | null {
  const heard = r.flatMap((v, i) => (v === null ? [] : [i]));
  if (heard.length === 0) return null;
  const { grid } = ctx;
  const lp = new Float64Array(grid.size);
  let best = -Infinity;
  for (let c = 0; c < grid.size; c += 1) {
    let ll = 0;
    for (let a = 0; a < heard.length; a += 1) {
      for (let d = a + 1; d < heard.length; d += 1) {
        const i = heard[a]!;
        const j = heard[d]!;
        if (r[i] === r[j]) continue;
        const [hi, lo] = r[i]! > r[j]! ? [i, j] : [j, i];
        const z = (map[hi]![c]! - map[lo]![c]!) / (sigma * Math.SQRT2);
        ll += Math.log(Math.max(1e-12, normalCdf(z)));
      }
    }
    lp[c] = ll;
    if (ll > best) best = ll;
  }
  return meanOf(grid, lp, best);
}

function meanOf(grid: FloorGrid, lp: Float64Array, best: number): Point {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let c = 0; c < grid.size; c += 1) {
    const w = Math.exp(lp[c]! - best);
    sw += w;
    sx += w * grid.cx[c]!;
    sy += w * grid.cy[c]!;
  }
  return { x: sx / sw, y: sy / sw };
}

/** Per-beacon residual field: kernel regression of residuals at points, shrunk towards 0. */
function biasField(ctx: Context, samples: { i: number; x: number; y: number; e: number }[]) {
  const { grid } = ctx;
  return ctx.survey.beacons.map((_, i) => {
    const own = samples.filter((s) => s.i === i);
    const out = new Float64Array(grid.size);
    for (let c = 0; c < grid.size; c += 1) {
      let sw = BIAS_PRIOR_WEIGHT;
      let se = 0;
      for (const s of own) {
        const d2 = (grid.cx[c]! - s.x) ** 2 + (grid.cy[c]! - s.y) ** 2;
        const w = Math.exp(-d2 / (2 * BIAS_BANDWIDTH_M ** 2));
        sw += w;
        se += w * s.e;
      }
      out[c] = se / sw;
    }
    return out;
  });
}

function nearestCell(grid: FloorGrid, p: Point): number {
  let best = 0;
  let bd = Infinity;
  for (let c = 0; c < grid.size; c += 1) {
    const d = (grid.cx[c]! - p.x) ** 2 + (grid.cy[c]! - p.y) ** 2;
    if (d < bd) {
      bd = d;
      best = c;
    }
  }
  return best;
}

function readingOf(scans: readonly SurveyScan[]): { r: Reading; counts: number[] } {
  const n = scans[0]?.rssi.length ?? 0;
  const counts: number[] = [];
  const r = Array.from({ length: n }, (_, i) => {
    const v = scans.flatMap((s) => (s.rssi[i] === null ? [] : [s.rssi[i]!]));
    counts.push(v.length);
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  });
  return { r, counts };
}

export interface FamilyRow {
  family: string;
  selfCalibrated: ErrorStats | null;
  oracle: ErrorStats | null;
}

export function estimatorFamilies({
  survey,
  obstacles,
}: {
  survey: Survey;
  obstacles: readonly Point[][];
}) {
  const bounds = boxAround([...survey.beacons, ...obstacles.flat()], 0.5)!;
  const grid = buildFloorGrid({ bounds, obstacles }, 0.5);
  const anchors = survey.beacons.map((b) => ({ ...b, z: 0 }));
  const ctx: Context = {
    survey,
    grid,
    logD: anchors.map((b) =>
      Float64Array.from(grid.cx, (x, c) =>
        Math.max(0, 10 * Math.log10(Math.max(0.5, Math.hypot(x - b.x, grid.cy[c]! - b.y)))),
      ),
    ),
    walls: anchors.map((b) => cellCrossings(grid, b)),
  };
  const raw: Calibrations = Object.fromEntries(
    anchors.map((b) => [b.id, { measuredPower: -60, pathLossExponent: 2, receiverOffset: 0 }]),
  );
  const errors = new Map<string, number[]>();
  // The self-calibrated posterior's one-scan fixes: what the worst of them were made of.
  const tail: ReturnType<typeof tailCase>[] = [];
  const add = (kind: 'single' | 'window', name: string, f: Point | null, t: Point): void => {
    const key = `${kind}|${name}`;
    errors.set(key, [...(errors.get(key) ?? []), f ? Math.hypot(f.x - t.x, f.y - t.y) : NaN]);
  };
  const linksOf = (r: Reading, counts: number[], cal: Calibrations): LinkMeasurement[] =>
    anchors.flatMap((a, i): LinkMeasurement[] =>
      r[i] === null
        ? []
        : [
            {
              anchor: { ...a, calibration: cal[a.id]! },
              rssi: r[i]!,
              weight: counts[i]!,
            },
          ],
    );
  for (const set of [...new Set(survey.scans.map((s) => s.set))].sort()) {
    for (const { train, test } of pointFolds(survey.scans.filter((s) => s.set === set))) {
      const trainGroups = scanGroups(train);
      const windows = trainGroups.map((g) => calibrationWindowOf(g, survey));
      const self = selfCalibrate({ anchors, windows, grid, deviceHeight: 0 });
      const oracle = selfCalibrate({
        anchors,
        windows: [],
        references: train.flatMap((s) =>
          s.rssi.flatMap((v, i) =>
            v === null
              ? []
              : [
                  {
                    sensorId: anchors[i]!.id,
                    rssi: v,
                    distance: Math.hypot(s.x - anchors[i]!.x, s.y - anchors[i]!.y),
                  },
                ],
          ),
        ),
        grid,
        deviceHeight: 0,
      });
      const sigma = self.model.sigmaDb;
      const models = {
        self: {
          cal: self.calibrations,
          wallLossDb: self.model.obstacleLossDb,
          map: mapOf(ctx, self.calibrations, self.model.obstacleLossDb),
        },
        oracle: {
          cal: oracle.calibrations,
          wallLossDb: oracle.model.obstacleLossDb,
          map: mapOf(ctx, oracle.calibrations, oracle.model.obstacleLossDb),
        },
      };
      // Bias fields: self — residuals where the self-calibrated model places each training
      // window; oracle — residuals of the oracle model at the training windows' true points.
      const selfRes: { i: number; x: number; y: number; e: number }[] = [];
      const oracleRes: typeof selfRes = [];
      for (const g of trainGroups) {
        const { r } = readingOf(g);
        const placed = posterior(ctx, models.self.map, r, sigma, { huberK: HUBER_K, temper: 1 });
        if (!placed) continue;
        const pc = nearestCell(grid, placed);
        const tc = nearestCell(grid, g[0]!);
        r.forEach((v, i) => {
          if (v === null) return;
          selfRes.push({ i, x: placed.x, y: placed.y, e: v - models.self.map[i]![pc]! });
          oracleRes.push({ i, x: g[0]!.x, y: g[0]!.y, e: v - models.oracle.map[i]![tc]! });
        });
      }
      const bias = { self: biasField(ctx, selfRes), oracle: biasField(ctx, oracleRes) };
      for (const kind of ['single', 'window'] as const) {
        const cases = kind === 'single' ? test.map((s) => [s]) : scanGroups(test);
        for (const g of cases) {
          const t = g[0]!;
          const { r, counts } = readingOf(g);
          if (r.every((v) => v === null)) continue;
          add(kind, 'centroid 1/d² (raw RSSI)|self', weightedCentroid(linksOf(r, counts, raw)), t);
          for (const which of ['self', 'oracle'] as const) {
            const m = models[which];
            const links = linksOf(r, counts, m.cal);
            const tag = (name: string): string => `${name}|${which}`;
            add(kind, tag('centroid 1/d² (fitted ranges)'), weightedCentroid(links), t);
            const fix = gridPosterior({
              grid,
              links,
              tx: { mean: 0, sigmaDb: 1 },
              deviceHeight: 0,
              model: { ...self.model, obstacleLossDb: models[which].wallLossDb },
            });
            add(kind, tag('Aisle posterior mean'), fix, t);
            if (fix && kind === 'single' && which === 'self') {
              tail.push(tailCase(fix, t, links, anchors));
            }
            add(kind, tag('posterior mode (MAP)'), fix?.mode ?? null, t);
            const c = weightedCentroid(linksOf(r, counts, raw));
            add(
              kind,
              tag('½ posterior + ½ centroid'),
              fix && c ? { x: (fix.x + c.x) / 2, y: (fix.y + c.y) / 2 } : null,
              t,
            );
            for (const temper of [0.5, 0.25]) {
              add(
                kind,
                tag(`tempered likelihood ×${temper}`),
                posterior(ctx, m.map, r, sigma, { huberK: HUBER_K, temper }),
                t,
              );
            }
            add(kind, tag('ordinal (rank) likelihood'), rankPosterior(ctx, m.map, r, sigma), t);
            add(
              kind,
              tag('log-distance + per-beacon bias field'),
              posterior(ctx, m.map, r, sigma, { huberK: HUBER_K, temper: 1, bias: bias[which] }),
              t,
            );
          }
        }
      }
    }
  }
  const rows = (kind: 'single' | 'window'): FamilyRow[] => {
    const names = [
      ...new Set(
        [...errors.keys()].filter((k) => k.startsWith(`${kind}|`)).map((k) => k.split('|')[1]!),
      ),
    ];
    return names.map((family) => {
      const of = (which: string): ErrorStats | null => {
        const e = errors.get(`${kind}|${family}|${which}`);
        return e ? errorStats(e) : null;
      };
      return { family, selfCalibrated: of('self'), oracle: of('oracle') };
    });
  };
  return {
    singleScan: rows('single'),
    window: rows('window'),
    worstOneScanFixes: tailComposition(tail),
    ...dataLimits(survey),
  };
}

function tailCase(
  fix: Point,
  t: Point,
  links: readonly LinkMeasurement[],
  beacons: readonly { id: string; x: number; y: number }[],
) {
  const dist = (a: Point): number => Math.hypot(a.x - t.x, a.y - t.y);
  const strongest = links.reduce((a, b) => (b.rssi > a.rssi ? b : a));
  const nearest = beacons.reduce((a, b) => (dist(b) < dist(a) ? b : a));
  return {
    error: dist(fix),
    heard: links.length,
    nearestHeard: links.some((l) => l.anchor.id === nearest.id),
    strongestM: dist(strongest.anchor),
  };
}

/**
 * The worst 5 % of the one-scan fixes against the rest: share heard by 1–3 beacons, share whose
 * scan missed the beacon nearest the truth, share whose strongest reading came from a beacon more
 * than 4 m from the truth.
 */
function tailComposition(cases: ReturnType<typeof tailCase>[]) {
  const sorted = [...cases].sort((a, b) => a.error - b.error);
  const cut = sorted[Math.floor(0.95 * sorted.length)]?.error ?? Infinity;
  const share = (v: typeof cases, f: (c: (typeof cases)[number]) => boolean): number =>
    round(v.filter(f).length / Math.max(1, v.length));
  const of = (v: typeof cases) => ({
    fixes: v.length,
    heardBy1to3: share(v, (c) => c.heard < 4),
    nearestBeaconMissed: share(v, (c) => !c.nearestHeard),
    strongestBeaconOver4m: share(v, (c) => c.strongestM > 4),
  });
  return {
    p95: round(cut),
    worst: of(sorted.filter((c) => c.error >= cut)),
    rest: of(sorted.filter((c) => c.error < cut)),
  };
}

/**
 * Residual correlation of one beacon's per-point mean reading around its own log-distance fit at
 * the TRUE points, by the distance between points; and the one-scan error with a perfect radio
 * map (the posterior mean over the surveyed points, each point's mean readings its fingerprint,
 * the scan itself left out of its own point's mean).
 */
function dataLimits(survey: Survey) {
  const bins = new Map<number, { sxy: number; sxx: number; pairs: number }>();
  const perfect: number[] = [];
  const B = survey.beacons.length;
  for (const set of [...new Set(survey.scans.map((s) => s.set))].sort()) {
    const points = scanGroups(
      survey.scans.filter((s) => s.set === set).map((s) => ({ ...s, group: `${s.x},${s.y}` })),
    );
    const prints = points.map((g) =>
      Array.from({ length: B }, (_, i) => {
        const v = g.flatMap((s) => (s.rssi[i] === null ? [] : [s.rssi[i]!]));
        return { sum: v.reduce((a, b) => a + b, 0), n: v.length };
      }),
    );
    points.forEach((g, p) => {
      for (const s of g) {
        if (s.rssi.every((v) => v === null)) continue;
        const ll = points.map((_, q) => {
          let l = 0;
          for (let i = 0; i < B; i += 1) {
            const own = q === p && s.rssi[i] !== null;
            const n = prints[q]![i]!.n - (own ? 1 : 0);
            const sum = prints[q]![i]!.sum - (own ? s.rssi[i]! : 0);
            // Unheard: likelier where the point's own scans missed it too; heard where they never
            // did: unlikely. Otherwise Gaussian around the point's mean, capped (one outlier).
            if (s.rssi[i] === null) l += Math.log(n > 0 ? 0.3 : 0.9);
            else if (n === 0) l += Math.log(0.05) - 3;
            else l -= 0.5 * Math.min(8, ((s.rssi[i]! - sum / n) / PERFECT_MAP_SIGMA_DB) ** 2);
          }
          return l;
        });
        const top = Math.max(...ll);
        let sw = 0;
        let sx = 0;
        let sy = 0;
        ll.forEach((l, q) => {
          const w = Math.exp(l - top);
          sw += w;
          sx += w * points[q]![0]!.x;
          sy += w * points[q]![0]!.y;
        });
        perfect.push(Math.hypot(sx / sw - s.x, sy / sw - s.y));
      }
    });
    survey.beacons.forEach((b, i) => {
      const rows = points.flatMap((g, p) => {
        const f = prints[p]![i]!;
        if (f.n === 0) return [];
        const l = 10 * Math.log10(Math.max(0.5, Math.hypot(g[0]!.x - b.x, g[0]!.y - b.y)));
        return [{ x: g[0]!.x, y: g[0]!.y, r: f.sum / f.n, l }];
      });
      if (rows.length < 10) return;
      const n = rows.length;
      const sl = rows.reduce((a, r) => a + r.l, 0);
      const sr = rows.reduce((a, r) => a + r.r, 0);
      const sll = rows.reduce((a, r) => a + r.l * r.l, 0);
      const slr = rows.reduce((a, r) => a + r.l * r.r, 0);
      const slope = (n * slr - sl * sr) / (n * sll - sl * sl);
      const icpt = (sr - slope * sl) / n;
      const e = rows.map((r) => r.r - (icpt + slope * r.l));
      for (let a = 0; a < n; a += 1) {
        for (let c = a + 1; c < n; c += 1) {
          const d = Math.hypot(rows[a]!.x - rows[c]!.x, rows[a]!.y - rows[c]!.y);
          const bin = Math.min(4, Math.floor(d / 1.2));
          const acc = bins.get(bin) ?? { sxy: 0, sxx: 0, pairs: 0 };
          acc.sxy += e[a]! * e[c]!;
          acc.sxx += (e[a]! ** 2 + e[c]! ** 2) / 2;
          acc.pairs += 1;
          bins.set(bin, acc);
        }
      }
    });
  }
  return {
    perfectRadioMapSingleScan: errorStats(perfect),
    residualCorrelationByDistance: [...bins]
      .sort((a, b) => a[0] - b[0])
      .map(([bin, a]) => ({
        fromM: round(bin * 1.2, 1),
        toM: bin === 4 ? null : round((bin + 1) * 1.2, 1),
        correlation: round(a.sxy / a.sxx),
        pairs: a.pairs,
      })),
  };
}
