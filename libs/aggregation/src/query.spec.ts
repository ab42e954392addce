import {
  QUERY_METRICS,
  isRangeMetric,
  metricSeries,
  rangeFigure,
  seriesZones,
  sourceMetrics,
} from './query.js';
import type { RollupRow } from './rollup.js';

const H9 = Date.UTC(2026, 0, 1, 9);

function row(
  metric: RollupRow['metric'],
  value: number,
  subjects: number,
  extra: Partial<RollupRow> = {},
): RollupRow {
  return {
    storeId: 'demo',
    zoneId: '',
    bucket: '1h',
    bucketStart: H9,
    metric,
    value,
    subjects,
    detail: null,
    ...extra,
  };
}

describe(metricSeries.name, () => {
  const rows = [
    row('visits', 12, 12),
    row('passers-by', 3, 3),
    row('footfall-in', 16, 16),
    row('occupancy', 1_800_000, 12),
    row('visits', 4, 4, { zoneId: 'pharmacy' }),
    row('dwell', 6, 6, { detail: { values: [20, 40, 60, 90, 120, 700] } }),
  ];
  const series = (
    metric: Parameters<typeof metricSeries>[0]['metric'],
    k: number,
    zoneId?: string,
  ) =>
    metricSeries({ metric, rows, bucket: '1h', timeZone: 'UTC', k, ...(zoneId ? { zoneId } : {}) });

  it('reports counts, suppressing those from fewer than k subjects', () => {
    expect(series('visits', 5)).toEqual([{ start: H9, value: 12, suppressed: false }]);
    expect(series('passers-by', 5)).toEqual([{ start: H9, value: null, suppressed: true }]);
    expect(series('passers-by', 0)[0]?.value).toBe(3);
    expect(series('visits', 5, 'pharmacy')[0]).toMatchObject({ value: null, suppressed: true });
  });

  it('reports 0 repeat visitors (not no data) in a bucket with visits and none returning', () => {
    const sources = rows.filter((r) => sourceMetrics('repeat-visitors').includes(r.metric));
    const sut = metricSeries({
      metric: 'repeat-visitors',
      rows: [...sources, row('visits', 2, 2, { bucketStart: H9 + 3_600_000 })],
      bucket: '1h',
      timeZone: 'UTC',
      k: 5,
    });
    expect(sut).toEqual([
      { start: H9, value: 0, suppressed: false },
      { start: H9 + 3_600_000, value: 0, suppressed: false },
    ]);
    const returning = metricSeries({
      metric: 'repeat-visitors',
      rows: [row('visits', 12, 12), row('repeat-visitors', 6, 6)],
      bucket: '1h',
      timeZone: 'UTC',
      k: 5,
    });
    expect(returning).toEqual([{ start: H9, value: 6, suppressed: false }]);
  });

  it('derives capture rate (visitors ÷ all) and mean occupancy', () => {
    expect(series('capture-rate', 5)[0]).toMatchObject({ value: 0.8, visits: 12, passersBy: 3 });
    expect(series('occupancy', 5)[0]?.value).toBe(0.5);
  });

  it('summarises dwell, suppressing distribution bins below k', () => {
    const [point] = series('dwell', 2);
    expect(point).toMatchObject({ count: 6, medianSeconds: 75, suppressed: false });
    const bins = point!['distribution'] as { count: number | null }[];
    expect(bins[0]).toMatchObject({ fromSeconds: 0, toSeconds: 30, count: null });
    expect(bins[1]).toMatchObject({ count: null });
    expect(bins[2]).toMatchObject({ fromSeconds: 60, toSeconds: 120, count: 2 });
  });

  it('calibrates devices by the camera and estimates people with an interval', () => {
    const [share] = series('device-share', 5);
    expect(share).toMatchObject({ value: 0.75, people: 16, devices: 12 });
    const [people] = series('people-estimate', 0, 'pharmacy');
    expect(people?.value).toBeCloseTo(4 / 0.75, 9);
    expect(people!['lower']).toBeLessThan(people!.value!);
    expect(people!['upper']).toBeGreaterThan(people!.value!);
    expect(sourceMetrics('people-estimate')).toEqual(['visits', 'footfall-in']);
  });

  it('gives the same series from only the rows of seriesZones as from every zone', () => {
    const mixed = [
      ...rows,
      row('footfall-in', 9, 9, { zoneId: 'entrance' }),
      row('footfall-in', 7, 7, { zoneId: 'pharmacy' }),
      row('passers-by', 8, 8, { zoneId: 'pharmacy' }),
      row('occupancy', 900_000, 6, { zoneId: 'pharmacy' }),
      row('dwell', 6, 6, { zoneId: 'pharmacy', detail: { values: [10, 20, 30, 40, 50, 60] } }),
      row('visits', 2, 2, { zoneId: 'entrance', bucketStart: H9 + 3_600_000 }),
    ];
    expect(seriesZones('visits')).toEqual(['']);
    expect(seriesZones('people-estimate', 'pharmacy')).toEqual(['', 'pharmacy']);
    let compared = 0;
    for (const metric of QUERY_METRICS.filter((m) => !isRangeMetric(m))) {
      for (const zoneId of [undefined, 'pharmacy', 'entrance']) {
        const zones = seriesZones(metric, zoneId);
        const params = { metric, bucket: '1h' as const, timeZone: 'UTC', k: 2 };
        const zoned = zoneId === undefined ? {} : { zoneId };
        const all = metricSeries({ ...params, ...zoned, rows: mixed });
        const some = metricSeries({
          ...params,
          ...zoned,
          rows: mixed.filter((r) => zones.includes(r.zoneId)),
        });
        expect({ metric, zoneId, series: some }).toEqual({ metric, zoneId, series: all });
        compared += all.length;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe(rangeFigure.name, () => {
  it('adds transition counts over the range and hides small cells', () => {
    const rows = [
      row('transitions', 7, 7, { detail: { counts: { 'a>b': 5, 'b>c': 2 } } }),
      row('transitions', 3, 3, { bucketStart: H9 + 3_600_000, detail: { counts: { 'a>b': 1 } } }),
    ];
    expect(rangeFigure({ metric: 'transitions', rows, k: 5 })).toEqual({
      suppressed: true,
      zones: ['a', 'b', 'c'],
      cells: [
        { from: 'a', to: 'b', count: 6 },
        { from: 'b', to: 'c', count: null },
      ],
    });
  });
});
