import { startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { MembersService } from '@aisle/core';

/** The loyalty provider's member API: consent with timestamps, immediate withdrawal, export, erasure. */
describe('members and consent', () => {
  let sut: TestHub;
  let loyalty: string;
  let manager: string;

  beforeAll(async () => {
    sut = await startTestHub();
    loyalty = (
      await sut.post('/api/keys', { name: 'loyalty provider', role: 'loyalty' }).expect(201)
    ).body.key as string;
    await sut
      .post('/api/stores', { id: 'x', name: 'X', timezone: 'UTC', width: 10, height: 10 })
      .expect(201);
    manager = (
      await sut
        .post('/api/keys', { name: 'manager', role: 'store-manager', storeIds: ['x'] })
        .expect(201)
    ).body.key as string;
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('only the loyalty provider (and admins) reach members', async () => {
    await sut.post('/api/members', { appIdentity: 'nope' }, manager).expect(403);
  });

  it('registers a member with consent scopes and timestamps; withdrawal takes effect at once', async () => {
    const created = await sut
      .post('/api/members', { appIdentity: 'app-user-1', consents: ['marketing'] }, loyalty)
      .expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^mem_/),
      consents: ['marketing'],
    });
    expect(Date.parse(created.body.history[0].grantedAt as string)).toBeGreaterThan(0);
    expect(sut.hub.get(MembersService).hasConsent(id, 'marketing')).toBe(true);

    const withdrawn = await sut
      .delete(`/api/members/${id}/consents/marketing`, loyalty)
      .expect(200);
    expect(withdrawn.body.consents).toEqual([]);
    expect(withdrawn.body.history[0].withdrawnAt).toEqual(expect.any(String));
    expect(sut.hub.get(MembersService).hasConsent(id, 'marketing')).toBe(false);

    await sut
      .post(`/api/members/${id}/consents`, { scope: 'analytics-linking' }, loyalty)
      .expect(201);
    expect(sut.hub.get(MembersService).hasConsent(id, 'analytics-linking')).toBe(true);
  });

  it('names the bad field and refuses duplicates', async () => {
    const bad = await sut
      .post('/api/members', { appIdentity: '', consents: ['spam'] }, loyalty)
      .expect(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'appIdentity',
      'consents',
    ]);
    await sut.post('/api/members', { appIdentity: 'app-user-1' }, loyalty).expect(409);
  });

  it('exports everything held, then erases it all', async () => {
    const id = (
      await sut
        .post('/api/members', { appIdentity: 'app-user-2', consents: ['marketing'] }, loyalty)
        .expect(201)
    ).body.id as string;
    const exported = await sut.get(`/api/members/${id}/export`, loyalty).expect(200);
    expect(exported.body.member).toMatchObject({ id, appIdentity: 'app-user-2' });
    await sut.delete(`/api/members/${id}`, loyalty).expect(204);
    await sut.get(`/api/members/${id}`, loyalty).expect(404);
    expect(sut.hub.get(MembersService).hasConsent(id, 'marketing')).toBe(false);
    const left = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM member_consents WHERE member_id = $1',
        [id],
      );
    expect(left[0]?.n).toBe(0);
  });

  it('audits every consent change and data-subject request, with who', async () => {
    const res = await sut.get('/api/audit').expect(200);
    const actions = (res.body as { action: string; actor: string }[]).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'member.registered',
        'consent.granted',
        'consent.withdrawn',
        'member.exported',
        'member.erased',
      ]),
    );
    expect((res.body as { actor: string }[]).every((e) => e.actor.startsWith('key:'))).toBe(true);
    const withdrawn = await sut.get('/api/audit?action=consent.withdrawn').expect(200);
    expect(withdrawn.body).toHaveLength(1);
    await sut.get('/api/audit?since=yesterday').expect(400);
    await sut.get('/api/audit', loyalty).expect(403);
  });

  it('lets an admin list members with consents and timestamps (paged, validated, audited)', async () => {
    const id = (
      await sut
        .post(
          '/api/members',
          { appIdentity: 'app-user-list', consents: ['analytics-linking'] },
          loyalty,
        )
        .expect(201)
    ).body.id as string;
    const page = await sut.get('/api/members?limit=200').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    const listed = (page.body.members as { id: string }[]).find((m) => m.id === id);
    expect(listed).toMatchObject({
      appIdentity: 'app-user-list',
      consents: ['analytics-linking'],
      history: [{ scope: 'analytics-linking', grantedAt: expect.any(String), withdrawnAt: null }],
    });
    expect(Object.keys(listed ?? {}).sort()).toEqual([
      'appIdentity',
      'consents',
      'createdAt',
      'history',
      'id',
    ]);
    const one = await sut.get('/api/members?limit=1&offset=0').expect(200);
    expect(one.body.members).toHaveLength(1);
    expect(one.body.total).toBe(page.body.total);

    const bad = await sut.get('/api/members?limit=0&offset=-1').expect(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'limit',
      'offset',
    ]);
    await sut.get('/api/members?sort=name').expect(400);

    await sut.get('/api/members', loyalty).expect(403);
    await sut.get('/api/members', manager).expect(403);
    const docs = (await sut.get('/api/docs-json').expect(200)).body as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(docs.paths['/api/members']?.get?.parameters?.map((p) => p.name).sort()).toEqual([
      'limit',
      'offset',
    ]);
    const audited = await sut.get('/api/audit?action=members.listed').expect(200);
    expect(audited.body.length).toBeGreaterThanOrEqual(2);
    expect(audited.body[0].actor).toMatch(/^key:/);
  });
});
