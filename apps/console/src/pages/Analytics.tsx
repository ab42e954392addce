import { BarChart, LineChart } from '@mantine/charts';
import {
  Button,
  Card,
  Grid,
  Group,
  NativeSelect,
  SimpleGrid,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { PlanView } from '../components/PlanView';
import { useLoad } from '../hooks';
import type { Heatmap, MetricPoint, MetricResponse, Store, Zone } from '../types';
import { Page, Status, errorText } from './common';
import { usePlanImage } from './FloorPlan';

const base = (storeId: string): string => `/api/stores/${encodeURIComponent(storeId)}`;

/** Series metrics with the figure drawn for each bucket. */
const SERIES: {
  metric: string;
  title: string;
  unit: string;
  pick: (p: MetricPoint) => number | null;
  bar?: boolean;
}[] = [
  { metric: 'footfall-in', title: 'Footfall in', unit: 'people', pick: (p) => p.value, bar: true },
  {
    metric: 'footfall-out',
    title: 'Footfall out',
    unit: 'people',
    pick: (p) => p.value,
    bar: true,
  },
  { metric: 'visits', title: 'Visits', unit: 'visits', pick: (p) => p.value, bar: true },
  { metric: 'passers-by', title: 'Passers-by', unit: 'devices', pick: (p) => p.value, bar: true },
  {
    metric: 'capture-rate',
    title: 'Capture rate',
    unit: '%',
    pick: (p) => (p.value === null ? null : Math.round(p.value * 1000) / 10),
  },
  {
    metric: 'dwell',
    title: 'Dwell (median)',
    unit: 'minutes',
    pick: (p) =>
      typeof p['medianSeconds'] === 'number'
        ? Math.round((p['medianSeconds'] / 60) * 10) / 10
        : null,
  },
  { metric: 'occupancy', title: 'Occupancy (mean)', unit: 'people', pick: (p) => p.value },
  {
    metric: 'device-share',
    title: 'Device share',
    unit: '%',
    pick: (p) => (p.value === null ? null : Math.round(p.value * 1000) / 10),
  },
  { metric: 'people-estimate', title: 'People estimate', unit: 'people', pick: (p) => p.value },
];

function isoHoursAgo(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString().slice(0, 16) + 'Z';
}

export function AnalyticsPage({ storeId }: { storeId: string }): ReactNode {
  const store = useLoad(() => api.get<Store>(base(storeId)), [storeId]);
  const [form, setForm] = useState({ from: isoHoursAgo(24), to: isoHoursAgo(-1), bucket: '1h' });
  const [query, setQuery] = useState(form);
  const [formError, setFormError] = useState<string | null>(null);
  const q = `from=${encodeURIComponent(query.from)}&to=${encodeURIComponent(query.to)}&bucket=${query.bucket}`;
  const metrics = useLoad(async () => {
    const names = [...SERIES.map((s) => s.metric), 'transitions', 'paths'];
    const results = await Promise.all(
      names.map((m) => api.get<MetricResponse>(`${base(storeId)}/metrics/${m}?${q}`)),
    );
    return Object.fromEntries(names.map((m, i) => [m, results[i]!]));
  }, [storeId, q]);
  const apply = (event: FormEvent): void => {
    event.preventDefault();
    if (Number.isNaN(Date.parse(form.from)) || Number.isNaN(Date.parse(form.to))) {
      setFormError('From and To must be ISO date-times, e.g. 2026-12-01T00:00Z');
      return;
    }
    setFormError(null);
    setQuery(form);
  };
  const data = metrics.data;
  return (
    <Page title={`Analytics — ${store.data?.name ?? storeId}`}>
      <Card withBorder component="form" onSubmit={apply}>
        <Group align="flex-end">
          <TextInput
            label="From"
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.currentTarget.value })}
            error={formError}
          />
          <TextInput
            label="To"
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.currentTarget.value })}
          />
          <NativeSelect
            label="Bucket"
            value={form.bucket}
            onChange={(e) => setForm({ ...form, bucket: e.currentTarget.value })}
            data={[
              { value: '1m', label: 'minute' },
              { value: '1h', label: 'hour' },
              { value: '1d', label: 'day (store time)' },
            ]}
          />
          <Button type="submit">Show</Button>
        </Group>
        {data && (
          <Text size="sm" c="dimmed" mt="xs">
            Figures from fewer than {data['visits']?.k ?? 'k'} people are suppressed (shown as gaps
            and counted under each chart)
            {data['visits']?.k === null ? ' — none for admin keys' : ''}.
          </Text>
        )}
      </Card>
      <Status loading={metrics.loading} error={metrics.error} />
      {data && (
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
          {SERIES.map((s) => {
            const series = data[s.metric]?.series ?? [];
            const points = series.map((p) => ({
              start: new Date(p.start).toLocaleString(undefined, {
                month: 'short',
                day: 'numeric',
                hour: '2-digit',
                minute: '2-digit',
              }),
              [s.unit]: s.pick(p),
            }));
            const suppressed = series.filter((p) => p.suppressed).length;
            const total = series.reduce((n, p) => n + (s.pick(p) ?? 0), 0);
            const Chart = s.bar ? BarChart : LineChart;
            return (
              <Card withBorder key={s.metric} data-metric={s.metric} data-points={series.length}>
                <Group justify="space-between">
                  <Title order={3} size="h5">
                    {s.title}
                  </Title>
                  <CsvLink storeId={storeId} metric={s.metric} query={q} />
                </Group>
                {points.length > 0 ? (
                  <div role="figure" aria-label={`${s.title} per bucket`}>
                    <Chart
                      h={160}
                      data={points}
                      dataKey="start"
                      series={[{ name: s.unit, color: 'teal.6' }]}
                      withLegend={false}
                      connectNulls={false}
                    />
                  </div>
                ) : (
                  <Text c="dimmed" size="sm" h={160}>
                    No data in this range.
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {series.length} buckets{s.bar ? `, total ${Math.round(total * 10) / 10}` : ''}
                  {suppressed ? `, ${suppressed} suppressed` : ''}
                </Text>
              </Card>
            );
          })}
        </SimpleGrid>
      )}
      {data && (
        <Grid>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Transitions figure={data['transitions']?.figure} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Paths figure={data['paths']?.figure} />
          </Grid.Col>
        </Grid>
      )}
      {store.data && <HeatmapCard store={store.data} from={query.from} to={query.to} />}
    </Page>
  );
}

function CsvLink(props: { storeId: string; metric: string; query: string }): ReactNode {
  const [error, setError] = useState<string | null>(null);
  const download = async (): Promise<void> => {
    try {
      const blob = await api.blob(
        `${base(props.storeId)}/metrics/${props.metric}?${props.query}&format=csv`,
        'text/csv',
      );
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${props.storeId}-${props.metric}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Button
      size="compact-xs"
      variant="subtle"
      onClick={() => void download()}
      title={error ?? undefined}
    >
      CSV
      <span className="visually-hidden" style={{ position: 'absolute', left: -9999 }}>
        {' '}
        of {props.metric}
      </span>
    </Button>
  );
}

function Transitions({ figure }: { figure: Record<string, unknown> | undefined }): ReactNode {
  const cells = (figure?.['cells'] ?? []) as {
    from: string;
    to: string;
    count: number | null;
    suppressed?: boolean;
  }[];
  const top = [...cells].sort((a, b) => (b.count ?? 0) - (a.count ?? 0)).slice(0, 12);
  return (
    <Card withBorder data-metric="transitions" data-points={cells.length}>
      <Title order={3} size="h5" mb="xs">
        Zone transitions
      </Title>
      {top.length ? (
        <BarChart
          h={220}
          data={top.map((c) => ({ move: `${c.from} → ${c.to}`, moves: c.count }))}
          dataKey="move"
          orientation="vertical"
          yAxisProps={{ width: 150 }}
          series={[{ name: 'moves', color: 'blue.6' }]}
        />
      ) : (
        <Text c="dimmed" size="sm">
          No transitions in this range.
        </Text>
      )}
    </Card>
  );
}

function Paths({ figure }: { figure: Record<string, unknown> | undefined }): ReactNode {
  const paths = (figure?.['paths'] ?? []) as {
    path: string[];
    count: number | null;
    suppressed?: boolean;
  }[];
  return (
    <Card withBorder data-metric="paths" data-points={paths.length}>
      <Title order={3} size="h5" mb="xs">
        Top paths
      </Title>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Path</Table.Th>
            <Table.Th>Visits</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {paths.slice(0, 10).map((p) => (
            <Table.Tr key={p.path.join('>')}>
              <Table.Td>{p.path.join(' → ')}</Table.Td>
              <Table.Td>{p.count === null ? 'suppressed' : p.count}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function HeatmapCard(props: { store: Store; from: string; to: string }): ReactNode {
  const { store } = props;
  const zones = useLoad(() => api.get<Zone[]>(`${base(store.id)}/zones`), [store.id]);
  const plan = usePlanImage(store.id);
  const heat = useLoad(
    () =>
      api.get<Heatmap & { cellM: number }>(
        `${base(store.id)}/heatmap?from=${encodeURIComponent(props.from)}&to=${encodeURIComponent(props.to)}`,
      ),
    [store.id, props.from, props.to],
  );
  const grid = heat.data;
  const max = grid ? Math.max(1, ...grid.dwellSeconds.map((v) => v ?? 0)) : 1;
  const suppressed = grid ? grid.dwellSeconds.filter((v) => v === null).length : 0;
  return (
    <Card withBorder data-testid="heatmap">
      <Title order={3} size="h5" mb="xs">
        Dwell heatmap
      </Title>
      <Status loading={heat.loading} error={heat.error ?? zones.error} />
      {grid && (
        <Grid>
          <Grid.Col span={{ base: 12, md: 9 }}>
            <PlanView
              label={`Dwell heatmap of ${store.name}`}
              width={store.width}
              height={store.height}
              image={plan.url}
              zones={zones.data ?? []}
            >
              <defs>
                <pattern id="suppressed" width={0.5} height={0.5} patternUnits="userSpaceOnUse">
                  <rect width={0.5} height={0.5} fill="#dee2e6" />
                  <line x1={0} y1={0.5} x2={0.5} y2={0} stroke="#868e96" strokeWidth={0.06} />
                </pattern>
              </defs>
              {grid.dwellSeconds.map((v, i) => {
                const c = i % grid.cols;
                const r = Math.floor(i / grid.cols);
                if (v === 0) return null;
                return (
                  <rect
                    key={i}
                    x={c * grid.cellM}
                    y={store.height - (r + 1) * grid.cellM}
                    width={grid.cellM}
                    height={grid.cellM}
                    fill={v === null ? 'url(#suppressed)' : heatColour(v / max)}
                    fillOpacity={v === null ? 0.8 : 0.65}
                  />
                );
              })}
            </PlanView>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 3 }}>
            <Text size="sm" fw={600}>
              Legend
            </Text>
            <div
              aria-hidden="true"
              style={{
                height: 12,
                borderRadius: 4,
                background: `linear-gradient(to right, ${heatColour(0)}, ${heatColour(0.5)}, ${heatColour(1)})`,
              }}
            />
            <Group justify="space-between">
              <Text size="xs">0 s</Text>
              <Text size="xs">{Math.round(max)} s dwell per cell</Text>
            </Group>
            <Text size="xs" mt="xs">
              Cells of {grid.cellM} m × {grid.cellM} m; the bar under the plan is the scale.
            </Text>
            <Text size="xs" mt="xs">
              <span
                style={{
                  display: 'inline-block',
                  width: 12,
                  height: 12,
                  background: 'repeating-linear-gradient(45deg,#dee2e6 0 3px,#868e96 3px 4px)',
                  marginRight: 4,
                  verticalAlign: 'middle',
                }}
              />
              Suppressed (fewer than k visits): {suppressed} cells
            </Text>
          </Grid.Col>
        </Grid>
      )}
    </Card>
  );
}

function heatColour(t: number): string {
  const v = Math.min(1, Math.max(0, t));
  // yellow → orange → dark red
  const hue = 55 - v * 55;
  const light = 70 - v * 35;
  return `hsl(${hue}, 95%, ${light}%)`;
}
