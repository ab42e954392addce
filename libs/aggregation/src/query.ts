import { deviceShare, peopleEstimate } from './calibration.js';
import { summariseDwell } from './stats.js';
import { STORE_ZONE, type RollupMetric, type RollupRow } from './rollup.js';
import { isSuppressed } from './suppression.js';
import { nextBucket, type BucketSize } from './time-buckets.js';
import { addCounts, topPaths, transitionMatrix } from './transitions.js';

/** Metrics the query API serves: the stored ones plus those derived at query time. */
export const QUERY_METRICS = [
  'visits',
  'passers-by',
  'capture-rate',
  'unique-visitors',
  'repeat-visitors',
  'returning-members',
  'dwell',
  'occupancy',
  'footfall-in',
  'footfall-out',
  'transitions',
  'paths',
  'device-share',
  'people-estimate',
] as const;
export type QueryMetric = (typeof QUERY_METRICS)[number];

/** Stored metrics each query metric is computed from. */
export function sourceMetrics(metric: QueryMetric): RollupMetric[] {
  if (metric === 'capture-rate') return ['visits', 'passers-by'];
  if (metric === 'device-share' || metric === 'people-estimate') return ['visits', 'footfall-in'];
  // A bucket with visits but no returning visitor has 0 of them (a figure), not no data.
  if (metric === 'repeat-visitors' || metric === 'returning-members') return [metric, 'visits'];
  return [metric];
}

/** Metrics that are one figure over the whole range rather than a series. */
/**
 * The zones `metricSeries` reads for a metric and zone (undefined = the whole store): the zone
 * itself, and for the calibrated metrics the whole store as well. A store query can fetch only
 * these zones' rows; the series is the same as from every zone's rows.
 */
export function seriesZones(metric: QueryMetric, zoneId?: string): string[] {
  const zone = zoneId ?? STORE_ZONE;
  const calibration = metric === 'device-share' || metric === 'people-estimate';
  return calibration && zone !== STORE_ZONE ? [STORE_ZONE, zone] : [zone];
}

export function isRangeMetric(metric: QueryMetric): boolean {
  return metric === 'transitions' || metric === 'paths';
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  start: number;
  /** The figure, or null when suppressed (or undefined: e.g. a rate without a denominator). */
  value: number | null;
  suppressed: boolean;
  [extra: string]: unknown;
}

export interface RangeFigure {
  suppressed: boolean;
  [extra: string]: unknown;
}

/**
 * API figures from rollup rows, with small-cell suppression at `k` (0 = none, for admins inside
 * the store scope). Pure: the rows are all it reads.
 */
export function metricSeries(params: {
  metric: QueryMetric;
  rows: readonly RollupRow[];
  bucket: BucketSize;
  timeZone: string;
  /** Zone (or counting line); undefined = the whole store. */
  zoneId?: string;
  k: number;
}): SeriesPoint[] {
  const { metric, bucket, timeZone, k } = params;
  const zone = params.zoneId ?? STORE_ZONE;
  const byStart = new Map<number, Map<RollupMetric | 'zone-visits', RollupRow>>();
  const calibration = metric === 'device-share' || metric === 'people-estimate';
  for (const row of params.rows) {
    // Calibration needs the store's visits and footfall, and the zone's visits for estimates.
    let key: RollupMetric | 'zone-visits' | undefined;
    if (row.zoneId === zone) key = row.metric;
    if (calibration) {
      if (row.zoneId === STORE_ZONE) key = row.metric;
      else if (row.zoneId === zone && row.metric === 'visits') key = 'zone-visits';
    }
    if (key === undefined) continue;
    let rows = byStart.get(row.bucketStart);
    if (!rows) {
      rows = new Map<RollupMetric | 'zone-visits', RollupRow>();
      byStart.set(row.bucketStart, rows);
    }
    rows.set(key, row);
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  const out: SeriesPoint[] = [];
  let rangeShare: ReturnType<typeof deviceShare>;
  if (metric === 'people-estimate') {
    let people = 0;
    let devices = 0;
    for (const rows of byStart.values()) {
      people += rows.get('footfall-in')?.value ?? 0;
      devices += rows.get('visits')?.value ?? 0;
    }
    rangeShare = deviceShare({ people, devices });
  }
  for (const start of starts) {
    const rows = byStart.get(start) as Map<RollupMetric | 'zone-visits', RollupRow>;
    const get = (m: RollupMetric | 'zone-visits'): RollupRow | undefined => rows.get(m);
    switch (metric) {
      case 'capture-rate': {
        const visits = get('visits')?.value ?? 0;
        const passers = get('passers-by')?.value ?? 0;
        const total = visits + passers;
        const hidden = isSuppressed(total, k);
        out.push({
          start,
          value: hidden || total === 0 ? null : visits / total,
          suppressed: hidden,
          visits: hidden ? null : visits,
          passersBy: hidden ? null : passers,
        });
        break;
      }
      case 'dwell': {
        const row = get('dwell');
        const values = row?.detail?.values ?? [];
        const hidden = isSuppressed(row?.subjects ?? 0, k);
        const summary = summariseDwell(values);
        out.push({
          start,
          value: hidden ? null : summary.medianSeconds,
          suppressed: hidden,
          count: hidden ? null : summary.count,
          medianSeconds: hidden ? null : summary.medianSeconds,
          p90Seconds: hidden ? null : summary.p90Seconds,
          meanSeconds: hidden ? null : summary.meanSeconds,
          distribution: hidden
            ? null
            : summary.distribution.map((b) => ({
                ...b,
                count: isSuppressed(b.count, k) ? null : b.count,
              })),
        });
        break;
      }
      case 'occupancy': {
        const row = get('occupancy');
        const length = nextBucket(start, bucket, timeZone) - start;
        const hidden = isSuppressed(row?.subjects ?? 0, k);
        out.push({ start, value: hidden ? null : (row?.value ?? 0) / length, suppressed: hidden });
        break;
      }
      case 'device-share': {
        const people = get('footfall-in')?.value ?? 0;
        const devices = get('visits')?.value ?? 0;
        const hidden = isSuppressed(people, k) || isSuppressed(devices, k);
        const share = deviceShare({ people, devices });
        out.push({
          start,
          value: hidden ? null : (share?.share ?? null),
          suppressed: hidden,
          lower: hidden ? null : (share?.lower ?? null),
          upper: hidden ? null : (share?.upper ?? null),
          people: hidden ? null : people,
          devices: hidden ? null : devices,
        });
        break;
      }
      case 'people-estimate': {
        const row = zone === STORE_ZONE ? get('visits') : get('zone-visits');
        const devices = row?.value ?? 0;
        const hidden = isSuppressed(row?.subjects ?? 0, k);
        const estimate = rangeShare ? peopleEstimate({ devices, share: rangeShare }) : undefined;
        out.push({
          start,
          value: hidden ? null : (estimate?.estimate ?? null),
          suppressed: hidden,
          lower: hidden ? null : (estimate?.lower ?? null),
          upper: hidden ? null : (estimate?.upper ?? null),
          devices: hidden ? null : devices,
          deviceShare: rangeShare?.share ?? null,
        });
        break;
      }
      case 'transitions':
      case 'paths':
        break;
      case 'visits':
      case 'passers-by':
      case 'unique-visitors':
      case 'repeat-visitors':
      case 'returning-members':
      case 'footfall-in':
      case 'footfall-out': {
        const row = get(metric);
        const hidden = isSuppressed(row?.subjects ?? 0, k);
        out.push({ start, value: hidden ? null : (row?.value ?? 0), suppressed: hidden });
      }
    }
  }
  return out;
}

/** Transition matrix or top paths over the whole range; cells from fewer than k are suppressed. */
export function rangeFigure(params: {
  metric: 'transitions' | 'paths';
  rows: readonly RollupRow[];
  k: number;
}): RangeFigure {
  const counts: Record<string, number> = {};
  for (const row of params.rows) {
    if (row.metric === params.metric && row.zoneId === STORE_ZONE && row.detail?.counts) {
      addCounts(counts, row.detail.counts);
    }
  }
  if (params.metric === 'transitions') {
    const matrix = transitionMatrix(counts);
    return {
      suppressed: matrix.cells.some((c) => isSuppressed(c.count, params.k)),
      zones: matrix.zones,
      cells: matrix.cells.map((c) => ({
        ...c,
        count: isSuppressed(c.count, params.k) ? null : c.count,
      })),
    };
  }
  const paths = topPaths(counts);
  return {
    suppressed: paths.some((p) => isSuppressed(p.count, params.k)),
    paths: paths.filter((p) => !isSuppressed(p.count, params.k)),
  };
}
