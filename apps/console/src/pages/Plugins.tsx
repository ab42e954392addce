import { Badge, Card, Code, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { Page, Status } from './common';

interface PluginState {
  domain: string;
  name?: string;
  version?: string;
  status: string;
  error?: string;
  errors?: string[];
  [extra: string]: unknown;
}

interface DriverState {
  storeId: string;
  sensorId: string;
  domain: string;
  status: string;
  available: boolean | null;
  reason?: string;
  error?: string;
  attempts: number;
}

export function PluginsPage(): ReactNode {
  const plugins = useLoad(async () => {
    const list = await api.get<PluginState[]>('/api/plugins');
    const details = await Promise.all(
      list.map((p) =>
        api
          .get<PluginState & { sensors: DriverState[] }>(
            `/api/plugins/${encodeURIComponent(p.domain)}`,
          )
          .catch(() => ({ ...p, sensors: [] as DriverState[] })),
      ),
    );
    return details;
  }, []);
  return (
    <Page title="Plugins and sensors">
      <Status loading={plugins.loading} error={plugins.error} />
      <Stack>
        {(plugins.data ?? []).map((p) => (
          <Card withBorder key={p.domain} data-plugin={p.domain}>
            <Title order={3} size="h5">
              {p.name ?? p.domain}{' '}
              <Badge color={p.status === 'loaded' ? 'teal' : 'red'}>{p.status}</Badge>
            </Title>
            <Text size="xs" c="dimmed">
              {p.domain}
              {p.version ? ` ${p.version}` : ''}
            </Text>
            {(p.error || p.errors?.length) && (
              <Code block color="red.1" mt="xs">
                {[p.error, ...(p.errors ?? [])].filter(Boolean).join('\n')}
              </Code>
            )}
            {p.sensors.length > 0 && (
              <Table mt="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Store</Table.Th>
                    <Table.Th>Sensor</Table.Th>
                    <Table.Th>Driver</Table.Th>
                    <Table.Th>Available</Table.Th>
                    <Table.Th>Why</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.sensors.map((s) => (
                    <Table.Tr key={`${s.storeId}/${s.sensorId}`}>
                      <Table.Td>{s.storeId}</Table.Td>
                      <Table.Td>{s.sensorId}</Table.Td>
                      <Table.Td>
                        <Badge
                          color={
                            s.status === 'running' ? 'teal' : s.status === 'failed' ? 'red' : 'gray'
                          }
                        >
                          {s.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {s.available === null ? 'unknown' : s.available ? 'yes' : 'no'}
                      </Table.Td>
                      <Table.Td>
                        {s.error ?? s.reason ?? (s.attempts > 1 ? `${s.attempts} attempts` : '')}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        ))}
      </Stack>
    </Page>
  );
}
