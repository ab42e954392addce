import {
  Alert,
  Button,
  Card,
  Code,
  Grid,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { can } from '../roles';
import { useSession } from '../session';
import { Page, Status, errorText, formatTime } from './common';
import { MembersDesk } from './PrivacyMembers';

interface FixedDevice {
  id: string;
  label: string | null;
  createdAt: string;
  [extra: string]: unknown;
}

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
}

export function PrivacyPage({ storeId }: { storeId: string }): ReactNode {
  const session = useSession();
  const base = `/api/stores/${encodeURIComponent(storeId)}`;
  const devices = useLoad(() => api.get<FixedDevice[]>(`${base}/fixed-devices`), [storeId]);
  const showOptOuts = session.role === 'admin' || session.role === 'store-manager';
  const optOuts = useLoad(
    () =>
      showOptOuts ? api.get<{ size: number }>('/api/privacy/opt-outs') : Promise.resolve(null),
    [showOptOuts],
  );
  const audit = useLoad(
    () =>
      can(session.role, 'audit') ? api.get<AuditEntry[]>('/api/audit') : Promise.resolve(null),
    [session.role],
  );
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    try {
      await api.post(`${base}/fixed-devices`, { address, ...(label ? { label } : {}) });
      setAddress('');
      setLabel('');
      devices.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Page title="Privacy desk">
      <Grid>
        {showOptOuts && (
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Card withBorder>
              <Title order={3} size="h4">
                Opt-outs
              </Title>
              <Text size="xl" fw={700} data-testid="opt-out-size">
                {optOuts.data ? optOuts.data.size : '…'}
              </Text>
              <Text size="sm" c="dimmed">
                devices on the hub-wide opt-out list (kept as keyed digests; addresses are never
                stored or shown). Shoppers opt out at <a href="/opt-out">/opt-out</a>.
              </Text>
            </Card>
          </Grid.Col>
        )}
        <Grid.Col span={{ base: 12, md: showOptOuts ? 8 : 12 }}>
          <Card withBorder>
            <Title order={3} size="h4" mb="xs">
              The store’s own devices (never counted)
            </Title>
            <Status loading={devices.loading} error={devices.error} />
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th>Digest</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th>Remove</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(devices.data ?? []).map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{d.label ?? '—'}</Table.Td>
                    <Table.Td>
                      <Code>{d.id.slice(0, 12)}…</Code>
                    </Table.Td>
                    <Table.Td>{formatTime(d.createdAt)}</Table.Td>
                    <Table.Td>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        aria-label={`Remove ${d.label ?? d.id}`}
                        onClick={() =>
                          void api
                            .delete(`${base}/fixed-devices/${encodeURIComponent(d.id)}`)
                            .then(devices.reload, (e: unknown) => setError(errorText(e)))
                        }
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Stack component="form" gap="xs" mt="sm" onSubmit={(e) => void add(e)}>
              <Group align="flex-end" grow>
                <TextInput
                  label="Device address (MAC)"
                  description="Only a keyed digest is kept"
                  value={address}
                  onChange={(e) => setAddress(e.currentTarget.value)}
                  required
                />
                <TextInput
                  label="What it is"
                  value={label}
                  onChange={(e) => setLabel(e.currentTarget.value)}
                />
              </Group>
              {error && (
                <Alert color="red" role="alert">
                  {error}
                </Alert>
              )}
              <Group>
                <Button type="submit">Add device</Button>
              </Group>
            </Stack>
          </Card>
        </Grid.Col>
        {can(session.role, 'members') && (
          <Grid.Col span={12}>
            <MembersDesk onAudited={audit.reload} />
          </Grid.Col>
        )}
        {audit.data && (
          <Grid.Col span={12}>
            <Card withBorder>
              <Title order={3} size="h4" mb="xs">
                Audit log (hub-wide, newest first)
              </Title>
              <Table data-testid="audit">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Who</Table.Th>
                    <Table.Th>Action</Table.Th>
                    <Table.Th>Subject</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {audit.data.slice(0, 100).map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>{formatTime(a.at)}</Table.Td>
                      <Table.Td>{a.actor}</Table.Td>
                      <Table.Td>{a.action}</Table.Td>
                      <Table.Td>{a.subject ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {audit.data.length === 0 && <Text c="dimmed">Nothing audited yet.</Text>}
            </Card>
          </Grid.Col>
        )}
      </Grid>
    </Page>
  );
}
