import pino from 'pino';
import type {
  FixedDeviceEntity,
  StoreConfigRepository,
  StoreConfigRows,
  StoreEntity,
  ZoneEntity,
} from '@aisle/persistence';
import { StoreDirectory } from './store-directory.js';
import type { StoreChanged } from './store-snapshot.js';

const square = [
  { x: 0, y: 0 },
  { x: 5, y: 0 },
  { x: 5, y: 5 },
];

/** In-memory rows standing in for the tables; `reads` counts the directory's reads. */
class FakeRepository {
  rows: StoreConfigRows = { stores: [], zones: [], sensors: [], fixedDevices: [] };
  reads = 0;

  async load(): Promise<StoreConfigRows> {
    this.reads += 1;
    return structuredClone(this.rows);
  }
}

function store(id: string, policy: Record<string, unknown> = {}): StoreEntity {
  return {
    id,
    name: id,
    timezone: 'UTC',
    width: 20,
    height: 10,
    policy,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

describe(StoreDirectory.name, () => {
  let repository: FakeRepository;
  let sut: StoreDirectory;
  let changes: StoreChanged[][];

  beforeEach(async () => {
    repository = new FakeRepository();
    repository.rows.stores.push(store('a'), store('b'));
    repository.rows.zones.push({
      storeId: 'a',
      id: 'z1',
      name: 'Zone',
      polygon: square,
      tags: ['pharmacy'],
    });
    repository.rows.sensors.push({
      storeId: 'a',
      id: 'r1',
      domain: 'wifi-sniffer',
      name: null,
      x: 1,
      y: 2,
      z: 3,
      calibration: {},
      config: { interface: 'wlan0' },
      enabled: true,
    });
    repository.rows.fixedDevices.push({ storeId: 'a', hash: 'h1' } as FixedDeviceEntity);
    sut = new StoreDirectory({
      repository: repository as unknown as StoreConfigRepository,
      logger: pino({ level: 'silent' }),
    });
    await sut.load();
    changes = [];
    sut.onChanged((batch) => {
      changes.push([...batch]);
    });
  });

  it('keeps one frozen snapshot per store with its zones, sensors, fixed devices and policy', () => {
    const a = sut.get('a');
    expect(a).toMatchObject({
      id: 'a',
      zones: [{ id: 'z1', tags: ['pharmacy'] }],
      sensors: [{ id: 'r1', domain: 'wifi-sniffer', config: { interface: 'wlan0' } }],
      fixedDevices: ['h1'],
      policyValid: true,
    });
    expect(sut.tracking('a')?.mode).toBe('off'); // no policy = tracking off
    expect(sut.storeIds().sort()).toEqual(['a', 'b']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a?.zones[0]?.polygon)).toBe(true);
    expect(Object.isFrozen(a?.sensors[0]?.config)).toBe(true);
    expect(() => {
      (a?.zones as unknown[]).push({});
    }).toThrow();
  });

  it('emits store.changed with before and after for each store a commit changed, and nothing else', async () => {
    const before = sut.get('a');
    repository.rows.zones[0] = { ...repository.rows.zones[0], tags: [] } as ZoneEntity;
    await sut.reload();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toHaveLength(1);
    expect(changes[0]?.[0]).toMatchObject({ storeId: 'a', before, after: sut.get('a') });
    expect(before?.zones[0]?.tags).toEqual(['pharmacy']); // a held snapshot never changes
    expect(sut.get('a')?.zones[0]?.tags).toEqual([]);

    const unchanged = sut.get('b');
    await sut.reload();
    expect(changes).toHaveLength(1); // nothing differed: no event
    expect(sut.get('b')).toBe(unchanged);
  });

  it('reports new and deleted stores with a null side', async () => {
    repository.rows.stores = [store('b'), store('c')];
    repository.rows.zones = [];
    repository.rows.sensors = [];
    repository.rows.fixedDevices = [];
    await sut.reload();
    const batch = changes[0] ?? [];
    expect(batch.find((c) => c.storeId === 'c')).toMatchObject({ before: null });
    expect(batch.find((c) => c.storeId === 'a')).toMatchObject({ after: null });
    expect(sut.has('a')).toBe(false);
  });

  it('treats a stored policy that does not validate as tracking off', async () => {
    repository.rows.stores[1] = store('b', { tracking: { mode: 'in-visit' } }); // no notice
    await sut.reload();
    expect(sut.get('b')).toMatchObject({ policyValid: false });
    expect(sut.tracking('b')?.mode).toBe('off');
  });

  it('joins calls made before a queued read starts, and waits for the stages on reload', async () => {
    let applied = 0;
    sut.onChanged(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      applied += 1;
    });
    const reads = repository.reads;
    repository.rows.stores.push(store('d'));
    const first = sut.changed({ storeId: 'd', what: 'store' });
    const second = sut.changed({ storeId: 'd', what: 'zones' });
    await Promise.all([first, second]);
    expect(repository.reads - reads).toBe(1);
    expect(sut.has('d')).toBe(true);
    await sut.settled();
    expect(applied).toBe(1);
  });
});
