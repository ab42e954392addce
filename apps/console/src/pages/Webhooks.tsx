import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
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
import { useSession } from '../session';
import { Page, Status, errorText, fieldError, formatTime } from './common';

interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  storeIds: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  previousSecretValidUntil: string | null;
}

interface EventType {
  type: string;
  version: number;
  description: string;
  loyaltyOnly: boolean;
}

interface Attempt {
  messageId: string;
  attempt: number;
  at: string;
  outcome: string;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
}

interface Message {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  createdAt: string;
  lastError: string | null;
}

export function WebhooksPage(): ReactNode {
  const session = useSession();
  const hooks = useLoad(() => api.get<Webhook[]>('/api/webhooks'), []);
  const types = useLoad(() => api.get<EventType[]>('/api/webhooks/event-types'), []);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Page title="Webhooks">
      {secret && (
        <Alert color="yellow" title="Signing secret — shown once, store it now" role="status">
          <Group>
            <Code data-testid="webhook-secret">{secret.secret}</Code>
            <CopyButton value={secret.secret}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setSecret(null)}>
              I stored it
            </Button>
          </Group>
        </Alert>
      )}
      <CreateWebhook
        types={(types.data ?? []).filter((t) => !t.loyaltyOnly || session.role === 'loyalty')}
        stores={session.stores.map((s) => s.id)}
        onCreated={(id, value) => {
          setSecret({ id, secret: value });
          setOpen(id);
          hooks.reload();
        }}
      />
      <Status loading={hooks.loading} error={hooks.error} />
      {(hooks.data ?? []).map((hook) => (
        <WebhookCard
          key={hook.id}
          hook={hook}
          open={open === hook.id}
          onToggle={() => setOpen(open === hook.id ? null : hook.id)}
          onSecret={(value) => setSecret({ id: hook.id, secret: value })}
          onChanged={hooks.reload}
        />
      ))}
      {hooks.data?.length === 0 && <Text c="dimmed">No subscriptions yet.</Text>}
    </Page>
  );
}

function CreateWebhook(props: {
  types: EventType[];
  stores: string[];
  onCreated: (id: string, secret: string) => void;
}): ReactNode {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState<string[]>([]);
  const [storeIds, setStoreIds] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<{ subscription: Webhook; secret: string }>('/api/webhooks', {
        url,
        eventTypes,
        ...(storeIds.length ? { storeIds } : {}),
        ...(description ? { description } : {}),
      });
      props.onCreated(created.subscription.id, created.secret);
      setUrl('');
      setDescription('');
      setEventTypes([]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const generic =
    error && !['url', 'eventTypes', 'storeIds', 'description'].some((f) => fieldError(error, f))
      ? errorText(error)
      : null;
  return (
    <Card withBorder component="form" onSubmit={(e) => void submit(e)}>
      <Title order={3} size="h4" mb="xs">
        New subscription
      </Title>
      <Stack gap="xs">
        <TextInput
          label="Endpoint URL (HTTPS)"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={fieldError(error, 'url')}
          required
        />
        <TextInput
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={fieldError(error, 'description')}
        />
        <Checkbox.Group
          label="Event types"
          value={eventTypes}
          onChange={setEventTypes}
          error={fieldError(error, 'eventTypes')}
        >
          <Group mt={4} gap="sm">
            {props.types.map((t) => (
              <Checkbox key={t.type} value={t.type} label={t.type} title={t.description} />
            ))}
          </Group>
        </Checkbox.Group>
        {props.stores.length > 0 && (
          <Checkbox.Group
            label="Stores (none = every store of this key)"
            value={storeIds}
            onChange={setStoreIds}
            error={fieldError(error, 'storeIds')}
          >
            <Group mt={4} gap="sm">
              {props.stores.map((s) => (
                <Checkbox key={s} value={s} label={s} />
              ))}
            </Group>
          </Checkbox.Group>
        )}
        {generic && (
          <Text c="red" size="sm" role="alert">
            {generic}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            Create subscription
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function WebhookCard(props: {
  hook: Webhook;
  open: boolean;
  onToggle: () => void;
  onSecret: (secret: string) => void;
  onChanged: () => void;
}): ReactNode {
  const { hook } = props;
  const path = `/api/webhooks/${encodeURIComponent(hook.id)}`;
  const [note, setNote] = useState<string | null>(null);
  const [since, setSince] = useState(new Date(Date.now() - 86_400_000).toISOString());
  const attempts = useLoad(
    () => (props.open ? api.get<Attempt[]>(`${path}/attempts`) : Promise.resolve([])),
    [path, props.open],
  );
  const messages = useLoad(
    () => (props.open ? api.get<Message[]>(`${path}/messages`) : Promise.resolve([])),
    [path, props.open],
  );
  const act = async (what: () => Promise<string>): Promise<void> => {
    try {
      setNote(await what());
    } catch (e) {
      setNote(errorText(e));
    }
    props.onChanged();
    attempts.reload();
    messages.reload();
  };
  return (
    <Card withBorder data-webhook={hook.id}>
      <Group justify="space-between">
        <Stack gap={0}>
          <Group gap="xs">
            <Text fw={600}>{hook.description || hook.url}</Text>
            <Badge color={hook.enabled ? 'teal' : 'gray'}>
              {hook.enabled ? 'enabled' : 'disabled'}
            </Badge>
            {hook.failingSince && (
              <Badge color="red">failing since {formatTime(hook.failingSince)}</Badge>
            )}
          </Group>
          <Text size="xs" c="dimmed">
            {hook.url} · {hook.eventTypes.join(', ')}
            {hook.storeIds.length ? ` · stores ${hook.storeIds.join(', ')}` : ''}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            onClick={() =>
              void act(async () => {
                const r = await api.post<{
                  outcome: string;
                  statusCode: number | null;
                  latencyMs: number;
                }>(`${path}/test`);
                return `Test sent: ${r.outcome} (${r.statusCode ?? 'no status'}, ${r.latencyMs} ms)`;
              })
            }
          >
            Send test
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() =>
              void act(async () => {
                const r = await api.post<{ secret: string; previousSecretValidUntil: string }>(
                  `${path}/rotate-secret`,
                );
                props.onSecret(r.secret);
                return `Secret rotated; the old one signs until ${formatTime(r.previousSecretValidUntil)}`;
              })
            }
          >
            Rotate secret
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() =>
              void act(async () => {
                await api.post(`${path}/${hook.enabled ? 'disable' : 'enable'}`);
                return hook.enabled ? 'Disabled' : 'Enabled';
              })
            }
          >
            {hook.enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button size="xs" variant="subtle" onClick={props.onToggle} aria-expanded={props.open}>
            {props.open ? 'Hide deliveries' : 'Deliveries'}
          </Button>
        </Group>
      </Group>
      {note && (
        <Text size="sm" mt="xs" role="status">
          {note}
        </Text>
      )}
      {props.open && (
        <Stack mt="sm">
          <Title order={4} size="h5">
            Delivery attempts
          </Title>
          <Table data-testid="attempts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Latency</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(attempts.data ?? []).map((a) => (
                <Table.Tr key={`${a.messageId}-${a.attempt}`}>
                  <Table.Td>{formatTime(a.at)}</Table.Td>
                  <Table.Td>
                    <Code>{a.messageId.slice(0, 14)}</Code> #{a.attempt}
                  </Table.Td>
                  <Table.Td>{a.outcome}</Table.Td>
                  <Table.Td>{a.statusCode ?? '—'}</Table.Td>
                  <Table.Td>{a.latencyMs} ms</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {attempts.data?.length === 0 && (
            <Text c="dimmed" size="sm">
              No attempts yet.
            </Text>
          )}
          <Title order={4} size="h5">
            Messages
          </Title>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Created</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Replay</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(messages.data ?? []).slice(0, 50).map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>{formatTime(m.createdAt)}</Table.Td>
                  <Table.Td>{m.eventType}</Table.Td>
                  <Table.Td title={m.lastError ?? undefined}>{m.status}</Table.Td>
                  <Table.Td>{m.attempts}</Table.Td>
                  <Table.Td>
                    {m.status !== 'test' && (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        aria-label={`Replay message ${m.id}`}
                        onClick={() =>
                          void act(async () => {
                            await api.post(`${path}/messages/${encodeURIComponent(m.id)}/replay`);
                            return `Message ${m.id} queued again`;
                          })
                        }
                      >
                        Replay
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group align="flex-end">
            <TextInput
              label="Replay every failed message since"
              value={since}
              onChange={(e) => setSince(e.currentTarget.value)}
            />
            <Button
              variant="default"
              onClick={() =>
                void act(async () => {
                  const r = await api.post<{ replayed: number }>(`${path}/replay`, { since });
                  return `${r.replayed} failed messages queued again`;
                })
              }
            >
              Replay failed
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}
