import { bucketStart, nextBucket, overlap, type BucketSize } from './time-buckets.js';
import type { CountRecord, VisitRecord } from './visit.js';

/**
 * Metrics kept in rollups. Visits are attributed to the bucket they started in, zone visits to the
 * bucket of entry, counter reports to the bucket of their interval's start; occupancy is the time
 * spent in the bucket (ms; mean occupancy = value ÷ bucket length). So every metric is a sum over
 * facts and a day is the sum of its hours.
 */
export const ROLLUP_METRICS = [
  'visits',
  'passers-by',
  'unique-visitors',
  'repeat-visitors',
  'returning-members',
  'dwell',
  'occupancy',
  'footfall-in',
  'footfall-out',
  'transitions',
  'paths',
  'heatmap',
] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

/** Metrics that come from camera counts (longer retention than per-device visit facts). */
export const COUNT_METRICS: readonly RollupMetric[] = ['footfall-in', 'footfall-out'];

/** Store-wide rows have this zone id. */
export const STORE_ZONE = '';

export interface RollupRow {
  storeId: string;
  /** A zone, a counting line (footfall), or {@link STORE_ZONE}. */
  zoneId: string;
  bucket: BucketSize;
  bucketStart: number;
  metric: RollupMetric;
  value: number;
  /**
   * How many subjects the figure derives from (small-cell suppression compares it with k): visits
   * (a pseudonym's visits in one bucket count once), or people counted for footfall.
   */
  subjects: number;
  /** Metric-specific detail: dwell values, transition pairs, paths, heat cells. */
  detail: RollupDetail | null;
}

export interface RollupDetail {
  /** `dwell`: every visit's dwell, seconds, sorted. */
  values?: number[];
  /** `transitions`: `from>to` → count; `paths`: `a>b>c` → count. */
  counts?: Record<string, number>;
  /** `heatmap`: cell index → [dwell ms, visits]. */
  cells?: Record<string, [number, number]>;
  /** `heatmap`: grid the cells are on. */
  grid?: { cols: number; rows: number; cellM: number };
}

/** Only the most frequent paths are kept per bucket. */
export const MAX_PATHS_PER_BUCKET = 50;

export interface HeatGrid {
  width: number;
  height: number;
  cellM: number;
}

/** Which metrics each bucket size keeps (minutes stay light; heat is hourly, days merge hours). */
const METRICS_BY_BUCKET: Record<BucketSize, ReadonlySet<RollupMetric>> = {
  '1m': new Set([
    'visits',
    'passers-by',
    'unique-visitors',
    'occupancy',
    'footfall-in',
    'footfall-out',
  ]),
  '1h': new Set(ROLLUP_METRICS),
  '1d': new Set(ROLLUP_METRICS.filter((m) => m !== 'heatmap')),
};

export function metricsFor(bucket: BucketSize): ReadonlySet<RollupMetric> {
  return METRICS_BY_BUCKET[bucket];
}

class RowBuilder {
  private readonly rows = new Map<string, RollupRow>();
  private readonly subjectSets = new Map<string, Set<string>>();

  constructor(
    private readonly base: { storeId: string; bucket: BucketSize; bucketStart: number },
    private readonly metrics: ReadonlySet<RollupMetric>,
  ) {}

  row(metric: RollupMetric, zoneId: string): RollupRow | undefined {
    if (!this.metrics.has(metric)) return undefined;
    const key = `${metric}\u0000${zoneId}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { ...this.base, zoneId, metric, value: 0, subjects: 0, detail: null };
      this.rows.set(key, row);
    }
    return row;
  }

  add(
    metric: RollupMetric,
    zoneId: string,
    value: number,
    subject?: string,
  ): RollupRow | undefined {
    const row = this.row(metric, zoneId);
    if (!row) return undefined;
    row.value += value;
    if (subject !== undefined) {
      const key = `${metric}\u0000${zoneId}`;
      let set = this.subjectSets.get(key);
      if (!set) this.subjectSets.set(key, (set = new Set()));
      set.add(subject);
      row.subjects = set.size;
    }
    return row;
  }

  done(): RollupRow[] {
    const out = [...this.rows.values()].filter((r) => r.value !== 0 || r.subjects !== 0);
    for (const row of out) {
      if (row.detail?.values) row.detail.values.sort((a, b) => a - b);
      if (row.metric === 'paths' && row.detail?.counts) {
        const top = Object.entries(row.detail.counts)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .slice(0, MAX_PATHS_PER_BUCKET);
        row.detail.counts = Object.fromEntries(top);
      }
    }
    return out.sort(compareRows);
  }
}

function compareRows(a: RollupRow, b: RollupRow): number {
  return (
    a.bucketStart - b.bucketStart ||
    (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0) ||
    (a.zoneId < b.zoneId ? -1 : a.zoneId > b.zoneId ? 1 : 0)
  );
}

/**
 * Rollup rows of one bucket, computed from every fact that touches it (a pure function of the fact
 * set: recomputing with duplicated or reordered facts gives the same rows). Rows with nothing in
 * them are left out, so replacing a bucket's rows with these is the whole update.
 */
export function computeBucket(params: {
  storeId: string;
  bucket: BucketSize;
  bucketStart: number;
  timeZone: string;
  visits: readonly VisitRecord[];
  counts: readonly CountRecord[];
  grid?: HeatGrid;
  /** Restrict to these metrics (e.g. only counts when visit facts are past retention). */
  only?: readonly RollupMetric[];
}): RollupRow[] {
  const { storeId, bucket, timeZone } = params;
  const start = params.bucketStart;
  const end = nextBucket(start, bucket, timeZone);
  const metrics = new Set(
    [...metricsFor(bucket)].filter((m) => !params.only || params.only.includes(m)),
  );
  const b = new RowBuilder({ storeId, bucket, bucketStart: start }, metrics);
  const inBucket = (t: number): boolean => t >= start && t < end;
  const seen = new Set<string>();

  for (const visit of params.visits) {
    if (visit.storeId !== storeId || seen.has(visit.visitId)) continue;
    seen.add(visit.visitId);
    const who = `${visit.period}:${visit.subject}`;
    if (inBucket(visit.startedAt)) {
      if (visit.passerBy) b.add('passers-by', STORE_ZONE, 1, who);
      else {
        b.add('visits', STORE_ZONE, 1, who);
        if (visit.ordinal === 1) b.add('unique-visitors', STORE_ZONE, 1, who);
        if (visit.ordinal === 2) b.add('repeat-visitors', STORE_ZONE, 1, who);
        if (visit.returningMember) b.add('returning-members', STORE_ZONE, 1, who);
        const dwell = b.add('dwell', STORE_ZONE, 1, who);
        if (dwell) pushValue(dwell, Math.round((visit.endedAt - visit.startedAt) / 1000));
        const pairs = transitionsOf(visit.path);
        if (pairs.length > 0) {
          const row = b.add('transitions', STORE_ZONE, pairs.length, who);
          if (row) for (const pair of pairs) addCount(row, pair);
        }
        if (visit.path.length > 0) {
          const row = b.add('paths', STORE_ZONE, 1, who);
          if (row) addCount(row, visit.path.join('>'));
        }
        if (params.grid && metrics.has('heatmap')) addHeat(b, visit, params.grid, who);
      }
    }
    if (!visit.passerBy) {
      const inside = overlap(visit.startedAt, visit.endedAt, start, end);
      if (inside > 0) b.add('occupancy', STORE_ZONE, inside, who);
    }
    for (const stay of visit.zones) {
      if (inBucket(stay.enteredAt)) {
        b.add('visits', stay.zoneId, 1, who);
        const dwell = b.add('dwell', stay.zoneId, 1, who);
        if (dwell) pushValue(dwell, Math.round((stay.exitedAt - stay.enteredAt) / 1000));
      }
      const time = overlap(stay.enteredAt, stay.exitedAt, start, end);
      if (time > 0) b.add('occupancy', stay.zoneId, time, who);
    }
  }

  const seenCounts = new Set<string>();
  for (const count of params.counts) {
    if (count.storeId !== storeId || !inBucket(count.intervalStart)) continue;
    const key = `${count.sensorId}\u0000${count.lineId}\u0000${count.intervalStart}`;
    if (seenCounts.has(key)) continue;
    seenCounts.add(key);
    for (const zone of [STORE_ZONE, count.lineId]) {
      const rowIn = b.add('footfall-in', zone, count.entries);
      if (rowIn) rowIn.subjects = rowIn.value;
      const rowOut = b.add('footfall-out', zone, count.exits);
      if (rowOut) rowOut.subjects = rowOut.value;
    }
  }
  return b.done();
}

/** Buckets of `size` a visit or count touches (all of them: start, occupancy span, zone stays). */
export function touchedBuckets(params: {
  visits: readonly VisitRecord[];
  counts: readonly CountRecord[];
  size: BucketSize;
  timeZone: string;
}): number[] {
  const starts = new Set<number>();
  const span = (from: number, to: number): void => {
    for (let s = bucketStart(from, params.size, params.timeZone); s <= to;) {
      starts.add(s);
      s = nextBucket(s, params.size, params.timeZone);
    }
  };
  for (const visit of params.visits) span(visit.startedAt, visit.endedAt);
  for (const count of params.counts) {
    starts.add(bucketStart(count.intervalStart, params.size, params.timeZone));
  }
  return [...starts].sort((a, b) => a - b);
}

/**
 * Merges rows of the same store, zone and metric into one row of a larger bucket (a day from its
 * hours): values and subjects add up (subjects then count a pseudonym once per hour, an upper bound
 * of distinct subjects), dwell values concatenate, counts and heat cells add.
 */
export function mergeRows(
  rows: readonly RollupRow[],
  target: { bucket: BucketSize; bucketStart: number },
): RollupRow[] {
  const merged = new Map<string, RollupRow>();
  for (const row of rows) {
    if (!metricsFor(target.bucket).has(row.metric)) continue;
    const key = `${row.storeId}\u0000${row.metric}\u0000${row.zoneId}`;
    const into = merged.get(key);
    if (!into) {
      merged.set(key, {
        ...row,
        ...target,
        detail: row.detail ? cloneDetail(row.detail) : null,
      });
      continue;
    }
    into.value += row.value;
    into.subjects += row.subjects;
    if (row.detail) {
      const detail = (into.detail ??= {});
      if (row.detail.values) (detail.values ??= []).push(...row.detail.values);
      if (row.detail.counts) {
        const counts = (detail.counts ??= {});
        for (const [k, n] of Object.entries(row.detail.counts)) counts[k] = (counts[k] ?? 0) + n;
      }
      if (row.detail.cells) {
        const cells = (detail.cells ??= {});
        for (const [k, [ms, n]] of Object.entries(row.detail.cells)) {
          const c = cells[k] ?? [0, 0];
          cells[k] = [c[0] + ms, c[1] + n];
        }
        detail.grid ??= row.detail.grid;
      }
    }
  }
  const out = [...merged.values()];
  for (const row of out) row.detail?.values?.sort((a, b) => a - b);
  return out.sort(compareRows);
}

function cloneDetail(detail: RollupDetail): RollupDetail {
  return {
    ...(detail.values ? { values: [...detail.values] } : {}),
    ...(detail.counts ? { counts: { ...detail.counts } } : {}),
    ...(detail.cells
      ? {
          cells: Object.fromEntries(
            Object.entries(detail.cells).map(([k, v]) => [k, [v[0], v[1]]]),
          ),
        }
      : {}),
    ...(detail.grid ? { grid: { ...detail.grid } } : {}),
  };
}

function pushValue(row: RollupRow, value: number): void {
  ((row.detail ??= {}).values ??= []).push(value);
}

function addCount(row: RollupRow, key: string): void {
  const counts = ((row.detail ??= {}).counts ??= {});
  counts[key] = (counts[key] ?? 0) + 1;
}

function addHeat(b: RowBuilder, visit: VisitRecord, grid: HeatGrid, who: string): void {
  if (visit.heat.length === 0) return;
  const row = b.add('heatmap', STORE_ZONE, 0, who);
  if (!row) return;
  const detail = (row.detail ??= {});
  detail.grid = {
    cols: Math.max(1, Math.ceil(grid.width / grid.cellM)),
    rows: Math.max(1, Math.ceil(grid.height / grid.cellM)),
    cellM: grid.cellM,
  };
  const cells = (detail.cells ??= {});
  for (const [cell, ms] of visit.heat) {
    const c = cells[cell] ?? [0, 0];
    cells[cell] = [c[0] + ms, c[1] + 1];
    row.value += ms;
  }
}

/** Zone-to-zone moves along a path, as `from>to`. */
export function transitionsOf(path: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i += 1) out.push(`${path[i - 1]}>${path[i]}`);
  return out;
}
