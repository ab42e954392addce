import { Button, Group, Modal, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { can } from '../roles';
import { href } from '../router';
import { useRefreshSession, useSession } from '../session';
import type { Store } from '../types';
import { Page, Status, errorText, fieldError } from './common';
import { text } from './Policy';

export function StoresPage(): ReactNode {
  const session = useSession();
  const refreshSession = useRefreshSession();
  const stores = useLoad(() => api.get<Store[]>('/api/stores'), []);
  const [editing, setEditing] = useState<Store | 'new' | null>(null);
  return (
    <Page
      title="Stores"
      actions={
        can(session.role, 'stores.create') && (
          <Group>
            <Button onClick={() => setEditing('new')}>New store</Button>
          </Group>
        )
      }
    >
      <Status loading={stores.loading} error={stores.error} />
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Store</Table.Th>
            <Table.Th>Time zone</Table.Th>
            <Table.Th>Floor (m)</Table.Th>
            <Table.Th>Tracking</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(stores.data ?? []).map((store) => (
            <Table.Tr key={store.id}>
              <Table.Td>
                <a href={href('stores', store.id, 'plan')}>{store.name}</a>{' '}
                <Text span c="dimmed" size="sm">
                  ({store.id})
                </Text>
              </Table.Td>
              <Table.Td>{store.timezone}</Table.Td>
              <Table.Td>
                {store.width} × {store.height}
              </Table.Td>
              <Table.Td>{text(store.policy['mode'], 'off')}</Table.Td>
              <Table.Td>
                {can(session.role, 'stores.edit') && (
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => setEditing(store)}
                    aria-label={`Edit store ${store.id}`}
                  >
                    Edit
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'New store' : 'Edit store'}
      >
        {editing !== null && (
          <StoreForm
            store={editing === 'new' ? null : editing}
            onSaved={() => {
              setEditing(null);
              stores.reload();
              void refreshSession();
            }}
          />
        )}
      </Modal>
    </Page>
  );
}

/** Create or edit a store's name, time zone and floor size (the plan's scale, in metres). */
export function StoreForm(props: {
  store: Store | null;
  onSaved: (store: Store) => void;
}): ReactNode {
  const { store } = props;
  const [id, setId] = useState(store?.id ?? '');
  const [name, setName] = useState(store?.name ?? '');
  const [timezone, setTimezone] = useState(
    store?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const [width, setWidth] = useState<number | string>(store?.width ?? 30);
  const [height, setHeight] = useState<number | string>(store?.height ?? 20);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { name, timezone, width: Number(width), height: Number(height) };
    try {
      const saved = store
        ? await api.patch<Store>(`/api/stores/${encodeURIComponent(store.id)}`, body)
        : await api.post<Store>('/api/stores', { id, ...body });
      props.onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const generic =
    error && !['id', 'name', 'timezone', 'width', 'height'].some((f) => fieldError(error, f))
      ? errorText(error)
      : null;
  return (
    <Stack component="form" onSubmit={(e) => void submit(e)}>
      {!store && (
        <TextInput
          label="Store id"
          description="Lower-case letters, digits and dashes"
          value={id}
          onChange={(e) => setId(e.currentTarget.value)}
          error={fieldError(error, 'id')}
          required
        />
      )}
      <TextInput
        label="Name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={fieldError(error, 'name')}
        required
      />
      <TextInput
        label="Time zone"
        description="IANA name, e.g. Europe/Berlin"
        value={timezone}
        onChange={(e) => setTimezone(e.currentTarget.value)}
        error={fieldError(error, 'timezone')}
        required
      />
      <Group grow>
        <NumberInput
          label="Width (m)"
          value={width}
          onChange={setWidth}
          error={fieldError(error, 'width')}
          decimalScale={2}
        />
        <NumberInput
          label="Depth (m)"
          value={height}
          onChange={setHeight}
          error={fieldError(error, 'height')}
          decimalScale={2}
        />
      </Group>
      {generic && (
        <Text c="red" size="sm" role="alert">
          {generic}
        </Text>
      )}
      <Button type="submit" loading={busy}>
        Save
      </Button>
    </Stack>
  );
}
