import { Alert, Button, Card, Group, Modal, NativeSelect, Table, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { Status, errorText, formatTime } from './common';

interface ConsentRecord {
  scope: string;
  grantedAt: string;
  withdrawnAt: string | null;
}

interface Member {
  id: string;
  appIdentity: string;
  createdAt: string;
  consents: string[];
  history: ConsentRecord[];
}

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
}

const SCOPES = ['analytics-linking', 'marketing'] as const;
/** Members per page offered (the API returns at most 200 at once). */
const PAGE_SIZES = ['10', '20', '50', '100'] as const;
/** The data-subject requests the desk acts on, as the audit names them. */
const DSR_ACTIONS = ['member.exported', 'member.erased'] as const;

/** A scope's state from the member's history: in force since, withdrawn when, or never given. */
function consentText(member: Member, scope: string): string {
  const latest = member.history.filter((h) => h.scope === scope).at(-1);
  if (!latest) return 'never given';
  if (member.consents.includes(scope) && !latest.withdrawnAt) {
    return `given ${formatTime(latest.grantedAt)}`;
  }
  return `withdrawn ${formatTime(latest.withdrawnAt)} (given ${formatTime(latest.grantedAt)})`;
}

/**
 * The admin's data-subject desk: members with their consent scopes and timestamps, export (a JSON
 * download) and erasure (after a confirmation), and the audit entries of those requests. Members
 * carry no device data; nothing here shows an address.
 */
export function MembersDesk(props: { onAudited: () => void }): ReactNode {
  const [pageSize, setPageSize] = useState(20);
  const [offset, setOffset] = useState(0);
  const members = useLoad(
    () =>
      api.get<{ total: number; members: Member[] }>(
        `/api/members?limit=${pageSize}&offset=${offset}`,
      ),
    [pageSize, offset],
  );
  const total = members.data?.total ?? 0;
  const shown = members.data?.members.length ?? 0;
  const requests = useLoad(
    async () =>
      (await Promise.all(DSR_ACTIONS.map((a) => api.get<AuditEntry[]>(`/api/audit?action=${a}`))))
        .flat()
        .sort((a, b) => b.at.localeCompare(a.at)),
    [],
  );
  const [erasing, setErasing] = useState<Member | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (): void => {
    requests.reload();
    props.onAudited();
  };

  const exportMember = async (member: Member): Promise<void> => {
    setError(null);
    try {
      const data = await api.get<object>(`/api/members/${encodeURIComponent(member.id)}/export`);
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = `member-${member.id}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setNotice(`Exported ${member.appIdentity}.`);
      changed();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const erase = async (member: Member): Promise<void> => {
    setError(null);
    try {
      await api.delete(`/api/members/${encodeURIComponent(member.id)}`);
      setNotice(`Erased ${member.appIdentity} and everything held about them.`);
      members.reload();
      changed();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setErasing(null);
    }
  };

  return (
    <Card withBorder data-testid="members">
      <Title order={3} size="h4" mb="xs">
        Members: consent and data-subject requests
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Loyalty members registered by the provider, hub-wide. Members carry no device data.
        {members.data ? ` ${members.data.total} in all.` : ''}
      </Text>
      <Status loading={members.loading} error={members.error} />
      {error && (
        <Alert color="red" role="alert" mb="xs">
          {error}
        </Alert>
      )}
      {notice && (
        <Alert color="teal" role="status" mb="xs">
          {notice}
        </Alert>
      )}
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Member</Table.Th>
            <Table.Th>Registered</Table.Th>
            {SCOPES.map((s) => (
              <Table.Th key={s}>{s}</Table.Th>
            ))}
            <Table.Th>Requests</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(members.data?.members ?? []).map((m) => (
            <Table.Tr key={m.id} data-member={m.id}>
              <Table.Td>
                {m.appIdentity}
                <Text size="xs" c="dimmed">
                  {m.id}
                </Text>
              </Table.Td>
              <Table.Td>{formatTime(m.createdAt)}</Table.Td>
              {SCOPES.map((s) => (
                <Table.Td key={s} data-scope={s}>
                  {consentText(m, s)}
                </Table.Td>
              ))}
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button
                    size="compact-xs"
                    variant="light"
                    aria-label={`Export data of ${m.appIdentity}`}
                    onClick={() => void exportMember(m)}
                  >
                    Export
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    color="red"
                    aria-label={`Erase ${m.appIdentity}`}
                    onClick={() => setErasing(m)}
                  >
                    Erase
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {members.data?.members.length === 0 && <Text c="dimmed">No members registered.</Text>}
      <Group mt="xs" justify="space-between" data-testid="members-paging">
        <Text size="sm" role="status">
          {total === 0
            ? 'No members'
            : `Members ${Math.min(offset + 1, total)}–${offset + shown} of ${total} (newest first)`}
        </Text>
        <Group gap="xs" align="flex-end">
          <NativeSelect
            size="xs"
            label="Members per page"
            value={String(pageSize)}
            onChange={(e) => {
              setPageSize(Number(e.currentTarget.value));
              setOffset(0);
            }}
            data={[...PAGE_SIZES]}
          />
          <Button
            size="xs"
            variant="default"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - pageSize))}
          >
            Previous page
          </Button>
          <Button
            size="xs"
            variant="default"
            disabled={offset + pageSize >= total}
            onClick={() => setOffset(offset + pageSize)}
          >
            Next page
          </Button>
        </Group>
      </Group>

      <Title order={4} size="h5" mt="md" mb="xs">
        Data-subject requests (audit, newest first)
      </Title>
      <Status loading={requests.loading} error={requests.error} />
      <Table data-testid="member-requests">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Subject</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(requests.data ?? []).slice(0, 50).map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td>{formatTime(a.at)}</Table.Td>
              <Table.Td>{a.actor}</Table.Td>
              <Table.Td>{a.action}</Table.Td>
              <Table.Td>{a.subject ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {requests.data?.length === 0 && <Text c="dimmed">No export or erasure yet.</Text>}

      <Modal
        opened={erasing !== null}
        onClose={() => setErasing(null)}
        closeButtonProps={{ 'aria-label': 'Close without erasing' }}
        title={`Erase ${erasing?.appIdentity ?? ''}?`}
      >
        <Text mb="md">
          This deletes the member, their consent history, linked visits and offers, across every
          store. It cannot be undone; export first if they asked for a copy.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setErasing(null)}>
            Cancel
          </Button>
          <Button color="red" onClick={() => erasing && void erase(erasing)}>
            Erase for good
          </Button>
        </Group>
      </Modal>
    </Card>
  );
}
