import { Alert, Badge, Card, Grid, Group, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { api, readEvents } from '../api';
import { PlanView, ramp } from '../components/PlanView';
import { useLoad } from '../hooks';
import type { LiveSnapshot, Sensor, Store, Zone } from '../types';
import { Page, Status, errorText, formatTime } from './common';
import { usePlanImage } from './FloorPlan';

interface CoverageGrid {
  step: number;
  cols: number;
  rows: number;
  values: (number | null)[][];
  median: number | null;
  max: number | null;
}

const base = (storeId: string): string => `/api/stores/${encodeURIComponent(storeId)}`;

/** Subscribes to the store's live stream (Server-Sent Events over fetch); reconnects on error. */
function useLive(storeId: string): {
  frame: LiveSnapshot | null;
  error: string | null;
  frames: number;
} {
  const [frame, setFrame] = useState<LiveSnapshot | null>(null);
  const [frames, setFrames] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      readEvents(
        `${base(storeId)}/live`,
        (type, data) => {
          if (type !== 'snapshot') return;
          setFrame(JSON.parse(data) as LiveSnapshot);
          setFrames((n) => n + 1);
          setError(null);
        },
        abort.signal,
      ).then(
        () => {
          if (!abort.signal.aborted) retry = setTimeout(connect, 1000);
        },
        (e: unknown) => {
          if (abort.signal.aborted) return;
          setError(errorText(e));
          retry = setTimeout(connect, 3000);
        },
      );
    };
    connect();
    return () => {
      abort.abort();
      if (retry) clearTimeout(retry);
    };
  }, [storeId]);
  return { frame, error, frames };
}

export function LivePage({ storeId }: { storeId: string }): ReactNode {
  const store = useLoad(() => api.get<Store>(base(storeId)), [storeId]);
  const zones = useLoad(() => api.get<Zone[]>(`${base(storeId)}/zones`), [storeId]);
  const sensors = useLoad(() => api.get<Sensor[]>(`${base(storeId)}/sensors`), [storeId]);
  const plan = usePlanImage(storeId);
  const live = useLive(storeId);
  const [showCoverage, setShowCoverage] = useState(false);
  const coverage = useLoad(
    () =>
      showCoverage
        ? api.get<CoverageGrid>(`${base(storeId)}/coverage?step=1`)
        : Promise.resolve(null),
    [storeId, showCoverage],
  );
  const s = store.data;
  const frame = live.frame;
  const grid = coverage.data;
  const worst = grid?.max ?? 1;
  const counts = new Map((frame?.zones ?? []).map((z) => [z.zoneId, z.count]));

  return (
    <Page title={`Live — ${s?.name ?? storeId}`}>
      <Status loading={store.loading} error={store.error} />
      {live.error && (
        <Alert color="orange" title="Live stream" role="alert">
          {live.error} (reconnecting)
        </Alert>
      )}
      {s && (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Card withBorder>
              <Group justify="space-between" mb="xs">
                <Group gap="xs">
                  <Badge color={frame?.mode === 'in-visit' ? 'teal' : 'gray'}>
                    {frame?.mode ?? '…'}
                  </Badge>
                  <Text size="sm" aria-live="polite" data-testid="live-count">
                    {frame ? `${frame.positions.length} people positioned` : 'connecting…'}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {frame ? `at ${formatTime(frame.at)}` : ''}
                  </Text>
                </Group>
                <Switch
                  label="Coverage (position error bound)"
                  checked={showCoverage}
                  onChange={(e) => setShowCoverage(e.currentTarget.checked)}
                />
              </Group>
              <PlanView
                label={`Live floor plan of ${s.name}: ${frame?.positions.length ?? 0} positions`}
                width={s.width}
                height={s.height}
                image={plan.url}
                zones={zones.data ?? []}
                sensors={sensors.data ?? []}
              >
                {grid &&
                  grid.values.flatMap((row, r) =>
                    row.map((v, c) => (
                      <rect
                        key={`${r}-${c}`}
                        x={c * grid.step}
                        y={s.height - (r + 1) * grid.step}
                        width={grid.step}
                        height={grid.step}
                        fill={v === null ? '#868e96' : ramp(v / worst)}
                        fillOpacity={0.35}
                      />
                    )),
                  )}
                <g data-testid="positions">
                  {(frame?.positions ?? []).map((p) => (
                    <g key={p.subject}>
                      <circle
                        cx={p.x}
                        cy={s.height - p.y}
                        r={Math.max(0.3, p.uncertainty)}
                        fill="#1c7ed6"
                        fillOpacity={0.12}
                      />
                      <circle
                        cx={p.x}
                        cy={s.height - p.y}
                        r={0.3}
                        fill="#1c7ed6"
                        data-position={`${p.x},${p.y}`}
                      />
                    </g>
                  ))}
                </g>
              </PlanView>
              {frame?.reason && (
                <Text size="sm" c="dimmed" mt="xs">
                  {frame.reason}
                </Text>
              )}
              {grid && (
                <Text size="sm" mt="xs">
                  Coverage: green = small position error, red = up to {grid.max?.toFixed(1)} m
                  (median {grid.median?.toFixed(1)} m); grey = no position possible.
                </Text>
              )}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Stack>
              <Card withBorder>
                <Title order={3} size="h4" mb="xs">
                  Zone occupancy
                </Title>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Zone</Table.Th>
                      <Table.Th>People now</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {(zones.data ?? []).map((z) => (
                      <Table.Tr key={z.id}>
                        <Table.Td>{z.name}</Table.Td>
                        <Table.Td>{counts.get(z.id) ?? 0}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Text size="sm" mt="xs">
                  Wi-Fi estimate (5 min):{' '}
                  {frame?.occupancy
                    ? frame.occupancy.suppressed
                      ? 'suppressed (fewer than k people)'
                      : String(frame.occupancy.estimate)
                    : 'not yet'}
                </Text>
              </Card>
              <Card withBorder>
                <Title order={3} size="h4" mb="xs">
                  Sensor health
                </Title>
                <Table data-testid="sensor-health">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Sensor</Table.Th>
                      <Table.Th>State</Table.Th>
                      <Table.Th>Last sighting</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {(frame?.sensors ?? []).map((sensor) => (
                      <Table.Tr key={sensor.sensorId}>
                        <Table.Td>{sensor.sensorId}</Table.Td>
                        <Table.Td>
                          <Badge
                            tt="none"
                            style={{ overflow: 'visible' }}
                            color={
                              sensor.status === 'running' && sensor.available !== false
                                ? 'teal'
                                : sensor.status === 'failed'
                                  ? 'red'
                                  : 'gray'
                            }
                            title={sensor.error ?? sensor.reason ?? undefined}
                          >
                            {sensor.available === false ? 'offline' : sensor.status}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs">
                            {sensor.lastSightingAt
                              ? new Date(sensor.lastSightingAt).toLocaleTimeString()
                              : '—'}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
            </Stack>
          </Grid.Col>
        </Grid>
      )}
    </Page>
  );
}
