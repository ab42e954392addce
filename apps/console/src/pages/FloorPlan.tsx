import {
  Alert,
  Button,
  Card,
  FileInput,
  Grid,
  Group,
  NativeSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { PlanView } from '../components/PlanView';
import { useLoad, useObjectUrl } from '../hooks';
import { can } from '../roles';
import { useSession } from '../session';
import type { Point, Sensor, Store, Zone } from '../types';
import { Page, Status, errorText, fieldError } from './common';
import { StoreForm } from './Stores';

const base = (storeId: string): string => `/api/stores/${encodeURIComponent(storeId)}`;

/** The store's plan image as an object URL (null when none was uploaded). */
export function usePlanImage(storeId: string): { url: string | null; reload: () => void } {
  const image = useLoad(() => api.blob(`${base(storeId)}/floor-plan`), [storeId]);
  return { url: useObjectUrl(image.data), reload: image.reload };
}

function pointsText(polygon: Point[]): string {
  return polygon.map((p) => `${p.x}, ${p.y}`).join('; ');
}

function parsePoints(text: string): Point[] {
  return text
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const [x, y] = pair.split(/[,\s]+/).map(Number);
      return { x: x ?? Number.NaN, y: y ?? Number.NaN };
    });
}

export function FloorPlanPage({ storeId }: { storeId: string }): ReactNode {
  const session = useSession();
  const store = useLoad(() => api.get<Store>(base(storeId)), [storeId]);
  const zones = useLoad(() => api.get<Zone[]>(`${base(storeId)}/zones`), [storeId]);
  const sensors = useLoad(() => api.get<Sensor[]>(`${base(storeId)}/sensors`), [storeId]);
  const plan = usePlanImage(storeId);
  const editZones = can(session.role, 'zones.edit');
  const editSensors = can(session.role, 'sensors.edit');
  const editPlan = can(session.role, 'floorPlan.edit');

  const [selected, setSelected] = useState<string | null>(null);
  const [drawing, setDrawing] = useState<Point[] | null>(null);
  // Corners of the selected zone as edited on the plan or in the form, until saved.
  const [draft, setDraft] = useState<Point[] | null>(null);
  const [moved, setMoved] = useState<Record<string, Point>>({});
  const [sensorError, setSensorError] = useState<string | null>(null);

  const s = store.data;
  const zoneList = zones.data ?? [];
  const sensorList = (sensors.data ?? []).map((x) => ({ ...x, ...(moved[x.id] ?? {}) }));
  const selectedZone = zoneList.find((z) => z.id === selected) ?? null;
  const editing = selectedZone && editZones ? (draft ?? selectedZone.polygon) : null;
  // The zones reloaded after a save replace the draft that was saved, but not corners moved since
  // (the reload can land after the next edit: it used to wipe that edit).
  const savedDraft = useRef<Point[] | null>(null);
  useEffect(() => {
    setDraft((current) => (current === savedDraft.current ? null : current));
    savedDraft.current = null;
  }, [zones.data]);

  const moveSensor = async (sensor: Sensor, point: Point): Promise<void> => {
    setSensorError(null);
    try {
      await api.patch(`${base(storeId)}/sensors/${encodeURIComponent(sensor.id)}`, {
        x: point.x,
        y: point.y,
      });
      sensors.reload();
    } catch (e) {
      setSensorError(`${sensor.id}: ${errorText(e)}`);
    } finally {
      setMoved((m) => {
        const { [sensor.id]: _, ...rest } = m;
        return rest;
      });
    }
  };

  return (
    <Page title={`Floor plan — ${s?.name ?? storeId}`}>
      <Status loading={store.loading} error={store.error ?? zones.error ?? sensors.error} />
      {s && (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Card withBorder>
              <PlanView
                label={`Floor plan of ${s.name}: ${s.width} by ${s.height} metres, ${zoneList.length} zones, ${sensorList.length} sensors`}
                width={s.width}
                height={s.height}
                image={plan.url}
                zones={zoneList.map((z) =>
                  z.id === selected && editing ? { ...z, polygon: editing } : z,
                )}
                {...(selectedZone && editing
                  ? {
                      editPolygon: {
                        name: `zone ${selectedZone.id}`,
                        points: editing,
                        onChange: setDraft,
                      },
                    }
                  : {})}
                sensors={sensorList}
                selectedZone={selected}
                onPlanClick={drawing ? (p) => setDrawing([...drawing, p]) : undefined}
                onSensorDrag={
                  editSensors
                    ? (sensor, p) => setMoved((m) => ({ ...m, [sensor.id]: p }))
                    : undefined
                }
                onSensorMoved={editSensors ? (sensor, p) => void moveSensor(sensor, p) : undefined}
              >
                {drawing && drawing.length > 0 && (
                  <g data-testid="drawing">
                    <polyline
                      points={drawing.map((p) => `${p.x},${s.height - p.y}`).join(' ')}
                      fill="rgba(240,140,0,0.2)"
                      stroke="#e8590c"
                      strokeWidth={0.15}
                      strokeDasharray="0.4 0.2"
                    />
                    {drawing.map((p, i) => (
                      <circle key={i} cx={p.x} cy={s.height - p.y} r={0.25} fill="#e8590c" />
                    ))}
                  </g>
                )}
              </PlanView>
              <Text size="sm" c="dimmed" mt="xs">
                {drawing
                  ? `Drawing a zone: click the plan to add corners (${drawing.length} so far), then fill in the form and save.`
                  : editing
                    ? 'Drag a corner to move it (or focus it and use the arrow keys); drag or press Enter on an edge handle to add a corner; double-click or Delete removes one. Then save the zone.'
                    : editSensors
                      ? 'Drag a sensor to move it, or edit its position in the table.'
                      : 'Read-only for this key.'}
              </Text>
              {sensorError && (
                <Text c="red" size="sm" role="alert">
                  {sensorError}
                </Text>
              )}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Stack>
              {editPlan && (
                <PlanSettings
                  store={s}
                  hasImage={plan.url !== null}
                  onSaved={() => {
                    store.reload();
                    plan.reload();
                  }}
                />
              )}
              <Card withBorder>
                <Title order={3} size="h4" mb="xs">
                  Zones
                </Title>
                <NativeSelect
                  label="Zone"
                  value={selected ?? ''}
                  onChange={(e) => {
                    setSelected(e.currentTarget.value || null);
                    setDrawing(null);
                    setDraft(null);
                  }}
                  data={[
                    { value: '', label: editZones ? '— new zone —' : '— choose —' },
                    ...zoneList.map((z) => ({ value: z.id, label: `${z.name} (${z.id})` })),
                  ]}
                />
                {editZones && !selectedZone && !drawing && (
                  <Button mt="sm" onClick={() => setDrawing([])}>
                    Draw a new zone
                  </Button>
                )}
                {(selectedZone || drawing) && (
                  <ZoneForm
                    key={selectedZone?.id ?? 'new'}
                    storeId={storeId}
                    zone={selectedZone}
                    drawn={selectedZone ? editing : drawing}
                    readOnly={!editZones}
                    onPolygon={(polygon) =>
                      selectedZone ? setDraft(polygon) : setDrawing(polygon)
                    }
                    onDone={(id) => {
                      savedDraft.current = draft;
                      setDrawing(null);
                      setSelected(id);
                      zones.reload();
                    }}
                    onCancel={() => {
                      setDrawing(null);
                      setDraft(null);
                      setSelected(null);
                    }}
                  />
                )}
              </Card>
            </Stack>
          </Grid.Col>
          <Grid.Col span={12}>
            <SensorsCard
              storeId={storeId}
              sensors={sensorList}
              editable={editSensors}
              onChanged={sensors.reload}
            />
          </Grid.Col>
        </Grid>
      )}
    </Page>
  );
}

function PlanSettings(props: { store: Store; hasImage: boolean; onSaved: () => void }): ReactNode {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const upload = async (): Promise<void> => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const type = file.type || (file.name.endsWith('.svg') ? 'image/svg+xml' : 'image/png');
      await api.put(`${base(props.store.id)}/floor-plan`, new Blob([file], { type }));
      setFile(null);
      props.onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        Plan image and scale
      </Title>
      <Stack gap="xs">
        <FileInput
          label="Plan image (PNG or SVG)"
          description={props.hasImage ? 'Replaces the current image' : 'No image yet'}
          accept="image/png,image/svg+xml"
          value={file}
          onChange={setFile}
          clearable
          error={
            fieldError(error, 'image') ??
            fieldError(error, 'content-type') ??
            (error ? errorText(error) : undefined)
          }
        />
        <Button onClick={() => void upload()} disabled={!file} loading={busy}>
          Upload image
        </Button>
        <Text size="sm" c="dimmed">
          The image is stretched over the store’s width × depth in metres: set the scale here.
        </Text>
        <StoreForm store={props.store} onSaved={props.onSaved} />
      </Stack>
    </Card>
  );
}

function ZoneForm(props: {
  storeId: string;
  zone: Zone | null;
  drawn: Point[] | null;
  readOnly: boolean;
  onPolygon: (polygon: Point[]) => void;
  onDone: (id: string | null) => void;
  onCancel: () => void;
}): ReactNode {
  const { zone } = props;
  const [id, setId] = useState(zone?.id ?? '');
  const [name, setName] = useState(zone?.name ?? '');
  const [tags, setTags] = useState(zone?.tags.join(', ') ?? '');
  const [points, setPoints] = useState(pointsText(props.drawn ?? zone?.polygon ?? []));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // The corners typed here go to the plan; corners changed on the plan come back as text (but
  // not the ones just typed, which would rewrite the field while typing).
  const typed = useRef<Point[] | null>(null);
  useEffect(() => {
    if (props.drawn && props.drawn !== typed.current) setPoints(pointsText(props.drawn));
  }, [props.drawn]);

  const body = (): { name: string; polygon: Point[]; tags: string[] } => ({
    name,
    polygon: parsePoints(points),
    tags: tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  });
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const path = `${base(props.storeId)}/zones`;
      if (zone) await api.put(`${path}/${encodeURIComponent(zone.id)}`, body());
      else await api.post(path, { id, ...body() });
      props.onDone(zone?.id ?? id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (): Promise<void> => {
    if (!zone) return;
    try {
      await api.delete(`${base(props.storeId)}/zones/${encodeURIComponent(zone.id)}`);
      props.onDone(null);
    } catch (e) {
      setError(e);
    }
  };
  const known = ['id', 'name', 'polygon', 'tags'];
  const generic = error && !known.some((f) => fieldError(error, f)) ? errorText(error) : null;
  return (
    <Stack component="form" gap="xs" mt="sm" onSubmit={(e) => void submit(e)}>
      {!zone && (
        <TextInput
          label="Zone id"
          value={id}
          onChange={(e) => setId(e.currentTarget.value)}
          error={fieldError(error, 'id')}
          required
        />
      )}
      <TextInput
        label="Zone name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={fieldError(error, 'name')}
        readOnly={props.readOnly}
        required
      />
      <TextInput
        label="Tags"
        description="Comma-separated: entrance, checkout, sensitive, storefront, aisle, …"
        value={tags}
        onChange={(e) => setTags(e.currentTarget.value)}
        error={fieldError(error, 'tags')}
        readOnly={props.readOnly}
      />
      <TextInput
        label="Corners (x, y in metres; separated by ;)"
        value={points}
        onChange={(e) => {
          setPoints(e.currentTarget.value);
          const parsed = parsePoints(e.currentTarget.value);
          if (parsed.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))) {
            typed.current = parsed;
            props.onPolygon(parsed);
          }
        }}
        error={fieldError(error, 'polygon')}
        readOnly={props.readOnly}
      />
      {generic && (
        <Text c="red" size="sm" role="alert">
          {generic}
        </Text>
      )}
      {!props.readOnly && (
        <Group>
          <Button type="submit" loading={busy}>
            {zone ? 'Save zone' : 'Create zone'}
          </Button>
          {zone && (
            <Button color="red" variant="light" onClick={() => void remove()}>
              Delete zone
            </Button>
          )}
          <Button variant="default" onClick={props.onCancel}>
            Cancel
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function SensorsCard(props: {
  storeId: string;
  sensors: Sensor[];
  editable: boolean;
  onChanged: () => void;
}): ReactNode {
  const plugins = useLoad(() => api.get<{ domain: string; status: string }[]>('/api/plugins'), []);
  const [adding, setAdding] = useState(false);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          Sensors
        </Title>
        {props.editable && !adding && <Button onClick={() => setAdding(true)}>Add a sensor</Button>}
      </Group>
      {adding && (
        <SensorForm
          storeId={props.storeId}
          domains={(plugins.data ?? []).map((p) => p.domain)}
          onDone={() => {
            setAdding(false);
            props.onChanged();
          }}
        />
      )}
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Sensor</Table.Th>
            <Table.Th>Plugin</Table.Th>
            <Table.Th>Position (m)</Table.Th>
            <Table.Th>Enabled</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.sensors.map((s) => (
            <SensorRow
              key={s.id}
              storeId={props.storeId}
              sensor={s}
              editable={props.editable}
              onChanged={props.onChanged}
            />
          ))}
        </Table.Tbody>
      </Table>
      {props.sensors.length === 0 && <Text c="dimmed">No sensors yet.</Text>}
    </Card>
  );
}

function SensorRow(props: {
  storeId: string;
  sensor: Sensor;
  editable: boolean;
  onChanged: () => void;
}): ReactNode {
  const { sensor } = props;
  const [x, setX] = useState<number | string>(sensor.x);
  const [y, setY] = useState<number | string>(sensor.y);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setX(sensor.x);
    setY(sensor.y);
  }, [sensor.x, sensor.y]);
  const save = async (): Promise<void> => {
    setError(null);
    try {
      await api.patch(`${base(props.storeId)}/sensors/${encodeURIComponent(sensor.id)}`, {
        x: Number(x),
        y: Number(y),
      });
      props.onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Table.Tr>
      <Table.Td>{sensor.name ? `${sensor.name} (${sensor.id})` : sensor.id}</Table.Td>
      <Table.Td>{sensor.domain}</Table.Td>
      <Table.Td>
        {props.editable ? (
          <Group gap="xs" wrap="nowrap" align="flex-start">
            <NumberInput
              size="xs"
              w={90}
              aria-label={`x of ${sensor.id} (m)`}
              value={x}
              onChange={setX}
              decimalScale={2}
              error={fieldError(error, 'x')}
            />
            <NumberInput
              size="xs"
              w={90}
              aria-label={`y of ${sensor.id} (m)`}
              value={y}
              onChange={setY}
              decimalScale={2}
              error={fieldError(error, 'y')}
            />
            <Button
              size="xs"
              variant="default"
              onClick={() => void save()}
              aria-label={`Move ${sensor.id}`}
            >
              Move
            </Button>
          </Group>
        ) : (
          `${sensor.x}, ${sensor.y}`
        )}
        {error && !fieldError(error, 'x') && !fieldError(error, 'y') ? (
          <Text c="red" size="xs" role="alert">
            {errorText(error)}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>{sensor.enabled ? 'yes' : 'no'}</Table.Td>
    </Table.Tr>
  );
}

function SensorForm(props: { storeId: string; domains: string[]; onDone: () => void }): ReactNode {
  const [id, setId] = useState('');
  const [domain, setDomain] = useState(props.domains[0] ?? '');
  const [x, setX] = useState<number | string>(1);
  const [y, setY] = useState<number | string>(1);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    try {
      await api.post(`${base(props.storeId)}/sensors`, {
        id,
        domain,
        x: Number(x),
        y: Number(y),
      });
      props.onDone();
    } catch (e) {
      setError(e);
    }
  };
  const generic =
    error && !['id', 'domain', 'x', 'y', 'config'].some((f) => fieldError(error, f))
      ? errorText(error)
      : null;
  return (
    <Stack component="form" gap="xs" mb="md" onSubmit={(e) => void submit(e)}>
      <Group grow align="flex-start">
        <TextInput
          label="Sensor id"
          value={id}
          onChange={(e) => setId(e.currentTarget.value)}
          error={fieldError(error, 'id')}
          required
        />
        <NativeSelect
          label="Plugin"
          value={domain}
          onChange={(e) => setDomain(e.currentTarget.value)}
          data={props.domains.length ? props.domains : [domain]}
          error={fieldError(error, 'domain') ?? fieldError(error, 'config')}
        />
        <NumberInput label="x (m)" value={x} onChange={setX} error={fieldError(error, 'x')} />
        <NumberInput label="y (m)" value={y} onChange={setY} error={fieldError(error, 'y')} />
      </Group>
      {generic && (
        <Alert color="red" role="alert">
          {generic}
        </Alert>
      )}
      <Group>
        <Button type="submit">Add sensor</Button>
        <Button variant="default" onClick={props.onDone}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}
