// `npm run bench -- aggregation`: (a) positions/s through the sessioniser alone (pure maths), and
// ingest-to-rollup (sessioniser + visit facts + rollup refresh) with positions from the demo
// simulator's ground truth; (a') ingest-to-rollup in sightings/s: the simulator's radio sightings
// (pseudonymised as the gate does) → LocalisationEngine → sessioniser → facts + rollup refresh; (b) camera counts → rollups for a synthetic history of 10 stores × 30
// days; (c) query latency of 30 days of hourly footfall per store (the API's store query + series
// maths, without HTTP; the cold first query also on its own, the server-side time from EXPLAIN). PostgreSQL when DATABASE_URL is set (fresh schema, dropped at the end),
// else in-memory PGlite (the result says which).
import { createHmac, randomBytes } from 'node:crypto';
import {
  Sessioniser,
  bucketStart,
  metricSeries,
  seriesZones,
  sourceMetrics,
  type CountRecord,
  type VisitRecord,
} from '@aisle/aggregation';
import { LocalisationEngine, type EngineSighting } from '@aisle/localisation';
import { isSensitiveZone } from '@aisle/policy';
import { pointInPolygon, type PositionUpdate } from '@aisle/sdk';
import { StoreSimulator, demoStoreLayout, truthPositions } from '@aisle/hardware';
import { RollupStore, closeDatabase, databaseKind, openDatabase } from '@aisle/persistence';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STORES = 10;
const DAYS = 30;
/** Counter reports per hour per store in the synthetic history (one per 10 min). */
const REPORTS_PER_HOUR = 6;
const QUERY_ROUNDS = 20;
/** Localisation publishes positions once a second (LOCALISATION_UPDATE_MS in the hub). */
const LOCALISE_EVERY_MS = 1_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export default async function run() {
  const url = process.env.DATABASE_URL;
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataSource = await openDatabase(url ? { url, schema } : {});
  const database = databaseKind(dataSource);
  const store = new RollupStore(dataSource);
  try {
    // --- (a) positions from the simulator's truth: 1 simulated hour, a position per phone per 2 s.
    const layout = demoStoreLayout();
    const simulatedMinutes = Number(process.env.BENCH_MINUTES ?? 60);
    const start = Date.UTC(2026, 0, 5, 9);
    const simulator = new StoreSimulator({ seed: 3, startAt: start, layout, arrivalsPerMinute: 4 });
    const steps: { at: number; positions: PositionUpdate[] }[] = [];
    for (let t = 0; t < simulatedMinutes * 30; t += 1) {
      const { groundTruth } = simulator.step(2_000);
      steps.push({
        at: groundTruth.at,
        positions: truthPositions({ storeId: 'demo', truth: groundTruth }),
      });
    }
    const positions = steps.reduce((n, s) => n + s.positions.length, 0);
    const geometry = {
      outsideZoneIds: ['storefront'],
      width: layout.store.width,
      height: layout.store.height,
    };

    const pure = new Sessioniser();
    pure.configureStore('demo', geometry);
    const pureStarted = performance.now();
    let pureVisits = 0;
    for (const step of steps) {
      for (const p of step.positions) pure.ingest(p);
      for (const e of pure.advance(step.at)) if (e.type === 'visit.ended') pureVisits += 1;
    }
    const pureSeconds = (performance.now() - pureStarted) / 1000;

    const sut = new Sessioniser();
    sut.configureStore('demo', geometry);
    let pending: VisitRecord[] = [];
    let visits = 0;
    const flush = async (now: number) => {
      if (pending.length === 0) return;
      await store.saveVisits(pending);
      await store.refresh({
        storeId: 'demo',
        timeZone: layout.store.timezone,
        visits: pending,
        counts: [],
        grid: { width: layout.store.width, height: layout.store.height, cellM: 1 },
        visitFactsSince: now - DAY,
      });
      visits += pending.length;
      pending = [];
    };
    const e2eStarted = performance.now();
    let lastFlush = start;
    let flushes = 0;
    for (const step of steps) {
      for (const p of step.positions) sut.ingest(p);
      for (const e of sut.advance(step.at)) if (e.type === 'visit.ended') pending.push(e.visit);
      // one flush per simulated 30 s (the service flushes every 10 s of wall time)
      if (step.at - lastFlush >= 30_000) {
        await flush(step.at);
        flushes += 1;
        lastFlush = step.at;
      }
    }
    for (const e of sut.closeAll()) if (e.type === 'visit.ended') pending.push(e.visit);
    await flush(start + simulatedMinutes * 60_000);
    const e2eSeconds = (performance.now() - e2eStarted) / 1000;
    // Let the garbage collector have the simulated input: kept alive, its ~100 MB would make
    // every young-generation collection during part (c) slower (measured: 20–130 ms pauses).
    steps.length = 0;

    // --- (a') sightings → localisation → sessioniser → facts + rollups, as the hub chains them
    // (without the bus and the HTTP server). The sightings are made before timing: a keyed
    // pseudonym per address like the gate's, so no raw address goes further.
    const sightingMinutes = Number(process.env.BENCH_SIGHTING_MINUTES ?? 30);
    const key = randomBytes(32);
    const period = bucketStart(start, '1d', 'UTC');
    const radioSim = new StoreSimulator({ seed: 5, startAt: start, layout, arrivalsPerMinute: 4 });
    const sightingSteps: { at: number; sightings: EngineSighting[] }[] = [];
    for (let t = 0; t < (sightingMinutes * 60_000) / LOCALISE_EVERY_MS; t += 1) {
      const out = radioSim.step(LOCALISE_EVERY_MS);
      const batch: EngineSighting[] = [];
      for (const o of out.observations) {
        if (o.kind === 'camera') continue;
        const address = o.kind === 'wifi' ? o.mac : o.address;
        if (address === undefined) continue; // a beacon id without an address: not a phone
        batch.push({
          storeId: 'demo-s',
          sensorId: o.sensorId,
          subject: createHmac('sha256', key).update(address).digest('hex').slice(0, 32),
          period,
          kind: o.kind,
          rssi: o.rssi,
          at: o.at,
        });
      }
      sightingSteps.push({ at: out.groundTruth.at, sightings: batch });
    }
    const sightings = sightingSteps.reduce((n, s) => n + s.sightings.length, 0);
    const radios = layout.sensors.filter((s) => !s.kinds.includes('camera'));
    const engine = new LocalisationEngine();
    engine.setStore({
      storeId: 'demo-s',
      sensors: radios.map((s) => ({
        id: s.id,
        x: s.x,
        y: s.y,
        z: s.z,
        measuredPower: s.calibration.measuredPower,
        pathLossExponent: s.calibration.pathLossExponent,
      })),
      zones: layout.zones,
    });
    const sensitiveZones = layout.zones.filter((z) => isSensitiveZone(z.tags));
    const sensitive = new Set(sensitiveZones.map((z) => z.id));
    const chained = new Sessioniser();
    chained.configureStore('demo-s', geometry);
    let chainedPending: VisitRecord[] = [];
    let chainedVisits = 0;
    let located = 0;
    let chainedFlushes = 0;
    const chainedFlush = async (now: number) => {
      chainedFlushes += 1;
      if (chainedPending.length === 0) return;
      await store.saveVisits(chainedPending);
      await store.refresh({
        storeId: 'demo-s',
        timeZone: layout.store.timezone,
        visits: chainedPending,
        counts: [],
        grid: { width: layout.store.width, height: layout.store.height, cellM: 1 },
        visitFactsSince: now - DAY,
      });
      chainedVisits += chainedPending.length;
      chainedPending = [];
    };
    const chainedStarted = performance.now();
    let chainedLastFlush = start;
    let localiseSeconds = 0;
    for (const step of sightingSteps) {
      const t0 = performance.now();
      for (const s of step.sightings) engine.add(s);
      const updates = engine.update(step.at);
      localiseSeconds += (performance.now() - t0) / 1000;
      for (const p of updates) {
        // Never reaches aggregation: by zone (localisation) or by point (AggregationService).
        if (p.zoneId !== null && sensitive.has(p.zoneId)) continue;
        if (sensitiveZones.some((z) => pointInPolygon(p, z.polygon))) continue;
        located += 1;
        chained.ingest(p);
      }
      for (const e of chained.advance(step.at)) {
        if (e.type === 'visit.ended') chainedPending.push(e.visit);
      }
      if (step.at - chainedLastFlush >= 30_000) {
        await chainedFlush(step.at);
        chainedLastFlush = step.at;
      }
    }
    for (const e of chained.closeAll()) if (e.type === 'visit.ended') chainedPending.push(e.visit);
    await chainedFlush(start + sightingMinutes * 60_000);
    const chainedSeconds = (performance.now() - chainedStarted) / 1000;
    sightingSteps.length = 0;

    // --- (b) synthetic history: 30 days of entrance counts per store. Store 0 goes through the
    // whole path (count facts → hour and minute recompute → day merge) and is timed; stores 1–9
    // get the same hourly footfall rows written directly (keeps the benchmark under 2 minutes).
    const historyStart = bucketStart(Date.UTC(2026, 1, 1), '1d', 'Europe/Berlin');
    const historyCounts = (storeId: string, s: number): CountRecord[] => {
      const counts: CountRecord[] = [];
      for (let h = 0; h < DAYS * 24; h += 1) {
        const hourOfDay = h % 24;
        const open = hourOfDay >= 7 && hourOfDay < 21;
        for (let r = 0; r < REPORTS_PER_HOUR; r += 1) {
          const intervalStart = historyStart + h * HOUR + r * (HOUR / REPORTS_PER_HOUR);
          const entries = open ? 5 + ((h * 7 + r * 3 + s) % 17) : (h + r) % 2;
          counts.push({
            storeId,
            sensorId: 'cam-entrance',
            lineId: 'entrance',
            intervalStart,
            at: intervalStart + HOUR / REPORTS_PER_HOUR,
            entries,
            exits: entries,
          });
        }
      }
      return counts;
    };
    const timedCounts = historyCounts('store-0', 0);
    const countsStarted = performance.now();
    await store.saveCounts(timedCounts);
    const refreshed = await store.refresh({
      storeId: 'store-0',
      timeZone: 'Europe/Berlin',
      visits: [],
      counts: timedCounts,
      visitFactsSince: historyStart,
    });
    const countsSeconds = (performance.now() - countsStarted) / 1000;
    const reports = timedCounts.length;
    const rollupRows = refreshed.rows;
    const template = await store.rows({
      storeId: 'store-0',
      bucket: '1h',
      from: historyStart,
      to: historyStart + DAYS * DAY,
    });
    for (let s = 1; s < STORES; s += 1) {
      await store.putRows(template.map((r) => ({ ...r, storeId: `store-${s}` })));
    }

    // --- (c) query: 30 days of hourly footfall for each store, as the API does it (the store's
    // zone only, see seriesZones). The table is analysed first, as autovacuum would have done for
    // a month of history. The very first query of the process is reported on its own as well
    // (cold: first run of this SQL text on the connection and of the JS row/series code) but it
    // stays in every percentile and in the max. The connection itself is already open (the pool
    // has served parts a–b), so no connection set-up is inside any figure.
    await dataSource.query('ANALYZE metric_rollups');
    const query30Days = async (storeId: string, zoneIds?: readonly string[]) => {
      const t0 = performance.now();
      const rows = await store.rows({
        storeId,
        bucket: '1h',
        from: historyStart,
        to: historyStart + DAYS * DAY,
        metrics: sourceMetrics('footfall-in'),
        ...(zoneIds ? { zoneIds } : {}),
      });
      const t1 = performance.now();
      const series = metricSeries({
        metric: 'footfall-in',
        rows,
        bucket: '1h',
        timeZone: 'Europe/Berlin',
        k: 5,
      });
      const t2 = performance.now();
      return { totalMs: t2 - t0, dbMs: t1 - t0, seriesMs: t2 - t1, rows: rows.length, series };
    };
    const latencies: number[] = [];
    const dbMs: number[] = [];
    const seriesMs: number[] = [];
    const allZones: number[] = [];
    let firstQueryMs = Number.NaN;
    let points = 0;
    let rowsPerQuery = 0;
    let allZonesRows = 0;
    for (let round_ = 0; round_ < QUERY_ROUNDS; round_ += 1) {
      for (let s = 0; s < STORES; s += 1) {
        const q = await query30Days(`store-${s}`, seriesZones('footfall-in'));
        if (latencies.length === 0) firstQueryMs = q.totalMs;
        latencies.push(q.totalMs);
        dbMs.push(q.dbMs);
        seriesMs.push(q.seriesMs);
        points = q.series.length;
        rowsPerQuery = q.rows;
        // The same query over every zone of the store (how the API read before seriesZones).
        const all = await query30Days(`store-${s}`);
        allZones.push(all.totalMs);
        allZonesRows = all.rows;
        if (JSON.stringify(all.series) !== JSON.stringify(q.series)) {
          throw new Error(`store-${s}: the zone-filtered series differs from the all-zone one`);
        }
      }
    }
    const afterFirst = latencies.slice(1);
    // Server-side time of the same SQL (EXPLAIN ANALYZE), to separate PostgreSQL from the client.
    const plans: { node: string; executionMs: number; planningMs: number }[] = [];
    for (let s = 0; s < STORES; s += 1) {
      const explain = await dataSource.query<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT metric, zone_id, (extract(epoch FROM bucket_start) * 1000)::float8 AS start, value, subjects, detail
         FROM metric_rollups WHERE store_id = $1 AND bucket = '1h' AND bucket_start >= $2 AND bucket_start < $3
           AND metric = ANY($4::text[]) AND zone_id = ANY($5::text[])
         ORDER BY bucket_start, metric, zone_id`,
        [
          `store-${s}`,
          new Date(historyStart).toISOString(),
          new Date(historyStart + DAYS * DAY).toISOString(),
          sourceMetrics('footfall-in'),
          seriesZones('footfall-in'),
        ],
      );
      const raw = explain[0]?.['QUERY PLAN'];
      const json = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
        Plan: { 'Node Type': string; Plans?: { 'Node Type': string }[] };
        'Execution Time': number;
        'Planning Time': number;
      }[];
      const top = json[0];
      if (!top) continue;
      plans.push({
        node: [top.Plan['Node Type'], ...(top.Plan.Plans ?? []).map((p) => p['Node Type'])].join(
          ' < ',
        ),
        executionMs: top['Execution Time'],
        planningMs: top['Planning Time'],
      });
    }
    const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
    const figures = (xs: readonly number[]) => {
      const ys = sorted(xs);
      return {
        p50Ms: round(percentile(ys, 0.5), 2),
        p95Ms: round(percentile(ys, 0.95), 2),
        p99Ms: round(percentile(ys, 0.99), 2),
        maxMs: round(ys[ys.length - 1] ?? Number.NaN, 2),
      };
    };

    return {
      database,
      ...(database === 'pglite'
        ? { note: 'DATABASE_URL not set: embedded PGlite, not PostgreSQL' }
        : {}),
      sessioniser: {
        simulatedMinutes,
        positions,
        visits: pureVisits,
        seconds: round(pureSeconds, 3),
        positionsPerSecond: Math.round(positions / pureSeconds),
      },
      ingestToRollup: {
        positions,
        visits,
        seconds: round(e2eSeconds, 2),
        positionsPerSecond: Math.round(positions / e2eSeconds),
        visitsPerSecond: round(visits / e2eSeconds),
        flushes,
        msPerFlush: round((e2eSeconds * 1000) / Math.max(1, flushes)),
      },
      sightingsToRollup: {
        simulatedMinutes: sightingMinutes,
        sightings,
        positions: located,
        visits: chainedVisits,
        seconds: round(chainedSeconds, 2),
        sightingsPerSecond: Math.round(sightings / chainedSeconds),
        localisationSeconds: round(localiseSeconds, 2),
        localisationSightingsPerSecond: Math.round(sightings / localiseSeconds),
        /** Sessioniser, facts and rollup refresh: the rest of the chain. */
        aggregationSeconds: round(chainedSeconds - localiseSeconds, 2),
        flushes: chainedFlushes,
      },
      countsToRollup: {
        stores: 1,
        days: DAYS,
        hoursRefreshed: refreshed.hours,
        reports,
        rollupRows,
        seconds: round(countsSeconds, 2),
        reportsPerSecond: Math.round(reports / countsSeconds),
        rollupRowsPerSecond: Math.round(rollupRows / countsSeconds),
        msPerHourRefreshed: round((countsSeconds * 1000) / refreshed.hours, 2),
      },
      query30DaysHourlyFootfall: {
        stores: STORES,
        queries: latencies.length,
        pointsPerQuery: points,
        rowsPerQuery,
        /** Every query, the first (cold) one included. */
        ...figures(latencies),
        /** The first query of the process alone (cold JS and SQL text; connection already open). */
        firstQueryMs: round(firstQueryMs, 2),
        afterFirstQuery: figures(afterFirst),
        /** Of each query: PostgreSQL round trip and row mapping (RollupStore.rows) … */
        rowsMs: figures(dbMs),
        /** … and the series maths (metricSeries). */
        seriesMs: figures(seriesMs),
        /** Server-side only (EXPLAIN ANALYZE, one per store, after the timed queries). */
        server: {
          plan: plans[0]?.node ?? null,
          executionMs: figures(plans.map((p) => p.executionMs)),
          planningMs: figures(plans.map((p) => p.planningMs)),
        },
        /** The same query over every zone of the store (the API before it filtered zones). */
        allZones: { rowsPerQuery: allZonesRows, ...figures(allZones) },
        goalMs: 50,
      },
    };
  } finally {
    if (url) await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await closeDatabase(dataSource);
  }
}
