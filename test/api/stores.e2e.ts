import { startApiTestApp, storeBody, SQUARE, type ApiTestApp } from './support/api-test-app.js';

describe('stores, zones and sensors API', () => {
  let sut: ApiTestApp;

  beforeAll(async () => {
    sut = await startApiTestApp();
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
  });

  beforeEach(() => {
    sut.changes.length = 0;
  });

  describe('stores', () => {
    it('creates, reads, replaces, patches and deletes a store, announcing each write', async () => {
      const api = sut.http();
      const created = await api
        .post(
          '/api/stores',
          storeBody('crud', { timezone: 'europe/berlin', policy: { mode: 'off' } }),
        )
        .expect(201);
      expect(created.body).toMatchObject({
        id: 'crud',
        timezone: 'Europe/Berlin',
        width: 30,
        height: 20,
        policy: { mode: 'off' },
      });
      expect(created.body.createdAt).toEqual(expect.any(String));

      await api.get('/api/stores/crud').expect(200, created.body);
      expect((await api.get('/api/stores').expect(200)).body).toContainEqual(created.body);

      const replaced = await api
        .put('/api/stores/crud', { name: 'Renamed', timezone: 'UTC', width: 40, height: 25 })
        .expect(200);
      expect(replaced.body).toMatchObject({
        name: 'Renamed',
        timezone: 'UTC',
        width: 40,
        policy: {},
      });

      const patched = await api.patch('/api/stores/crud', { height: 30 }).expect(200);
      expect(patched.body).toMatchObject({ name: 'Renamed', width: 40, height: 30 });

      await api.delete('/api/stores/crud').expect(204);
      await api.get('/api/stores/crud').expect(404);
      expect(sut.changes).toEqual([
        { storeId: 'crud', what: 'store' },
        { storeId: 'crud', what: 'store' },
        { storeId: 'crud', what: 'policy' },
        { storeId: 'crud', what: 'store' },
        { storeId: 'crud', what: 'deleted' },
      ]);
    });

    it('names every bad field with its value', async () => {
      const res = await sut
        .http()
        .post('/api/stores', {
          id: 'Not a Slug',
          name: '',
          timezone: 'Mars/Olympus',
          width: 0,
          height: 20000,
          extra: 1,
        })
        .expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(res.body.error).toBe('Bad Request');
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(new Set(fields)).toEqual(
        new Set(['id', 'name', 'timezone', 'width', 'height', 'extra']),
      );
      expect(res.body.message).toMatch(/^Validation failed: /);
      expect(res.body.message).toContain(
        'timezone: must be an IANA time zone such as Europe/Berlin or UTC (got "Mars/Olympus")',
      );
      expect(res.body.message).toContain('width: width must be a positive number (got 0)');
      expect(sut.changes).toEqual([]);
    });

    it('refuses a duplicate id with 409 and an unknown store with 404', async () => {
      const api = sut.http();
      await api.post('/api/stores', storeBody('dup')).expect(201);
      const res = await api.post('/api/stores', storeBody('dup')).expect(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'store "dup" already exists',
        field: 'id',
      });
      const missing = await api.get('/api/stores/nope').expect(404);
      expect(missing.body.message).toBe('store "nope" not found');
      await api
        .put('/api/stores/nope', { name: 'x', timezone: 'UTC', width: 1, height: 1 })
        .expect(404);
    });

    it('refuses to shrink the floor plan under its zones and sensors', async () => {
      const api = sut.http();
      await api.post('/api/stores', storeBody('shrink')).expect(201);
      await api
        .post('/api/stores/shrink/sensors', { id: 's1', domain: 'aisle-mqtt', x: 25, y: 2 })
        .expect(201);
      const res = await api.patch('/api/stores/shrink', { width: 20 }).expect(400);
      expect(res.body.errors).toEqual([
        {
          field: 'width',
          value: 20,
          message: 'would leave sensor "s1" outside the floor plan; move or delete them first',
        },
      ]);
    });

    it('deleting a store deletes its zones and sensors', async () => {
      const api = sut.http();
      await api.post('/api/stores', storeBody('gone')).expect(201);
      await api.post('/api/stores/gone/zones', { id: 'z', name: 'Z', polygon: SQUARE }).expect(201);
      await api
        .post('/api/stores/gone/sensors', { id: 's', domain: 'aisle-mqtt', x: 1, y: 1 })
        .expect(201);
      await api.delete('/api/stores/gone').expect(204);
      const rows = await sut.database.dataSource.query<{ zones: number; sensors: number }[]>(
        "SELECT (SELECT count(*) FROM zones WHERE store_id = 'gone')::int AS zones, " +
          "(SELECT count(*) FROM sensors WHERE store_id = 'gone')::int AS sensors",
      );
      expect(rows[0]).toEqual({ zones: 0, sensors: 0 });
    });
  });

  describe('zones', () => {
    beforeAll(async () => {
      await sut.http().post('/api/stores', storeBody('zoned')).expect(201);
    });

    it('creates, lists, reads, replaces and deletes a zone', async () => {
      const api = sut.http();
      const zone = {
        id: 'entrance',
        name: 'Entrance',
        polygon: SQUARE,
        tags: ['entrance', 'front-door'],
      };
      const created = await api.post('/api/stores/zoned/zones', zone).expect(201);
      expect(created.body).toEqual({ storeId: 'zoned', ...zone });
      await api.get('/api/stores/zoned/zones/entrance').expect(200, created.body);
      expect((await api.get('/api/stores/zoned/zones').expect(200)).body).toEqual([created.body]);
      const replaced = await api
        .put('/api/stores/zoned/zones/entrance', { name: 'Door', polygon: SQUARE.slice(0, 3) })
        .expect(200);
      expect(replaced.body).toEqual({
        storeId: 'zoned',
        id: 'entrance',
        name: 'Door',
        polygon: SQUARE.slice(0, 3),
        tags: [],
      });
      await api.delete('/api/stores/zoned/zones/entrance').expect(204);
      await api.get('/api/stores/zoned/zones/entrance').expect(404);
      expect(sut.changes).toEqual([
        { storeId: 'zoned', what: 'zones' },
        { storeId: 'zoned', what: 'zones' },
        { storeId: 'zoned', what: 'zones' },
      ]);
    });

    it('a point at x = -3 is refused naming polygon[0].x and -3', async () => {
      const res = await sut
        .http()
        .post('/api/stores/zoned/zones', {
          id: 'z',
          name: 'Z',
          polygon: [{ x: -3, y: 1 }, ...SQUARE.slice(1)],
        })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'polygon[0].x', value: -3, message: 'x must not be less than 0' },
      ]);
      expect(res.body.message).toBe(
        'Validation failed: polygon[0].x: x must not be less than 0 (got -3)',
      );
    });

    it('refuses points beyond the floor plan, self-intersecting polygons, too few points and bad tags', async () => {
      const api = sut.http();
      const outside = await api
        .post('/api/stores/zoned/zones', {
          id: 'z',
          name: 'Z',
          polygon: [...SQUARE.slice(0, 3), { x: 1, y: 21 }],
        })
        .expect(400);
      expect(outside.body.errors).toEqual([
        { field: 'polygon[3].y', value: 21, message: 'must be within the floor plan (0..20 m)' },
      ]);
      const bowTie = [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3]];
      const crossing = await api
        .post('/api/stores/zoned/zones', { id: 'z', name: 'Z', polygon: bowTie })
        .expect(400);
      expect(crossing.body.errors[0]).toMatchObject({
        field: 'polygon',
        message: expect.stringMatching(/must not intersect itself/),
      });
      const two = await api
        .post('/api/stores/zoned/zones', { id: 'z', name: 'Z', polygon: SQUARE.slice(0, 2) })
        .expect(400);
      expect(two.body.errors[0]).toMatchObject({
        field: 'polygon',
        message: 'polygon must contain at least 3 elements',
      });
      const tags = await api
        .post('/api/stores/zoned/zones', {
          id: 'z',
          name: 'Z',
          polygon: SQUARE,
          tags: ['ok', 'Not OK'],
        })
        .expect(400);
      expect(tags.body.errors).toEqual([
        expect.objectContaining({ field: 'tags[1]', value: 'Not OK' }),
      ]);
      expect(sut.changes).toEqual([]);
    });

    it('404 for a zone of an unknown store, 409 for a duplicate zone', async () => {
      const api = sut.http();
      const res = await api
        .post('/api/stores/nope/zones', { id: 'z', name: 'Z', polygon: SQUARE })
        .expect(404);
      expect(res.body.message).toBe('store "nope" not found');
      await api
        .post('/api/stores/zoned/zones', { id: 'twice', name: 'Z', polygon: SQUARE })
        .expect(201);
      await api
        .post('/api/stores/zoned/zones', { id: 'twice', name: 'Z', polygon: SQUARE })
        .expect(409);
      const missing = await api.get('/api/stores/zoned/zones/none').expect(404);
      expect(missing.body.message).toBe('zone "none" in store "zoned" not found');
    });
  });

  describe('sensors', () => {
    beforeAll(async () => {
      await sut.http().post('/api/stores', storeBody('sensed')).expect(201);
    });

    it('creates with defaults, reads, replaces, patches and deletes a sensor', async () => {
      const api = sut.http();
      const created = await api
        .post('/api/stores/sensed/sensors', { id: 'radio-1', domain: 'aisle-mqtt', x: 3, y: 4 })
        .expect(201);
      expect(created.body).toEqual({
        storeId: 'sensed',
        id: 'radio-1',
        domain: 'aisle-mqtt',
        name: null,
        x: 3,
        y: 4,
        z: 2.5,
        calibration: {},
        config: {},
        enabled: true,
      });
      await api.get('/api/stores/sensed/sensors/radio-1').expect(200, created.body);
      expect((await api.get('/api/stores/sensed/sensors').expect(200)).body).toEqual([
        created.body,
      ]);

      const replaced = await api
        .put('/api/stores/sensed/sensors/radio-1', {
          domain: 'wifi-sniffer',
          name: 'Door',
          x: 30,
          y: 20,
          z: 20,
          calibration: { measuredPower: -45, pathLossExponent: 2.5, offset: -3 },
          config: { interface: 'wlan0mon' },
          enabled: false,
        })
        .expect(200);
      expect(replaced.body).toMatchObject({
        domain: 'wifi-sniffer',
        x: 30,
        y: 20,
        z: 20,
        enabled: false,
      });
      expect(replaced.body.calibration).toEqual({
        measuredPower: -45,
        pathLossExponent: 2.5,
        offset: -3,
      });

      const patched = await api
        .patch('/api/stores/sensed/sensors/radio-1', { enabled: true, name: null })
        .expect(200);
      expect(patched.body).toMatchObject({
        enabled: true,
        name: null,
        domain: 'wifi-sniffer',
        config: { interface: 'wlan0mon' },
      });

      await api.delete('/api/stores/sensed/sensors/radio-1').expect(204);
      await api.get('/api/stores/sensed/sensors/radio-1').expect(404);
      expect(sut.changes).toEqual(Array(4).fill({ storeId: 'sensed', what: 'sensors' }));
    });

    it('an unknown domain names the field and lists the available domains', async () => {
      const res = await sut
        .http()
        .post('/api/stores/sensed/sensors', { id: 's', domain: 'ble-magic', x: 1, y: 1 })
        .expect(400);
      expect(res.body.errors).toEqual([
        {
          field: 'domain',
          value: 'ble-magic',
          message:
            'must be the domain of a loaded driver plugin; available: aisle-mqtt, wifi-sniffer',
        },
      ]);
    });

    it('plugin config errors are prefixed config.; position and calibration are range-checked', async () => {
      const api = sut.http();
      const config = await api
        .post('/api/stores/sensed/sensors', {
          id: 's',
          domain: 'wifi-sniffer',
          x: 1,
          y: 1,
          config: { iface: 'x' },
        })
        .expect(400);
      expect(config.body.errors).toEqual([
        { field: 'config.interface', value: null, message: 'must be a network interface name' },
      ]);
      const ranges = await api
        .post('/api/stores/sensed/sensors', {
          id: 's',
          domain: 'aisle-mqtt',
          x: 31,
          y: 1,
          z: 21,
          calibration: { measuredPower: 5, pathLossExponent: 0.5, offset: -31 },
          enabled: 'yes',
        })
        .expect(400);
      expect(new Set((ranges.body.errors as { field: string }[]).map((e) => e.field))).toEqual(
        new Set([
          'z',
          'calibration.measuredPower',
          'calibration.pathLossExponent',
          'calibration.offset',
          'enabled',
        ]),
      );
      // x beyond the floor plan is a domain rule: reported once the shape is right.
      const outside = await api
        .post('/api/stores/sensed/sensors', { id: 's', domain: 'aisle-mqtt', x: 31, y: 1 })
        .expect(400);
      expect(outside.body.errors).toEqual([
        { field: 'x', value: 31, message: 'must be within the floor plan (0..30 m)' },
      ]);
      const patch = await api
        .post('/api/stores/sensed/sensors', { id: 'p', domain: 'aisle-mqtt', x: 1, y: 1 })
        .expect(201);
      expect(patch.body.id).toBe('p');
      const switched = await api
        .patch('/api/stores/sensed/sensors/p', { domain: 'wifi-sniffer' })
        .expect(400);
      expect(switched.body.errors[0].field).toBe('config.interface');
    });
  });

  it('serves the OpenAPI document without a key, with both key schemes', async () => {
    const res = await sut.http(null).get('/api/docs-json').expect(200);
    expect(Object.keys(res.body.components.securitySchemes).sort()).toEqual([
      'api-key',
      'x-api-key',
    ]);
    expect(res.body.paths['/api/stores/{storeId}/zones/{zoneId}']).toBeDefined();
    expect(res.body.components.schemas.CreateSensorDto.properties.calibration).toBeDefined();
    await sut.http(null).get('/api/docs').expect(200);
  });
});
