import type { DataSource, EntityManager } from 'typeorm';
import {
  COUNT_METRICS,
  bucketStart,
  computeBucket,
  mergeRows,
  nextBucket,
  touchedBuckets,
  type BucketSize,
  type CountRecord,
  type HeatGrid,
  type RollupDetail,
  type RollupMetric,
  type RollupRow,
  type VisitRecord,
} from '@aisle/aggregation';

/** Rows per INSERT statement (8 parameters each, far below PostgreSQL's 65 535). */
const INSERT_BATCH = 500;

export interface RefreshResult {
  hours: number;
  days: number;
  rows: number;
  /** Hours whose visit facts were past retention: only their counter metrics were recomputed. */
  countsOnlyHours: number;
}

/**
 * Facts and rollups of the aggregation engine.
 *
 * Idempotency: facts are keyed deterministically — visits by their visit id (derived from store,
 * pseudonym period, subject and first position), counter reports by (store, sensor, line, interval
 * start) — and written with `ON CONFLICT … DO UPDATE`, so a duplicate replaces itself. Rollups are
 * never incremented: every hour a new fact touches is recomputed from all facts of that hour (with
 * its minutes), and its rows are replaced (delete + insert in one transaction); each local day
 * touched is then re-merged from its hours. A rollup is therefore a pure function of the fact set,
 * whatever order, lateness or duplication the facts arrived with. Hours whose visit facts are past
 * the device retention keep their visit metrics; only their counter metrics are recomputed.
 */
export class RollupStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Whether the store has hourly figures for `zoneId`: a counting line its cameras reported (lines
   * exist only in their counts) or a deleted zone that still has occupancy. (store, bucket,
   * metric, zone) is the primary key's prefix: an index lookup.
   */
  async hasZone(storeId: string, zoneId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM metric_rollups WHERE store_id = $1 AND bucket = $2 ' +
        'AND metric = ANY($3::text[]) AND zone_id = $4 LIMIT 1',
      [storeId, '1h', ['footfall-in', 'footfall-out', 'occupancy'], zoneId],
    );
    return rows.length > 0;
  }

  /** Upserts visit facts (in `manager`'s transaction when given). */
  async saveVisits(visits: readonly VisitRecord[], manager?: EntityManager): Promise<void> {
    const target = manager ?? this.dataSource;
    for (let i = 0; i < visits.length; i += INSERT_BATCH) {
      const batch = visits.slice(i, i + INSERT_BATCH);
      const params: unknown[] = [];
      const tuples = batch.map((v, j) => {
        params.push(
          v.storeId,
          v.visitId,
          new Date(v.startedAt).toISOString(),
          new Date(v.endedAt).toISOString(),
          JSON.stringify(v),
        );
        const o = j * 5;
        return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}::jsonb)`;
      });
      await target.query(
        `INSERT INTO agg_visits (store_id, visit_id, started_at, ended_at, record)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (store_id, visit_id) DO UPDATE SET started_at = EXCLUDED.started_at,
           ended_at = EXCLUDED.ended_at, record = EXCLUDED.record`,
        params,
      );
    }
  }

  async saveCounts(counts: readonly CountRecord[]): Promise<void> {
    // One statement cannot update the same key twice: the last report of a key wins.
    const unique = new Map<string, CountRecord>();
    for (const c of counts) {
      unique.set(`${c.storeId}\u0000${c.sensorId}\u0000${c.lineId}\u0000${c.intervalStart}`, c);
    }
    const all = [...unique.values()];
    for (let i = 0; i < all.length; i += INSERT_BATCH) {
      const batch = all.slice(i, i + INSERT_BATCH);
      const params: unknown[] = [];
      const tuples = batch.map((c, j) => {
        params.push(
          c.storeId,
          c.sensorId,
          c.lineId,
          new Date(c.intervalStart).toISOString(),
          new Date(c.at).toISOString(),
          c.entries,
          c.exits,
        );
        const o = j * 7;
        return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7})`;
      });
      await this.dataSource.query(
        `INSERT INTO agg_counts (store_id, sensor_id, line_id, interval_start, at, entries, exits)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (store_id, sensor_id, line_id, interval_start) DO UPDATE SET
           at = EXCLUDED.at, entries = EXCLUDED.entries, exits = EXCLUDED.exits`,
        params,
      );
    }
  }

  /** Visits overlapping [from, to) and counter reports whose interval starts in it. */
  async loadFacts(
    storeId: string,
    from: number,
    to: number,
  ): Promise<{ visits: VisitRecord[]; counts: CountRecord[] }> {
    const visits = await this.dataSource.query<{ record: VisitRecord | string }[]>(
      `SELECT record FROM agg_visits WHERE store_id = $1 AND started_at < $3 AND ended_at >= $2`,
      [storeId, new Date(from).toISOString(), new Date(to).toISOString()],
    );
    const counts = await this.dataSource.query<
      {
        sensor_id: string;
        line_id: string;
        interval_start: number;
        at: number;
        entries: number;
        exits: number;
      }[]
    >(
      `SELECT sensor_id, line_id, (extract(epoch FROM interval_start) * 1000)::float8 AS interval_start,
              (extract(epoch FROM at) * 1000)::float8 AS at, entries, exits
       FROM agg_counts WHERE store_id = $1 AND interval_start >= $2 AND interval_start < $3`,
      [storeId, new Date(from).toISOString(), new Date(to).toISOString()],
    );
    return {
      visits: visits.map((r) =>
        typeof r.record === 'string' ? (JSON.parse(r.record) as VisitRecord) : r.record,
      ),
      counts: counts.map((c) => ({
        storeId,
        sensorId: c.sensor_id,
        lineId: c.line_id,
        intervalStart: Math.round(Number(c.interval_start)),
        at: Math.round(Number(c.at)),
        entries: Number(c.entries),
        exits: Number(c.exits),
      })),
    };
  }

  /**
   * Recomputes every hour (with its minutes) and local day the given new facts touch, from all
   * stored facts of those hours. `visitFactsSince`: the device-retention horizon (epoch ms); hours
   * starting before it only get their counter metrics recomputed.
   */
  async refresh(params: {
    storeId: string;
    timeZone: string;
    visits: readonly VisitRecord[];
    counts: readonly CountRecord[];
    grid?: HeatGrid;
    visitFactsSince: number;
  }): Promise<RefreshResult> {
    const { storeId, timeZone } = params;
    const hours = touchedBuckets({
      visits: params.visits,
      counts: params.counts,
      size: '1h',
      timeZone,
    });
    const result: RefreshResult = { hours: hours.length, days: 0, rows: 0, countsOnlyHours: 0 };
    if (hours.length === 0) return result;
    const from = hours[0] as number;
    const to = nextBucket(hours[hours.length - 1] as number, '1h', timeZone);
    const facts = await this.loadFacts(storeId, from, to);
    const days = new Set<number>();
    for (const hour of hours) {
      const only = hour < params.visitFactsSince ? COUNT_METRICS : undefined;
      if (only) result.countsOnlyHours += 1;
      const minutes: number[] = [];
      for (let m = hour, end = nextBucket(hour, '1h', timeZone); m < end; m += 60_000) {
        minutes.push(m);
      }
      // Only the facts of this hour: computing 60 minutes over a month of facts would be quadratic.
      const hourEnd = nextBucket(hour, '1h', timeZone);
      const base = {
        storeId,
        timeZone,
        visits: facts.visits.filter((v) => v.startedAt < hourEnd && v.endedAt >= hour),
        counts: facts.counts.filter((c) => c.intervalStart >= hour && c.intervalStart < hourEnd),
        ...(only ? { only } : {}),
      };
      const hourRows = computeBucket({
        ...base,
        bucket: '1h',
        bucketStart: hour,
        ...(params.grid ? { grid: params.grid } : {}),
      });
      const minuteRows = minutes.flatMap((m) =>
        computeBucket({ ...base, bucket: '1m', bucketStart: m }),
      );
      await this.dataSource.transaction(async (manager) => {
        await replace(manager, {
          storeId,
          bucket: '1h',
          starts: [hour],
          rows: hourRows,
          ...(only ? { only } : {}),
        });
        await replace(manager, {
          storeId,
          bucket: '1m',
          starts: minutes,
          rows: minuteRows,
          ...(only ? { only } : {}),
        });
      });
      result.rows += hourRows.length + minuteRows.length;
      days.add(bucketStart(hour, '1d', timeZone));
    }
    for (const day of days) {
      const end = nextBucket(day, '1d', timeZone);
      const hourRows = await this.rows({ storeId, bucket: '1h', from: day, to: end });
      const dayRows = mergeRows(hourRows, { bucket: '1d', bucketStart: day });
      await this.dataSource.transaction((manager) =>
        replace(manager, { storeId, bucket: '1d', starts: [day], rows: dayRows }),
      );
      result.rows += dayRows.length;
    }
    result.days = days.size;
    return result;
  }

  /**
   * Rollup rows of a store in [from, to), oldest first; optionally for some metrics and one zone
   * or some zones. The primary key (store, bucket, metric, zone, bucket start) is the index.
   */
  async rows(params: {
    storeId: string;
    bucket: BucketSize;
    from: number;
    to: number;
    metrics?: readonly RollupMetric[];
    zoneId?: string;
    zoneIds?: readonly string[];
  }): Promise<RollupRow[]> {
    const args: unknown[] = [
      params.storeId,
      params.bucket,
      new Date(params.from).toISOString(),
      new Date(params.to).toISOString(),
    ];
    let where = '';
    if (params.metrics) {
      args.push(params.metrics);
      where += ` AND metric = ANY($${args.length}::text[])`;
    }
    if (params.zoneId !== undefined) {
      args.push(params.zoneId);
      where += ` AND zone_id = $${args.length}`;
    }
    if (params.zoneIds) {
      args.push(params.zoneIds);
      where += ` AND zone_id = ANY($${args.length}::text[])`;
    }
    const rows = await this.dataSource.query<
      {
        metric: RollupMetric;
        zone_id: string;
        start: number;
        value: number;
        subjects: number;
        detail: RollupDetail | string | null;
      }[]
    >(
      `SELECT metric, zone_id, (extract(epoch FROM bucket_start) * 1000)::float8 AS start, value, subjects, detail
       FROM metric_rollups
       WHERE store_id = $1 AND bucket = $2 AND bucket_start >= $3 AND bucket_start < $4${where}
       ORDER BY bucket_start, metric, zone_id`,
      args,
    );
    return rows.map((r) => ({
      storeId: params.storeId,
      zoneId: r.zone_id,
      bucket: params.bucket,
      bucketStart: Math.round(Number(r.start)),
      metric: r.metric,
      value: Number(r.value),
      subjects: Number(r.subjects),
      detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as RollupDetail) : r.detail,
    }));
  }

  /** Writes rollup rows as they are (benchmarks and imports of history): replaces their buckets. */
  async putRows(rows: readonly RollupRow[]): Promise<void> {
    const groups = new Map<string, RollupRow[]>();
    for (const row of rows) {
      const key = `${row.storeId}\u0000${row.bucket}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    for (const group of groups.values()) {
      const first = group[0] as RollupRow;
      await this.dataSource.transaction((manager) =>
        replace(manager, {
          storeId: first.storeId,
          bucket: first.bucket,
          starts: [...new Set(group.map((r) => r.bucketStart))],
          rows: group,
        }),
      );
    }
  }
}

async function replace(
  manager: EntityManager,
  params: {
    storeId: string;
    bucket: BucketSize;
    starts: readonly number[];
    rows: readonly RollupRow[];
    only?: readonly RollupMetric[];
  },
): Promise<void> {
  const starts = params.starts.map((s) => new Date(s).toISOString());
  await manager.query(
    `DELETE FROM metric_rollups WHERE store_id = $1 AND bucket = $2
       AND bucket_start = ANY($3::timestamptz[])${params.only ? ' AND metric = ANY($4::text[])' : ''}`,
    params.only
      ? [params.storeId, params.bucket, starts, params.only]
      : [params.storeId, params.bucket, starts],
  );
  for (let i = 0; i < params.rows.length; i += INSERT_BATCH) {
    const batch = params.rows.slice(i, i + INSERT_BATCH);
    const args: unknown[] = [];
    const tuples = batch.map((r, j) => {
      args.push(
        r.storeId,
        r.bucket,
        r.metric,
        r.zoneId,
        new Date(r.bucketStart).toISOString(),
        r.value,
        r.subjects,
        r.detail === null ? null : JSON.stringify(r.detail),
      );
      const o = j * 8;
      return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7}, $${o + 8}::jsonb)`;
    });
    await manager.query(
      `INSERT INTO metric_rollups (store_id, bucket, metric, zone_id, bucket_start, value, subjects, detail)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (store_id, bucket, metric, zone_id, bucket_start) DO UPDATE SET
         value = EXCLUDED.value, subjects = EXCLUDED.subjects, detail = EXCLUDED.detail`,
      args,
    );
  }
}
