import { ApiKeyEntity } from '@aisle/persistence';
import { generateApiKey } from '../../apps/core/src/auth/api-key-format.js';
import { startApiTestApp, storeBody, SQUARE, type ApiTestApp } from './support/api-test-app.js';

describe('API keys and access control', () => {
  let sut: ApiTestApp;
  let managerA: string;
  let integratorA: string;
  let subscriber: string;

  beforeAll(async () => {
    sut = await startApiTestApp();
    const api = sut.http();
    for (const id of ['a', 'b']) {
      await api.post('/api/stores', storeBody(id)).expect(201);
      await api
        .post(`/api/stores/${id}/zones`, { id: 'z', name: 'Z', polygon: SQUARE })
        .expect(201);
      await api
        .post(`/api/stores/${id}/sensors`, { id: 's', domain: 'aisle-mqtt', x: 1, y: 1 })
        .expect(201);
    }
    const create = async (body: object): Promise<string> =>
      ((await api.post('/api/keys', body).expect(201)).body as { key: string }).key;
    managerA = await create({ name: 'manager A', role: 'store-manager', storeIds: ['a'] });
    integratorA = await create({ name: 'integrator A', role: 'integrator', storeIds: ['a'] });
    subscriber = await create({ name: 'hooks', role: 'subscriber' });
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
  });

  describe('authentication', () => {
    it('401 without a key, with a malformed, unknown or wrong key', async () => {
      const none = await sut.http(null).get('/api/stores').expect(401);
      expect(none.body.message).toMatch(/missing API key/);
      await sut.http('garbage').get('/api/stores').expect(401, {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'malformed API key: expected ak_<id>.<secret>',
      });
      const unknown = await sut.http(generateApiKey().key).get('/api/stores').expect(401);
      expect(unknown.body.message).toBe('invalid API key');
      const [prefix] = sut.adminKey.split('.');
      const wrong = await sut
        .http(`${prefix}.${generateApiKey().secret}`)
        .get('/api/stores')
        .expect(401);
      expect(wrong.body.message).toBe('invalid API key');
    });

    it('accepts the key in x-api-key too', async () => {
      await sut.http(null).get('/api/stores').set('x-api-key', managerA).expect(200);
    });

    it('stores only the SHA-256 of the secret: the plaintext is nowhere in api_keys', async () => {
      const rows =
        await sut.database.dataSource.query<Record<string, unknown>[]>('SELECT * FROM api_keys');
      const dump = JSON.stringify(rows);
      for (const key of [sut.adminKey, managerA, integratorA, subscriber]) {
        const secret = key.split('.')[1]!;
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(key);
      }
      for (const row of rows) expect(row['secret_hash']).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('key management (admin only)', () => {
    it('creates a key shown once, lists keys without secrets, revokes', async () => {
      const api = sut.http();
      const created = await api
        .post('/api/keys', { name: 'temp', role: 'integrator', storeIds: ['b'] })
        .expect(201);
      expect(created.body).toMatchObject({
        name: 'temp',
        role: 'integrator',
        storeIds: ['b'],
        revokedAt: null,
      });
      expect(created.body.key).toMatch(new RegExp(`^ak_${created.body.id}\\.[A-Za-z0-9_-]{43}$`));
      await sut.http(created.body.key).get('/api/stores/b').expect(200);

      const listed = (await api.get('/api/keys').expect(200)).body as Record<string, unknown>[];
      const entry = listed.find((k) => k['id'] === created.body.id);
      expect(Object.keys(entry ?? {}).sort()).toEqual([
        'createdAt',
        'id',
        'name',
        'revokedAt',
        'role',
        'storeIds',
      ]);

      const revoked = await api.delete(`/api/keys/${created.body.id}`).expect(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      const refused = await sut.http(created.body.key).get('/api/stores/b').expect(401);
      expect(refused.body.message).toBe('this API key has been revoked');
      await api.delete('/api/keys/000000000000').expect(404);
    });

    it('validates new keys, naming the field', async () => {
      const api = sut.http();
      const role = await api.post('/api/keys', { name: 'x', role: 'root' }).expect(400);
      expect(role.body.errors[0]).toMatchObject({ field: 'role', value: 'root' });
      const scoped = await api.post('/api/keys', { name: 'x', role: 'store-manager' }).expect(400);
      expect(scoped.body.errors[0]).toMatchObject({
        field: 'storeIds',
        message: expect.stringContaining('at least one store'),
      });
      const badStore = await api
        .post('/api/keys', { name: 'x', role: 'store-manager', storeIds: ['a', 'B!'] })
        .expect(400);
      expect(badStore.body.errors[0]).toMatchObject({ field: 'storeIds[1]', value: 'B!' });
    });

    it('refuses to revoke the last active admin key', async () => {
      const admins = (await sut.keys.list()).filter((k) => k.role === 'admin' && !k.revokedAt);
      expect(admins).toHaveLength(1);
      const res = await sut.http().delete(`/api/keys/${admins[0]!.id}`).expect(409);
      expect(res.body.message).toMatch(/last active admin key/);
    });

    it('other roles get 403 on key management', async () => {
      for (const key of [managerA, integratorA, subscriber]) {
        const res = await sut.http(key).get('/api/keys').expect(403);
        expect(res.body.message).toMatch(/needs role admin/);
        await sut.http(key).post('/api/keys', { name: 'x', role: 'admin' }).expect(403);
      }
    });
  });

  describe('roles', () => {
    it('store-manager manages its store but may not create or delete stores', async () => {
      const manager = sut.http(managerA);
      await manager.post('/api/stores', storeBody('c')).expect(403);
      await manager.delete('/api/stores/a').expect(403);
      await manager.patch('/api/stores/a', { name: 'A by its manager' }).expect(200);
      await manager
        .post('/api/stores/a/zones', { id: 'm', name: 'M', polygon: SQUARE })
        .expect(201);
      await manager.delete('/api/stores/a/zones/m').expect(204);
      await manager
        .post('/api/stores/a/sensors', { id: 'm', domain: 'aisle-mqtt', x: 2, y: 2 })
        .expect(201);
      await manager.delete('/api/stores/a/sensors/m').expect(204);
    });

    it('integrator writes sensors of its store and only reads stores and zones', async () => {
      const integrator = sut.http(integratorA);
      await integrator.get('/api/stores/a').expect(200);
      await integrator.get('/api/stores/a/zones').expect(200);
      await integrator
        .post('/api/stores/a/sensors', { id: 'i', domain: 'aisle-mqtt', x: 2, y: 2 })
        .expect(201);
      await integrator.patch('/api/stores/a/sensors/i', { enabled: false }).expect(200);
      await integrator.delete('/api/stores/a/sensors/i').expect(204);
      const zone = await integrator
        .post('/api/stores/a/zones', { id: 'i', name: 'I', polygon: SQUARE })
        .expect(403);
      expect(zone.body.message).toBe(
        `this route needs role admin or store-manager; API key ${integratorA.slice(3, 15)} has role integrator`,
      );
      await integrator.patch('/api/stores/a', { name: 'nope' }).expect(403);
    });

    it('subscriber reaches nothing of the store API', async () => {
      await sut.http(subscriber).get('/api/stores').expect(403);
      await sut.http(subscriber).get('/api/stores/a').expect(403);
    });
  });

  describe('cross-store access', () => {
    const routesOfStore = (id: string) =>
      [
        ['get', `/api/stores/${id}`],
        ['put', `/api/stores/${id}`, { name: 'x', timezone: 'UTC', width: 30, height: 20 }],
        ['patch', `/api/stores/${id}`, { name: 'x' }],
        ['delete', `/api/stores/${id}`],
        ['get', `/api/stores/${id}/zones`],
        ['post', `/api/stores/${id}/zones`, { id: 'x', name: 'X', polygon: SQUARE }],
        ['get', `/api/stores/${id}/zones/z`],
        ['put', `/api/stores/${id}/zones/z`, { name: 'X', polygon: SQUARE }],
        ['delete', `/api/stores/${id}/zones/z`],
        ['get', `/api/stores/${id}/sensors`],
        ['post', `/api/stores/${id}/sensors`, { id: 'x', domain: 'aisle-mqtt', x: 1, y: 1 }],
        ['get', `/api/stores/${id}/sensors/s`],
        ['put', `/api/stores/${id}/sensors/s`, { domain: 'aisle-mqtt', x: 1, y: 1 }],
        ['patch', `/api/stores/${id}/sensors/s`, { enabled: false }],
        ['delete', `/api/stores/${id}/sensors/s`],
      ] as const;

    it('a store-manager of A gets 403 on every route of B (and of a store that does not exist)', async () => {
      const manager = sut.http(managerA);
      for (const store of ['b', 'does-not-exist']) {
        for (const [method, path, body] of routesOfStore(store)) {
          const res = await (body
            ? manager[method as 'post'](path, body)
            : manager[method as 'get'](path));
          expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
          expect(res.body.message).toContain(
            `may not access store "${store}": it is scoped to "a"`,
          );
        }
      }
      // Nothing of B changed.
      const b = (await sut.http().get('/api/stores/b').expect(200)).body;
      expect(b.name).toBe('Store b');
      expect((await sut.http().get('/api/stores/b/sensors').expect(200)).body).toHaveLength(1);
      expect((await sut.http().get('/api/stores/b/zones').expect(200)).body).toHaveLength(1);
    });

    it('an integrator of A gets 403 on B too', async () => {
      const integrator = sut.http(integratorA);
      await integrator.get('/api/stores/b').expect(403);
      await integrator
        .post('/api/stores/b/sensors', { id: 'x', domain: 'aisle-mqtt', x: 1, y: 1 })
        .expect(403);
    });

    it('GET /api/stores lists only the key’s stores; admin sees all', async () => {
      const mine = (await sut.http(managerA).get('/api/stores').expect(200)).body as {
        id: string;
      }[];
      expect(mine.map((s) => s.id)).toEqual(['a']);
      const all = (await sut.http().get('/api/stores').expect(200)).body as { id: string }[];
      expect(all.map((s) => s.id)).toEqual(expect.arrayContaining(['a', 'b']));
    });
  });

  describe('bootstrap admin', () => {
    it('does nothing when an active admin exists', async () => {
      await expect(sut.keys.ensureBootstrapAdmin()).resolves.toEqual({ created: false });
    });

    it('upserts AISLE_ADMIN_KEY as an admin, refuses a malformed or revoked one', async () => {
      const given = generateApiKey();
      await expect(sut.keys.ensureBootstrapAdmin({ adminKey: given.key })).resolves.toEqual({
        created: true,
      });
      await sut.http(given.key).get('/api/keys').expect(200);
      await expect(sut.keys.ensureBootstrapAdmin({ adminKey: given.key })).resolves.toEqual({
        created: false,
      });
      await expect(sut.keys.ensureBootstrapAdmin({ adminKey: 'hunter2' })).rejects.toThrow(
        /AISLE_ADMIN_KEY does not look like an API key: expected ak_<id>\.<secret>/,
      );
      await sut.keys.revoke(given.id);
      await expect(sut.keys.ensureBootstrapAdmin({ adminKey: given.key })).rejects.toThrow(
        /was revoked/,
      );
    });

    it('refuses an AISLE_ADMIN_KEY whose id belongs to a non-admin key', async () => {
      const id = managerA.slice(3, 15);
      await expect(
        sut.keys.ensureBootstrapAdmin({ adminKey: `ak_${id}.${generateApiKey().secret}` }),
      ).rejects.toThrow(/id of an existing store-manager key/);
      await sut.http(managerA).get('/api/stores/a').expect(200);
    });

    it('a changed AISLE_ADMIN_KEY secret replaces the stored hash', async () => {
      const first = generateApiKey();
      await sut.keys.ensureBootstrapAdmin({ adminKey: first.key });
      const second = `ak_${first.id}.${generateApiKey().secret}`;
      await sut.keys.ensureBootstrapAdmin({ adminKey: second });
      await sut.http(first.key).get('/api/keys').expect(401);
      await sut.http(second).get('/api/keys').expect(200);
    });

    it('generates an admin key only when no active admin key exists', async () => {
      const repo = sut.database.dataSource.getRepository(ApiKeyEntity);
      await repo.update({ role: 'admin' }, { revokedAt: new Date() });
      const result = await sut.keys.ensureBootstrapAdmin();
      expect(result.created).toBe(true);
      expect(result.key).toMatch(/^ak_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
      await sut.http(result.key).get('/api/keys').expect(200);
      await expect(sut.keys.ensureBootstrapAdmin()).resolves.toEqual({ created: false });
      sut.adminKey = result.key!;
    });
  });
});
