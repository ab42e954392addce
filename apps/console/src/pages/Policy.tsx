import {
  Alert,
  Button,
  Card,
  Grid,
  Group,
  List,
  NativeSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import type { Store, Zone } from '../types';
import { Page, Status, errorText, fieldError, formatTime } from './common';
import {
  CouponsEditor,
  HoursEditor,
  readCoupons,
  readHours,
  type CouponsDoc,
  type HoursWindow,
} from './PolicyForms';

const base = (storeId: string): string => `/api/stores/${encodeURIComponent(storeId)}`;

/** The notice fields a store must fill before tracking can be anything but off (as the API). */
const NOTICE_FIELDS: { path: string; label: string; long?: boolean }[] = [
  { path: 'controllerName', label: 'Controller (legal name)' },
  { path: 'purpose', label: 'Purpose', long: true },
  { path: 'signage.text', label: 'Signage text', long: true },
  { path: 'signage.placement', label: 'Signage placement' },
  { path: 'noticeUrl', label: 'Full notice URL' },
  { path: 'optOutInstructions', label: 'Opt-out instructions', long: true },
  { path: 'retentionStatement', label: 'Retention statement', long: true },
  { path: 'dpiaReference', label: 'DPIA reference' },
];

type Doc = Record<string, unknown>;

function get(doc: Doc, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Doc)[key] : undefined),
      doc,
    );
}

function set(doc: Doc, path: string, value: unknown): Doc {
  const [head, ...rest] = path.split('.');
  if (!head) return doc;
  if (rest.length === 0) {
    const next = { ...doc };
    if (value === '' || value === undefined) delete next[head];
    else next[head] = value;
    return next;
  }
  const child = (doc[head] && typeof doc[head] === 'object' ? doc[head] : {}) as Doc;
  return { ...doc, [head]: set(child, rest.join('.'), value) };
}

/** A string value, or the fallback for anything else. */
export function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

export function missingNotice(policy: Doc): string[] {
  return NOTICE_FIELDS.filter((f) => {
    const v = get(policy, `notice.${f.path}`);
    return typeof v !== 'string' || v.trim() === '';
  }).map((f) => f.path);
}

interface Version {
  version: number;
  document: Doc;
  changedBy: string;
  changedAt: string;
}

export function PolicyPage({ storeId }: { storeId: string }): ReactNode {
  const store = useLoad(() => api.get<Store>(base(storeId)), [storeId]);
  const versions = useLoad(() => api.get<Version[]>(`${base(storeId)}/policy/versions`), [storeId]);
  const [policy, setPolicy] = useState<Doc>({});
  const zones = useLoad(() => api.get<Zone[]>(`${base(storeId)}/zones`), [storeId]);
  const [hours, setHours] = useState<HoursWindow[]>([]);
  const [coupons, setCoupons] = useState<CouponsDoc>({ enabled: false, rules: [] });
  const [couponsTouched, setCouponsTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [previewKey, setPreviewKey] = useState(0);

  useEffect(() => {
    if (!store.data) return;
    const p = store.data.policy;
    setPolicy(p);
    setHours(readHours(p['hours']));
    setCoupons(readCoupons(p['coupons']));
    setCouponsTouched(p['coupons'] !== undefined);
  }, [store.data]);

  const missing = missingNotice(policy);
  const mode = text(policy['mode'], 'off');
  // The API names policy fields from the request body: `policy.hours[0].to`.
  const field = (path: string): string | undefined => fieldError(error, `policy.${path}`);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    let document = set(policy, 'hours', hours.length ? hours : undefined);
    document = set(document, 'coupons', couponsTouched ? coupons : undefined);
    try {
      await api.patch(base(storeId), { policy: document });
      setSaved(true);
      store.reload();
      versions.reload();
      setPreviewKey((k) => k + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const numberField = (
    path: string,
    label: string,
    description: string,
    fallback: number,
  ): ReactNode => (
    <NumberInput
      label={label}
      description={description}
      placeholder={`${fallback} (default)`}
      value={(get(policy, path) as number | undefined) ?? ''}
      onChange={(v) => setPolicy(set(policy, path, v === '' ? undefined : Number(v)))}
      error={field(path)}
    />
  );
  const fieldErrors =
    error && typeof error === 'object' && 'fields' in error
      ? (error as { fields: { field: string; message: string }[] }).fields
      : [];

  return (
    <Page title={`Policy — ${store.data?.name ?? storeId}`}>
      <Status loading={store.loading} error={store.error} />
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Card withBorder component="form" onSubmit={(e) => void submit(e)}>
            <Stack>
              <Title order={3} size="h4">
                Tracking
              </Title>
              <NativeSelect
                label="Tracking mode"
                description="Anything but off needs a complete notice"
                value={mode}
                onChange={(e) => setPolicy(set(policy, 'mode', e.currentTarget.value))}
                data={[
                  { value: 'off', label: 'off — nothing is tracked' },
                  { value: 'count-only', label: 'count-only — counts, nothing per device' },
                  { value: 'consented', label: 'consented — members who agreed' },
                  { value: 'in-visit', label: 'in-visit — positions within a visit' },
                ]}
                error={field('mode')}
              />
              <Group grow align="flex-start">
                {numberField('rotationHours', 'Key rotation (hours)', 'at most 24', 24)}
                {numberField('suppression.minSubjects', 'Suppression k', 'smallest group shown', 5)}
              </Group>
              <Group grow align="flex-start">
                {numberField(
                  'retention.deviceSightingsHours',
                  'Device data (hours)',
                  'at most 7 days',
                  24,
                )}
                {numberField('retention.countsDays', 'Counts (days)', 'at most 25 months', 400)}
              </Group>
              <Title order={3} size="h4">
                Tracking hours
              </Title>
              <HoursEditor
                path="hours"
                name="Tracking"
                windows={hours}
                onChange={setHours}
                error={field}
                empty="No windows: tracked whenever the mode allows, around the clock."
              />
              <Title order={3} size="h4">
                Coupons
              </Title>
              <CouponsEditor
                coupons={coupons}
                zones={zones.data ?? []}
                onChange={(c) => {
                  setCoupons(c);
                  setCouponsTouched(true);
                }}
                error={field}
              />
              <Title order={3} size="h4">
                Shopper notice
              </Title>
              {NOTICE_FIELDS.map((f) => {
                const props = {
                  label: f.label,
                  value: text(get(policy, `notice.${f.path}`), ''),
                  onChange: (e: { currentTarget: { value: string } }) =>
                    setPolicy(set(policy, `notice.${f.path}`, e.currentTarget.value)),
                  error: field(`notice.${f.path}`),
                };
                return f.long ? (
                  <Textarea key={f.path} autosize minRows={2} {...props} />
                ) : (
                  <TextInput key={f.path} {...props} />
                );
              })}
              {error && fieldErrors.length === 0 ? (
                <Alert color="red" role="alert">
                  {errorText(error)}
                </Alert>
              ) : null}
              {fieldErrors.length > 0 && (
                <Alert color="red" role="alert" title="The API refused the policy">
                  <List size="sm">
                    {fieldErrors.map((f) => (
                      <List.Item key={f.field}>
                        {f.field}: {f.message}
                      </List.Item>
                    ))}
                  </List>
                </Alert>
              )}
              {saved && (
                <Alert color="teal" role="status">
                  Policy saved.
                </Alert>
              )}
              <Group>
                <Button type="submit" loading={busy}>
                  Save policy
                </Button>
              </Group>
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack>
            <Card withBorder data-testid="notice-checklist">
              <Title order={3} size="h4" mb="xs">
                Notice checklist
              </Title>
              {missing.length === 0 ? (
                <Text c="teal" fw={600}>
                  The notice is complete: tracking can be switched on.
                </Text>
              ) : (
                <>
                  <Text size="sm" mb="xs">
                    Missing before tracking can be switched on ({missing.length}):
                  </Text>
                  <List size="sm" spacing={4}>
                    {NOTICE_FIELDS.map((f) => {
                      const absent = missing.includes(f.path);
                      return (
                        <List.Item
                          key={f.path}
                          icon={
                            <ThemeIcon size={16} radius="xl" color={absent ? 'red' : 'teal'}>
                              <span aria-hidden="true">{absent ? '✗' : '✓'}</span>
                            </ThemeIcon>
                          }
                        >
                          {f.label} — {absent ? 'missing' : 'done'}
                        </List.Item>
                      );
                    })}
                  </List>
                </>
              )}
            </Card>
            <Card withBorder>
              <Title order={3} size="h4" mb="xs">
                Public notice preview
              </Title>
              <iframe
                key={previewKey}
                title="Public notice preview"
                src={`/notice/${encodeURIComponent(storeId)}`}
                style={{ width: '100%', height: 360, border: '1px solid #dee2e6', borderRadius: 8 }}
              />
              <Text size="xs" c="dimmed">
                As shoppers see it at /notice/{storeId} (the saved policy).
              </Text>
            </Card>
            <Card withBorder>
              <Title order={3} size="h4" mb="xs">
                Version history
              </Title>
              <Status loading={versions.loading} error={versions.error} />
              <Table data-testid="policy-versions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Version</Table.Th>
                    <Table.Th>Mode</Table.Th>
                    <Table.Th>By</Table.Th>
                    <Table.Th>When</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(versions.data ?? []).map((v) => (
                    <Table.Tr key={v.version}>
                      <Table.Td>{v.version}</Table.Td>
                      <Table.Td>{text(v.document['mode'], 'off')}</Table.Td>
                      <Table.Td>{v.changedBy}</Table.Td>
                      <Table.Td>{formatTime(v.changedAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
