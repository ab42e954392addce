import { startApiTestApp, storeBody, type ApiTestApp } from './support/api-test-app.js';

/** The fake catalog's `wifi-sniffer` marks `config.secret` write-only (`@Secret()`). */
describe('secrets in sensor configuration (API)', () => {
  let sut: ApiTestApp;
  const SECRET = 'first-secret-4f1c9a';
  const NEXT = 'second-secret-77b02e';
  const base = '/api/stores/vault/sensors';

  const stored = async (id: string): Promise<Record<string, unknown>> => {
    const rows = await sut.database.dataSource.query<{ config: Record<string, unknown> }[]>(
      "SELECT config FROM sensors WHERE store_id = 'vault' AND id = $1",
      [id],
    );
    return rows[0]?.config ?? {};
  };

  const add = (id: string, domain: string, config: object) =>
    sut.http().post(base, { id, domain, x: 1, y: 1, config });

  beforeAll(async () => {
    sut = await startApiTestApp();
    await sut.http().post('/api/stores', storeBody('vault')).expect(201);
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
  });

  it('never returns a stored secret, and keeps it when the mask comes back', async () => {
    const api = sut.http();
    const created = await add('meraki-1', 'wifi-sniffer', {
      interface: 'wlan0mon',
      secret: SECRET,
    }).expect(201);
    expect(created.body.config).toEqual({ interface: 'wlan0mon', secret: '***' });
    const one = await api.get(`${base}/meraki-1`).expect(200);
    const all = await api.get(base).expect(200);
    for (const res of [created, one, all]) expect(res.text).not.toContain(SECRET);
    expect(await stored('meraki-1')).toEqual({ interface: 'wlan0mon', secret: SECRET });

    // The read-modify-write round trip: the mask means "unchanged".
    const patched = await api
      .patch(`${base}/meraki-1`, { config: { ...one.body.config, interface: 'wlan1mon' } })
      .expect(200);
    expect(patched.body.config).toEqual({ interface: 'wlan1mon', secret: '***' });
    expect(await stored('meraki-1')).toEqual({ interface: 'wlan1mon', secret: SECRET });

    const replaced = await api
      .put(`${base}/meraki-1`, { domain: 'wifi-sniffer', x: 2, y: 2, config: patched.body.config })
      .expect(200);
    expect(replaced.text).not.toContain(SECRET);
    expect(await stored('meraki-1')).toEqual({ interface: 'wlan1mon', secret: SECRET });

    // A PATCH without config leaves it alone; a new value replaces the secret.
    await api.patch(`${base}/meraki-1`, { name: 'Back office' }).expect(200);
    expect((await stored('meraki-1'))['secret']).toBe(SECRET);
    const changed = await api
      .patch(`${base}/meraki-1`, { config: { interface: 'wlan1mon', secret: NEXT } })
      .expect(200);
    expect(changed.body.config.secret).toBe('***');
    expect(changed.text).not.toContain(NEXT);
    expect((await stored('meraki-1'))['secret']).toBe(NEXT);
  });

  it('shows an unset secret as it is', async () => {
    const res = await add('bare', 'wifi-sniffer', { interface: 'w0' }).expect(201);
    expect(res.body.config).toEqual({ interface: 'w0' });
    const empty = await sut
      .http()
      .patch(`${base}/bare`, { config: { interface: 'w0', secret: '' } })
      .expect(200);
    expect(empty.body.config).toEqual({ interface: 'w0', secret: '' });
  });

  it('refuses the mask where there is no stored secret to keep, naming the field', async () => {
    const api = sut.http();
    const created = await add('copy', 'wifi-sniffer', { interface: 'w0', secret: '***' }).expect(
      400,
    );
    expect(created.body.errors).toEqual([
      expect.objectContaining({ field: 'config.secret', value: '***' }),
    ]);
    await add('mqtt-1', 'aisle-mqtt', {}).expect(201);
    const switched = await api
      .patch(`${base}/mqtt-1`, {
        domain: 'wifi-sniffer',
        config: { interface: 'w0', secret: '***' },
      })
      .expect(400);
    expect(switched.body.errors).toEqual([
      expect.objectContaining({ field: 'config.secret', value: '***' }),
    ]);
  });

  it('hides every config value of a sensor whose plugin is not loaded', async () => {
    const api = sut.http();
    await add('orphan', 'wifi-sniffer', {
      interface: 'wlan0mon',
      secret: SECRET,
      note: 'unknown-field-value',
    }).expect(201);
    const domains = [...sut.catalog.domains];
    sut.catalog.domains.splice(sut.catalog.domains.indexOf('wifi-sniffer'), 1);
    try {
      const res = await api.get(`${base}/orphan`).expect(200);
      expect(res.body.config).toEqual({ interface: '***', secret: '***', note: '***' });
    } finally {
      sut.catalog.domains.splice(0, sut.catalog.domains.length, ...domains);
    }
  });
});
