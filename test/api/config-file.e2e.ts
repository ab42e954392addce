import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigFileApplier } from '../../apps/core/src/config-file/config-file-applier.js';
import { ConfigFileError } from '../../apps/core/src/config-file/config-file.errors.js';
import { loadConfigFile, parseConfigFile } from '../../apps/core/src/config-file/config-file.js';
import { startApiTestApp, SQUARE, type ApiTestApp } from './support/api-test-app.js';

const EXAMPLE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../apps/core/src/config-file/aisle.example.yaml',
);

const FILE = `
version: 1
stores:
  - id: yaml-a
    name: From YAML
    timezone: Europe/Berlin
    width: 30
    height: 20
    policy: { mode: count-only }
    zones:
      - { id: entrance, name: Entrance, polygon: [{x: 13, y: 0}, {x: 17, y: 0}, {x: 17, y: 4}], tags: [entrance] }
      - { id: checkout, name: Checkout, polygon: [{x: 17, y: 0}, {x: 30, y: 0}, {x: 30, y: 4}, {x: 17, y: 4}] }
    sensors:
      - { id: r1, domain: aisle-mqtt, x: 1, y: 1, calibration: { measuredPower: -45 } }
      - { id: r2, domain: wifi-sniffer, x: 2, y: 2, config: { interface: wlan0mon } }
`;

async function snapshot(sut: ApiTestApp): Promise<unknown> {
  const ds = sut.database.dataSource;
  return {
    stores: await ds.query(
      "SELECT id, name, timezone, width, height, policy, updated_at FROM stores WHERE id LIKE 'yaml-%' ORDER BY id",
    ),
    zones: await ds.query("SELECT * FROM zones WHERE store_id LIKE 'yaml-%' ORDER BY store_id, id"),
    sensors: await ds.query(
      "SELECT * FROM sensors WHERE store_id LIKE 'yaml-%' ORDER BY store_id, id",
    ),
  };
}

describe('config file applied to the database', () => {
  let sut: ApiTestApp;
  let applier: ConfigFileApplier;

  beforeAll(async () => {
    sut = await startApiTestApp();
    applier = sut.app.get(ConfigFileApplier);
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
  });

  beforeEach(() => {
    sut.changes.length = 0;
  });

  it('applies a file, and applying it again changes no row and announces nothing', async () => {
    const config = parseConfigFile(FILE);
    const first = await applier.apply(config);
    expect(first).toEqual([
      {
        storeId: 'yaml-a',
        created: true,
        storeChanged: true,
        policyChanged: true,
        zones: { created: ['entrance', 'checkout'], updated: [], deleted: [] },
        sensors: { created: ['r1', 'r2'], updated: [], deleted: [] },
      },
    ]);
    expect(sut.changes).toEqual([
      { storeId: 'yaml-a', what: 'store' },
      { storeId: 'yaml-a', what: 'policy' },
      { storeId: 'yaml-a', what: 'zones' },
      { storeId: 'yaml-a', what: 'sensors' },
    ]);
    const before = await snapshot(sut);
    sut.changes.length = 0;

    const second = await applier.apply(parseConfigFile(FILE));
    expect(second[0]).toMatchObject({
      created: false,
      storeChanged: false,
      zones: { created: [], updated: [], deleted: [] },
      sensors: { created: [], updated: [], deleted: [] },
    });
    expect(await snapshot(sut)).toEqual(before);
    expect(sut.changes).toEqual([]);

    const sensor = await sut.http().get('/api/stores/yaml-a/sensors/r1').expect(200);
    expect(sensor.body).toMatchObject({
      z: 2.5,
      calibration: { measuredPower: -45 },
      enabled: true,
    });
  });

  it('makes a listed store’s zones and sensors exactly the listed ones; other stores are untouched', async () => {
    const api = sut.http();
    await api
      .post('/api/stores', { id: 'other', name: 'Other', timezone: 'UTC', width: 10, height: 10 })
      .expect(201);
    await api
      .post('/api/stores/yaml-a/sensors', { id: 'added-by-api', domain: 'aisle-mqtt', x: 5, y: 5 })
      .expect(201);
    await api
      .post('/api/stores/yaml-a/zones', { id: 'added-by-api', name: 'API', polygon: SQUARE })
      .expect(201);
    sut.changes.length = 0;

    const changed = FILE.replace('name: From YAML', 'name: Renamed')
      .replace('    policy: { mode: count-only }\n', '')
      .replace(/ {6}- \{ id: checkout.*\n/, '')
      .replace('x: 2, y: 2', 'x: 3, y: 2');
    const [result] = await applier.apply(parseConfigFile(changed));
    expect(result).toEqual({
      storeId: 'yaml-a',
      created: false,
      storeChanged: true,
      policyChanged: false,
      zones: {
        created: [],
        updated: [],
        deleted: expect.arrayContaining(['checkout', 'added-by-api']),
      },
      sensors: { created: [], updated: ['r2'], deleted: ['added-by-api'] },
    });
    const store = (await api.get('/api/stores/yaml-a').expect(200)).body;
    expect(store).toMatchObject({ name: 'Renamed', policy: { mode: 'count-only' } }); // policy omitted: kept
    expect(
      ((await api.get('/api/stores/yaml-a/zones')).body as { id: string }[]).map((z) => z.id),
    ).toEqual(['entrance']);
    await api.get('/api/stores/other').expect(200);
    expect(sut.changes).toEqual([
      { storeId: 'yaml-a', what: 'store' },
      { storeId: 'yaml-a', what: 'zones' },
      { storeId: 'yaml-a', what: 'sensors' },
    ]);
  });

  it('a bad file reports every error with its path and writes nothing', async () => {
    const bad = `
stores:
  - id: yaml-bad
    name: Bad
    timezone: Europe/Nowhere
    width: 30
    height: 20
    zones:
      - { id: z, name: Z, polygon: [{x: -3, y: 0}, {x: 17, y: 0}, {x: 17, y: 40}] }
    sensors:
      - { id: s0, domain: aisle-mqtt, x: 1, y: 1 }
      - { id: s1, domain: aisle-mqtt, x: 1, y: 1 }
      - { id: s2, domain: ble-magic, x: 40, y: 1 }
      - { id: s3, domain: wifi-sniffer, x: 1, y: 1, config: {} }
  - { id: yaml-a, name: A, timezone: UTC, width: 0, height: 20, zones: [], sensors: [] }
`;
    // Shape, floor plan and duplicates are found when loading …
    const loaded = (() => {
      try {
        parseConfigFile(bad, 'bad.yaml');
      } catch (error) {
        return error as ConfigFileError;
      }
      throw new Error('expected a ConfigFileError');
    })();
    expect(loaded.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining([
        'stores[0].timezone',
        'stores[0].zones[0].polygon[0].x',
        'stores[0].zones[0].polygon[2].y',
        'stores[0].sensors[2].x',
        'stores[1].width',
      ]),
    );
    // … and the applier also checks plugin domains and configs, reporting all of it at once.
    const before = await snapshot(sut);
    let applied: ConfigFileError | undefined;
    try {
      await applier.apply({
        stores: [
          {
            id: 'yaml-bad',
            name: 'Bad',
            timezone: 'Europe/Nowhere',
            width: 30,
            height: 20,
            zones: [
              {
                id: 'z',
                name: 'Z',
                polygon: [
                  { x: -3, y: 0 },
                  { x: 17, y: 0 },
                  { x: 17, y: 40 },
                ],
              },
            ],
            sensors: [
              { id: 's0', domain: 'aisle-mqtt', x: 1, y: 1 },
              { id: 's0', domain: 'aisle-mqtt', x: 1, y: 1 },
              { id: 's2', domain: 'ble-magic', x: 40, y: 1 },
              { id: 's3', domain: 'wifi-sniffer', x: 1, y: 1, config: {} },
            ],
          },
        ],
      });
    } catch (error) {
      applied = error as ConfigFileError;
    }
    expect(applied).toBeInstanceOf(ConfigFileError);
    expect(applied!.errors.map((e) => e.field).sort()).toEqual(
      [
        'stores[0].timezone',
        'stores[0].zones[0].polygon[0].x',
        'stores[0].zones[0].polygon[2].y',
        'stores[0].sensors[1].id',
        'stores[0].sensors[2].x',
        'stores[0].sensors[2].domain',
        'stores[0].sensors[3].config.interface',
      ].sort(),
    );
    expect(applied!.message).toContain(
      'stores[0].sensors[2].x: must be within the floor plan (0..30 m) (got 40)',
    );
    expect(await snapshot(sut)).toEqual(before);
    expect(sut.changes).toEqual([]);
  });

  it('applies the shipped example', async () => {
    const [result] = await applier.apply(await loadConfigFile(EXAMPLE));
    expect(result).toMatchObject({ storeId: 'berlin-mitte', created: true });
    const sensors = (await sut.http().get('/api/stores/berlin-mitte/sensors').expect(200)).body;
    expect(sensors).toHaveLength(2);
  });

  it('applies one store layout (the demo store’s shape), ignoring fields the API does not know', async () => {
    const layout = {
      store: { id: 'yaml-demo', name: 'Demo', timezone: 'Europe/Berlin', width: 30, height: 20 },
      zones: [{ id: 'entrance', name: 'Entrance', polygon: SQUARE, tags: ['entrance'] }],
      sensors: [
        {
          id: 'radio-1',
          domain: 'aisle-mqtt',
          x: 3,
          y: 3.5,
          z: 2.5,
          kinds: ['wifi', 'ble'],
          calibration: { measuredPower: -45, pathLossExponent: 2.5 },
        },
      ],
    };
    const first = await applier.applyStore(layout);
    expect(first).toMatchObject({ created: true, sensors: { created: ['radio-1'] } });
    const again = await applier.applyStore(layout);
    expect(again).toMatchObject({
      created: false,
      storeChanged: false,
      sensors: { created: [], updated: [] },
    });
  });
});
