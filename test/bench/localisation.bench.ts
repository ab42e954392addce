// Localisation accuracy and speed (issue #6): (a) the simulated store against the simulator's
// ground truth and the Cramér–Rao bound, (b) the UJI BLE library survey (real RSSI, surveyed
// positions), (c) throughput and memory for 10,000 concurrently tracked subjects on one core.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  demoStoreLayout,
  StoreSimulator,
  type SensorLayout,
  type StoreLayout,
} from '@aisle/hardware';
import {
  crlb,
  DEFAULT_ROBUST_MODEL,
  errorStats,
  evaluateSurveyCrossValidated,
  expectedRssi,
  GAUSSIAN_RADIUS_68,
  LocalisationEngine,
  parseUjiObstacles,
  parseUjiSurvey,
  radiusScaleCrossValidated,
  type Point,
  type RadiusSample,
  rms,
  type Survey,
  round,
  type EngineSighting,
} from '@aisle/localisation';
import { estimatorFamilies } from './localisation-families.js';

/** The shipped radius scale (the bench reports the one cross-validation learns). */
const RADIUS_SCALE = DEFAULT_ROBUST_MODEL.radiusScale;
/** Simulated seconds per (σ, density) case: ~10 min gives ~20 shoppers per case. */
const SECONDS = Number(process.env.LOC_BENCH_SECONDS ?? 600);
const SIGMAS = [2, 4, 6, 8];
/** m² per sensor. */
const DENSITIES = [50, 100, 200];
const START = Date.UTC(2026, 2, 14, 10, 0, 0);
/**
 * `centroidPrevious`: the weighted centroid through the engine as it was before the walking/standing
 * tracker (4 s window, constant-velocity Kalman without lag compensation, 1 m + ½·radius zone
 * margin), so Aisle is compared with the better of the two centroid set-ups, not only with a
 * centroid that the new tracker happens to suit less. `aisleIndependent`: Aisle with every fix's
 * error taken as independent of the previous fix's (no persistent share: the tracker before it),
 * for the tracked position's accuracy and coverage before/after in the same run.
 */
const STRATEGIES = [
  'nearest',
  'centroid',
  'centroidPrevious',
  'leastSquares',
  'aisleIndependent',
  'aisle',
] as const;
type Strategy = (typeof STRATEGIES)[number];
/** Ground truth kept per person for the fixes' own times, ms (longer than any window). */
const HISTORY_MS = 10_000;
/** The bound's yardstick: every reading of the last 4 s, whatever window the engine uses. */
const BOUND_WINDOW_MS = 4_000;
const PREVIOUS_ENGINE = {
  trackedWindowMs: 4_000,
  lagCompensation: false,
  overlapInflation: false,
  motion: { standing: false },
  zones: { marginM: 1, uncertaintyShare: 0.5 },
} as const;
/** Demo store: 30 m × 20 m floor plan (pavement included). */
const AREA_M2 = 600;

/** The demo store with its radios replaced by a regular layout of the given density. */
function layoutWithDensity(m2PerSensor: number): StoreLayout {
  const base = demoStoreLayout();
  const count = Math.round(AREA_M2 / m2PerSensor);
  const positions: [number, number][] = [];
  if (count <= 3) {
    positions.push([6, 5], [24, 5], [15, 16]);
  } else {
    const cols = Math.round(Math.sqrt((count * 30) / 20));
    const rows = Math.ceil(count / cols);
    for (let r = 0; r < rows; r += 1) {
      for (let c = 0; c < cols && positions.length < count; c += 1) {
        positions.push([((c + 0.5) * 30) / cols, ((r + 0.5) * 20) / rows]);
      }
    }
  }
  const template = base.sensors.find((s) => s.kinds.includes('wifi')) as SensorLayout;
  const radios = positions.map(([x, y], i): SensorLayout => ({
    ...template,
    id: `r${i + 1}`,
    x,
    y,
  }));
  return {
    ...base,
    sensors: [...radios, ...base.sensors.filter((s) => s.kinds.includes('camera'))],
  };
}

interface MethodAcc {
  errors: number[];
  insideErrors: number[];
  insideWrongZone: number;
  insideZoned: number;
  knownTxBounds: number[];
  staticErrors: number[];
  wrongZone: number;
  zoned: number;
  flaps: number;
  /** Static-period zone changes back to the zone held before the previous change (A→B→A). */
  returns: number;
  staticMs: number;
  fixErrors: number[];
  /** Fix error and 68 % radius before the radius scale (for the cross-validated scale). */
  fixRadii: { error: number; radius: number }[];
  fixCovered68: number;
  fixCovered95: number;
  trackedCovered68: number;
  tracked: number;
  staticFixErrors: number[];
  bounds: number[];
  staticBounds: number[];
}

function simulateCase(sigmaDb: number, m2PerSensor: number): Record<string, unknown> {
  const layout = layoutWithDensity(m2PerSensor);
  const sim = new StoreSimulator({ seed: 7, startAt: START, layout, sigmaDb });
  const radios = layout.sensors.filter((s) => !s.kinds.includes('camera'));
  const store = {
    storeId: layout.store.id,
    sensors: radios.map((s) => ({
      id: s.id,
      x: s.x,
      y: s.y,
      z: s.z,
      measuredPower: s.calibration.measuredPower,
      pathLossExponent: s.calibration.pathLossExponent,
    })),
    zones: layout.zones,
    sigmaDb,
  };
  const engines = new Map<Strategy, LocalisationEngine>();
  const acc = new Map<Strategy, MethodAcc>();
  for (const strategy of STRATEGIES) {
    const engine =
      strategy === 'centroidPrevious'
        ? new LocalisationEngine({ ...PREVIOUS_ENGINE, locate: { strategy: 'centroid' } })
        : strategy === 'leastSquares'
          ? new LocalisationEngine({ locate: { strategy: 'aisle', solver: 'least-squares' } })
          : strategy === 'aisleIndependent'
            ? new LocalisationEngine({
                locate: { strategy: 'aisle' },
                kalman: { persistentShare: 0 },
              })
            : new LocalisationEngine({ locate: { strategy } });
    engine.setStore(store);
    engines.set(strategy, engine);
    acc.set(strategy, {
      errors: [],
      insideErrors: [],
      insideWrongZone: 0,
      insideZoned: 0,
      knownTxBounds: [],
      staticErrors: [],
      wrongZone: 0,
      zoned: 0,
      flaps: 0,
      returns: 0,
      staticMs: 0,
      fixErrors: [],
      fixRadii: [],
      fixCovered68: 0,
      fixCovered95: 0,
      trackedCovered68: 0,
      tracked: 0,
      staticFixErrors: [],
      bounds: [],
      staticBounds: [],
    });
  }
  const owner = new Map<string, string>(); // address → person id (bench-internal, never output)
  const staticSince = new Map<string, number>();
  const lastPos = new Map<string, string>();
  const lastZone = new Map<
    string,
    { zone: string | null; at: number; before: string | null | undefined }
  >();
  /** subject → sensor → reading times (bench-side, for the engine-independent bound). */
  const heard = new Map<string, Map<string, number[]>>();
  const history = new Map<string, { at: number; x: number; y: number }[]>();
  for (let step = 0; step < SECONDS; step += 1) {
    const out = sim.step(1_000);
    const now = out.groundTruth.at;
    const truth = new Map(out.groundTruth.people.map((p) => [p.personId, p]));
    // Each person's positions of the last few seconds: a fix describes its readings' mean time.
    for (const p of out.groundTruth.people) {
      const h = history.get(p.personId) ?? [];
      h.push({ at: now, x: p.x, y: p.y });
      while (h.length > 0 && h[0]!.at < now - HISTORY_MS) h.shift();
      history.set(p.personId, h);
    }
    for (const p of out.groundTruth.people) {
      for (const a of [...p.macs, ...p.bleAddresses]) owner.set(a, p.personId);
      const key = `${p.x},${p.y}`;
      if (lastPos.get(p.personId) !== key) {
        staticSince.set(p.personId, now);
        lastPos.set(p.personId, key);
      }
    }
    const sightings: EngineSighting[] = [];
    for (const o of out.observations) {
      if (o.kind === 'camera') continue;
      const address: string = o.kind === 'wifi' ? o.mac : (o as { address: string }).address;
      const person = owner.get(address);
      if (!person) continue;
      sightings.push({
        storeId: o.storeId,
        sensorId: o.sensorId,
        subject: `${person}/${o.kind}`,
        period: 0,
        kind: o.kind,
        rssi: o.rssi,
        at: o.at,
      });
    }
    for (const s of sightings) {
      let perSensor = heard.get(s.subject);
      if (!perSensor) heard.set(s.subject, (perSensor = new Map()));
      const times = perSensor.get(s.sensorId) ?? [];
      times.push(s.at);
      perSensor.set(s.sensorId, times);
    }
    for (const perSensor of heard.values()) {
      for (const [id, times] of perSensor) {
        const kept = times.filter((t) => t > now - BOUND_WINDOW_MS);
        if (kept.length > 0) perSensor.set(id, kept);
        else perSensor.delete(id);
      }
    }
    for (const strategy of STRATEGIES) {
      const engine = engines.get(strategy) as LocalisationEngine;
      const a = acc.get(strategy) as MethodAcc;
      for (const s of sightings) engine.add(s);
      for (const u of engine.updateDetailed(now)) {
        const personId = u.position.subject.split('/')[0] as string;
        const t = truth.get(personId);
        if (!t) continue;
        const isStatic = (staticSince.get(personId) ?? now) <= now - 4_000; // still for the whole window
        const err = Math.hypot(u.position.x - t.x, u.position.y - t.y);
        a.errors.push(err);
        // The tracked position states a 1-σ radial (DRMS): its 68 % circle as a Gaussian's.
        if (err <= GAUSSIAN_RADIUS_68 * u.position.uncertainty) a.trackedCovered68 += 1;
        a.tracked += 1;
        if (isStatic) a.staticErrors.push(err);
        a.zoned += 1;
        if (u.position.zoneId !== t.zoneId) a.wrongZone += 1;
        if (t.inside) {
          a.insideErrors.push(err);
          a.insideZoned += 1;
          if (u.position.zoneId !== t.zoneId) a.insideWrongZone += 1;
        }
        const prev = lastZone.get(`${strategy}/${u.position.subject}`);
        const stillSincePrev = isStatic && (staticSince.get(personId) ?? now) <= (prev?.at ?? now);
        if (prev && stillSincePrev) {
          a.staticMs += now - prev.at;
          if (prev.zone !== u.position.zoneId) {
            a.flaps += 1;
            if (prev.before === u.position.zoneId) a.returns += 1;
          }
        }
        lastZone.set(`${strategy}/${u.position.subject}`, {
          zone: u.position.zoneId,
          at: now,
          // The zone before the last change within this still period (undefined: none yet).
          before:
            prev && stillSincePrev
              ? prev.zone !== u.position.zoneId
                ? prev.zone
                : prev.before
              : undefined,
        });
        if (strategy === 'aisle') {
          // Against where the person was at the readings' mean time (the nearest simulated second).
          const then =
            (history.get(personId) ?? []).reduce<{ at: number; x: number; y: number } | null>(
              (best, h) =>
                !best || Math.abs(h.at - u.fixAt) < Math.abs(best.at - u.fixAt) ? h : best,
              null,
            ) ?? t;
          const fixErr = Math.hypot(u.fix.x - then.x, u.fix.y - then.y);
          if (u.fix.method === 'multilateration') {
            a.fixRadii.push({ error: fixErr, radius: u.fix.radius68 / RADIUS_SCALE });
          }
          if (fixErr <= u.fix.radius68) a.fixCovered68 += 1;
          if (fixErr <= u.fix.radius95) a.fixCovered95 += 1;
          // Every reading of the last 4 s (σ/√n per link), independent of the engine's window.
          const boundAnchors = [...(heard.get(u.position.subject) ?? new Map<string, number[]>())]
            .map(([id, times]) => ({ sensor: radios.find((r) => r.id === id), n: times.length }))
            .flatMap(({ sensor, n }) =>
              sensor ? [{ x: sensor.x, y: sensor.y, z: sensor.z, samples: n }] : [],
            );
          a.knownTxBounds.push(
            crlb({
              at: t,
              anchors: boundAnchors,
              pathLossExponent: radios[0]!.calibration.pathLossExponent,
              sigmaDb,
              unknownTx: false,
              deviceHeight: 1.2,
            }),
          );
          const bound = crlb({
            at: t,
            anchors: boundAnchors,
            pathLossExponent: radios[0]!.calibration.pathLossExponent,
            sigmaDb,
            unknownTx: true,
            deviceHeight: 1.2,
          });
          if (Number.isFinite(bound)) {
            a.fixErrors.push(fixErr);
            a.bounds.push(bound);
            if (isStatic) {
              a.staticFixErrors.push(fixErr);
              a.staticBounds.push(bound);
            }
          }
        }
      }
    }
  }
  const result: Record<string, unknown> = {
    sigmaDb,
    m2PerSensor,
    sensors: radios.length,
  };
  for (const strategy of STRATEGIES) {
    const a = acc.get(strategy) as MethodAcc;
    const stats = errorStats(a.errors);
    result[strategy] = {
      ...stats,
      staticRmse: errorStats(a.staticErrors).rmse,
      inside: errorStats(a.insideErrors),
      insideWrongZoneRate: round(a.insideWrongZone / Math.max(1, a.insideZoned)),
      wrongZoneRate: round(a.wrongZone / Math.max(1, a.zoned)),
      staticFlapsPerMin: round(a.flaps / Math.max(1e-9, a.staticMs / 60_000)),
      staticReturnsPerMin: round(a.returns / Math.max(1e-9, a.staticMs / 60_000)),
      staticMinutes: round(a.staticMs / 60_000, 1),
      trackedCoverage68: round(a.trackedCovered68 / Math.max(1, a.tracked)),
    };
    if (strategy === 'aisle') {
      const fixRmse = errorStats(a.fixErrors).rmse;
      const staticFixRmse = errorStats(a.staticFixErrors).rmse;
      const bound = rms(a.bounds);
      const staticBound = rms(a.staticBounds);
      Object.assign(result[strategy] as object, {
        fixCoverage68: round(a.fixCovered68 / Math.max(1, a.tracked)),
        fixCoverage95: round(a.fixCovered95 / Math.max(1, a.tracked)),
        fixRmse,
        crlbRmse: bound,
        crlbKnownTxRmse: rms(a.knownTxBounds),
        fixRmseOverKnownTxCrlb: round(fixRmse / rms(a.knownTxBounds)),
        fixRmseOverCrlb: round(fixRmse / bound),
        trackedRmseOverCrlb: round(stats.rmse / bound),
        staticFixRmseOverCrlb: round(staticFixRmse / staticBound),
        staticTrackedRmseOverCrlb: round(errorStats(a.staticErrors).rmse / staticBound),
      });
    }
  }
  result.fixRadii = (acc.get('aisle') as MethodAcc).fixRadii;
  const centroid = Math.min(
    (result.centroid as { rmse: number }).rmse,
    (result.centroidPrevious as { rmse: number }).rmse,
  );
  result.aisleVsCentroid = round(1 - (result.aisle as { rmse: number }).rmse / centroid);
  return result;
}

function readSurvey(): { survey: Survey; obstacles: Point[][] } {
  const dir = join(process.cwd(), '..', 'shared', 'data', 'uji-ble-library');
  const read = (p: string): string => readFileSync(join(dir, p), 'utf8');
  return {
    survey: parseUjiSurvey({
      dep: read('dep/lib.csv'),
      rss: read('rss/lib_rss.csv'),
      crd: read('rss/lib_crd.csv'),
      ids: read('rss/lib_ids.csv'),
    }),
    obstacles: parseUjiObstacles(read('obs/lib.csv')),
  };
}

function survey(): {
  result: Record<string, unknown>;
  radii: { name: string; samples: RadiusSample[] }[];
} {
  const e = evaluateSurveyCrossValidated(readSurvey());
  const radii: { name: string; samples: RadiusSample[] }[] = [];
  for (const [kind, r] of [
    ['uji-single', e.singleScan],
    ['uji-window', e.window],
  ] as const) {
    for (const set of [...new Set(r.ratios.map((x) => x.set))].sort()) {
      radii.push({
        name: `${kind}-set${set}`,
        samples: r.ratios
          .filter((x) => x.set === set)
          .map((x) => ({ error: x.error, radius: x.radius68 })),
      });
    }
  }
  const strip = ({ ratios: _, ...rest }: (typeof e)['singleScan']) => rest;
  return {
    result: { fits: e.fits, singleScan: strip(e.singleScan), window: strip(e.window) },
    radii,
  };
}

function throughput(
  solver: 'posterior' | 'least-squares',
  kalman: { persistentShare?: number } = {},
): Record<string, unknown> {
  const SUBJECTS = 10_000;
  const SECONDS_RUN = 12;
  const layout = demoStoreLayout();
  const radios = layout.sensors.filter((s) => !s.kinds.includes('camera'));
  const engine = new LocalisationEngine({ locate: { solver }, kalman });
  engine.setStore({
    storeId: 'demo',
    sensors: radios.map((s) => ({
      id: s.id,
      x: s.x,
      y: s.y,
      z: s.z,
      measuredPower: -45,
      pathLossExponent: 2.5,
    })),
    zones: layout.zones,
  });
  let seed = 1;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const gauss = (): number =>
    Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const people = Array.from({ length: SUBJECTS }, (_, i) => ({
    subject: i.toString(16).padStart(16, '0'),
    x: 1 + random() * 28,
    y: 2 + random() * 17,
  }));
  // Pre-generate one second of sightings per subject per sensor (BLE-like 1 Hz), reused with new times.
  const base: EngineSighting[][] = people.map((p) =>
    radios.map((s) => ({
      storeId: 'demo',
      sensorId: s.id,
      subject: p.subject,
      period: 0,
      kind: 'ble' as const,
      at: 0,
      rssi: Math.round(
        expectedRssi({
          calibration: { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 },
          distance: Math.hypot(p.x - s.x, p.y - s.y, s.z - 1.2),
        }) +
          4 * gauss(),
      ),
    })),
  );
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let updates = 0;
  let sightings = 0;
  let busyMs = 0;
  // CPU time of the process over the same spans (user + system, every thread: GC helpers count
  // too, so this errs low): on a shared machine wall time also counts the other jobs' turns.
  let cpuMs = 0;
  for (let second = 0; second < SECONDS_RUN; second += 1) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const now = START + second * 1_000;
    for (const batch of base) {
      for (const s of batch) {
        s.at = now - 500;
        engine.add(s);
        sightings += 1;
      }
    }
    updates += engine.update(now).length;
    busyMs += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpuMs += (c.user + c.system) / 1_000;
  }
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    subjects: engine.stats().subjects,
    sensorsPerSubject: radios.length,
    simulatedSeconds: SECONDS_RUN,
    sightingsPerSecond: Math.round((sightings / busyMs) * 1000),
    positionUpdatesPerSecond: Math.round((updates / busyMs) * 1000),
    /** The same per second of CPU time (one core's worth), independent of the machine's load. */
    positionUpdatesPerCpuSecond: Math.round((updates / cpuMs) * 1000),
    cpuShareOfWall: round(cpuMs / busyMs),
    heapPerSubjectBytes: Math.round((heapAfter - heapBefore) / SUBJECTS),
    gcExposed: gc !== undefined,
  };
}

/**
 * Each solver twice, in the order posterior, least-squares, least-squares, posterior (so neither
 * gains from running first or last: JIT warm-up, heap growth); each one's better run is reported
 * (the one the machine's other load disturbed least), with the ratio of the two. The posterior
 * without the tracker's persistent error share runs in between (A/B of the tracker's cost).
 */
function throughputBoth(): Record<string, unknown> {
  const p1 = throughput('posterior');
  const i1 = throughput('posterior', { persistentShare: 0 });
  const l1 = throughput('least-squares');
  const l2 = throughput('least-squares');
  const i2 = throughput('posterior', { persistentShare: 0 });
  const p2 = throughput('posterior');
  const rate = (r: Record<string, unknown>): number => r.positionUpdatesPerSecond as number;
  const cpuRate = (r: Record<string, unknown>): number => r.positionUpdatesPerCpuSecond as number;
  const posterior = rate(p1) >= rate(p2) ? p1 : p2;
  const leastSquares = rate(l1) >= rate(l2) ? l1 : l2;
  return {
    posterior,
    leastSquares,
    posteriorVsLeastSquares: round(rate(posterior) / rate(leastSquares)),
    posteriorVsLeastSquaresCpu: round(
      Math.max(cpuRate(p1), cpuRate(p2)) / Math.max(cpuRate(l1), cpuRate(l2)),
    ),
    /** The tracker with the persistent error share ÷ the tracker without it (same solver). */
    persistentVsIndependentCpu: round(
      Math.max(cpuRate(p1), cpuRate(p2)) / Math.max(cpuRate(i1), cpuRate(i2)),
    ),
    runs: {
      posterior: [rate(p1), rate(p2)],
      leastSquares: [rate(l1), rate(l2)],
      posteriorCpu: [cpuRate(p1), cpuRate(p2)],
      leastSquaresCpu: [cpuRate(l1), cpuRate(l2)],
      independentCpu: [cpuRate(i1), cpuRate(i2)],
    },
  };
}

export default async function localisationBench(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const simulated: Record<string, unknown>[] = [];
  // LOC_BENCH_CASES="4/50,8/100" runs only those cases; LOC_BENCH_PARTS="survey" skips the rest;
  // LOC_BENCH_PARTS="families" (not in the default run: ~1 min) compares estimator families.
  const only = process.env.LOC_BENCH_CASES?.split(',');
  const parts = process.env.LOC_BENCH_PARTS?.split(',') ?? ['simulated', 'survey', 'throughput'];
  for (const sigma of parts.includes('simulated') ? SIGMAS : []) {
    for (const density of DENSITIES) {
      if (!only || only.includes(`${sigma}/${density}`)) {
        simulated.push(simulateCase(sigma, density));
      }
    }
  }
  const simulatedMs = performance.now() - started;
  const real = parts.includes('survey') ? survey() : null;
  // Both solvers in the same run: the machine's load moves the absolute figures, not the ratio.
  const speed = parts.includes('throughput') ? throughputBoth() : null;
  const families = parts.includes('families') ? estimatorFamilies(readSurvey()) : null;
  // The radius scale, cross-validated: learned on all data sets but one, judged on that one.
  const radii = [
    ...simulated.map((c) => ({
      name: `sim-${String(c.sigmaDb)}dB-${String(c.m2PerSensor)}m2`,
      samples: c.fixRadii as RadiusSample[],
    })),
    ...(real?.radii ?? []),
  ];
  for (const c of simulated) delete c.fixRadii;
  return {
    simulatedSecondsPerCase: SECONDS,
    simulated,
    survey: real?.result ?? null,
    radiusScale: {
      shipped: RADIUS_SCALE,
      rate68: radiusScaleCrossValidated(radii, 0.68),
    },
    throughput: speed,
    estimatorFamilies: families,
    elapsedMs: {
      simulated: Math.round(simulatedMs),
      total: Math.round(performance.now() - started),
    },
  };
}
