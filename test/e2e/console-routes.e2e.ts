import { get as httpGet } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/** The routes the web console needs beyond the REST API, through a whole hub. */

/** A 3 × 2 px PNG (signature and IHDR are what the API reads). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAEUlEQVR4nGP4z8DwHwMZGAAAgwwD/WGy4/sAAAAASUVORK5CYII=',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200"><rect width="300" height="200" fill="#eee"/></svg>';

/** The first Server-Sent Event of a stream (then the connection is closed). */
function firstEvent(
  url: string,
  key: string,
): Promise<{ status: number; type?: string; event?: string; data?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      const type = res.headers['content-type'];
      if (res.statusCode !== 200) {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ...(type ? { type } : {}) });
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.indexOf('\n\n');
        if (end < 0) return;
        const block = buffer.slice(0, end);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<
          string,
          unknown
        >;
        req.destroy();
        resolve({ status: 200, ...(type ? { type } : {}), ...(event ? { event } : {}), data });
      });
    });
    req.on('error', reject);
  });
}

describe('console routes: session, live events, floor-plan image, opt-out count', () => {
  let sut: TestHub;
  let managerKey: string;
  let subscriberKey: string;

  beforeAll(async () => {
    sut = await startTestHub({ demo: true });
    managerKey = (
      await sut
        .post('/api/keys', { name: 'manager', role: 'store-manager', storeIds: ['demo'] })
        .expect(201)
    ).body.key;
    subscriberKey = (
      await sut
        .post('/api/keys', { name: 'subs', role: 'subscriber', storeIds: ['demo'] })
        .expect(201)
    ).body.key;
    await sut
      .post('/api/stores', { id: 'other', name: 'Other', timezone: 'UTC', width: 10, height: 10 })
      .expect(201);
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it('tells a key its role, name and stores (only its own), and nothing without a key', async () => {
    const admin = (await sut.get('/api/session').expect(200)).body;
    expect(admin).toMatchObject({ role: 'admin', name: 'bootstrap admin' });
    expect(admin.stores.map((s: { id: string }) => s.id)).toEqual(['demo', 'other']);
    const manager = (await sut.get('/api/session', managerKey).expect(200)).body;
    expect(manager).toMatchObject({
      role: 'store-manager',
      name: 'manager',
      stores: [{ id: 'demo' }],
    });
    expect(JSON.stringify(manager)).not.toMatch(/secret|hash/i);
    await request(sut.hub.url).get('/api/session').expect(401);
  });

  it('streams live snapshots as Server-Sent Events, by header key, within the key’s scope', async () => {
    const frame = await firstEvent(`${sut.hub.url}/api/stores/demo/live`, managerKey);
    expect(frame.status).toBe(200);
    expect(frame.type).toMatch(/text\/event-stream/);
    expect(frame.event).toBe('snapshot');
    expect(frame.data).toMatchObject({ storeId: 'demo', mode: 'in-visit', maxAgeSeconds: 10 });
    expect(frame.data?.['sensors']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sensorId: 'radio-1', domain: 'aisle-mqtt' }),
      ]),
    );
    // Another store, a role without positions, no key, a bad interval: refused before streaming.
    expect((await firstEvent(`${sut.hub.url}/api/stores/other/live`, managerKey)).status).toBe(403);
    expect((await firstEvent(`${sut.hub.url}/api/stores/demo/live`, subscriberKey)).status).toBe(
      403,
    );
    expect(
      (await firstEvent(`${sut.hub.url}/api/stores/demo/live`, 'ak_000000000000.x')).status,
    ).toBe(401);
    const bad = await sut.get('/api/stores/demo/live?everyMs=5').expect(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'everyMs', value: '5' });
  });

  it('stores a PNG or SVG floor plan with the store, refuses anything else naming the field', async () => {
    await sut.get('/api/stores/demo/floor-plan', managerKey).expect(404);
    const png = await request(sut.hub.url)
      .put('/api/stores/demo/floor-plan')
      .set('Authorization', `Bearer ${managerKey}`)
      .set('Content-Type', 'image/png')
      .send(PNG)
      .expect(200);
    expect(png.body).toMatchObject({
      storeId: 'demo',
      contentType: 'image/png',
      bytes: PNG.length,
      pixelWidth: 3,
      pixelHeight: 2,
      updatedBy: expect.stringMatching(/^key:/),
    });
    const back = await sut
      .get('/api/stores/demo/floor-plan', subscriberKey)
      .buffer(true)
      .expect(200);
    expect(back.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(back.body as Buffer, PNG)).toBe(0);

    const svg = await request(sut.hub.url)
      .put('/api/stores/demo/floor-plan')
      .set('Authorization', `Bearer ${managerKey}`)
      .set('Content-Type', 'image/svg+xml')
      .send(SVG)
      .expect(200);
    expect(svg.body).toMatchObject({
      contentType: 'image/svg+xml',
      pixelWidth: 300,
      pixelHeight: 200,
    });
    const served = await sut.get('/api/stores/demo/floor-plan').expect(200);
    expect(served.headers['content-security-policy']).toMatch(/default-src 'none'/);

    const refuse = async (type: string, body: string | Buffer) =>
      (
        await request(sut.hub.url)
          .put('/api/stores/demo/floor-plan')
          .set('Authorization', `Bearer ${managerKey}`)
          .set('Content-Type', type)
          .send(body)
          .expect(400)
      ).body.errors[0];
    expect(await refuse('image/gif', Buffer.from('GIF89a'))).toMatchObject({
      field: 'content-type',
    });
    expect(await refuse('image/png', Buffer.from('not a png at all, really'))).toMatchObject({
      field: 'image',
      message: expect.stringMatching(/PNG/),
    });
    expect(await refuse('image/svg+xml', '<svg><script>alert(1)</script></svg>')).toMatchObject({
      field: 'image',
      message: expect.stringMatching(/scripts/),
    });
    expect(
      await refuse('image/svg+xml', '<svg><image href="https://evil.example/x.png"/></svg>'),
    ).toMatchObject({ field: 'image' });

    // A subscriber may look at it but not change it; another store's manager not even look.
    await request(sut.hub.url)
      .put('/api/stores/demo/floor-plan')
      .set('Authorization', `Bearer ${subscriberKey}`)
      .set('Content-Type', 'image/png')
      .send(PNG)
      .expect(403);
    await sut.get('/api/stores/other/floor-plan', managerKey).expect(403);
    await sut.delete('/api/stores/demo/floor-plan', managerKey).expect(204);
    await sut.get('/api/stores/demo/floor-plan/info').expect(404);

    // Deleted with its store.
    await request(sut.hub.url)
      .put('/api/stores/other/floor-plan')
      .set('Authorization', `Bearer ${sut.adminKey}`)
      .set('Content-Type', 'image/png')
      .send(PNG)
      .expect(200);
    await sut.delete('/api/stores/other').expect(204);
    const rows = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM store_floor_plans WHERE store_id = 'other'`,
      );
    expect(rows[0]?.n).toBe(0);
  });

  it('counts the opt-out list without showing it', async () => {
    const before = (await sut.get('/api/privacy/opt-outs', managerKey).expect(200)).body.size;
    await request(sut.hub.url).post('/opt-out').send({ address: '02:11:22:33:44:55' }).expect(202);
    expect((await sut.get('/api/privacy/opt-outs').expect(200)).body).toEqual({ size: before + 1 });
    await sut.get('/api/privacy/opt-outs', subscriberKey).expect(403);
  });

  it('serves the console at / without shadowing the API, health, metrics, notice, opt-out or docs', async () => {
    const http = request(sut.hub.url);
    await http.get('/health').expect(200);
    await http.get('/metrics').expect(200);
    await http.get('/api/docs').expect(200);
    await http.get('/notice/demo').expect(200);
    await http.get('/opt-out').expect(200);
    // An unknown API path is still the API's 404, not the console's page.
    expect((await http.get('/api/no-such-route').expect(404)).body.message).toMatch(/Cannot GET/);
    const docs = (await http.get('/api/docs-json').expect(200)).body as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/session',
      '/api/stores/{storeId}/live',
      '/api/stores/{storeId}/floor-plan',
      '/api/privacy/opt-outs',
    ]) {
      expect(Object.keys(docs.paths)).toContain(path);
    }
    const page = await http.get('/');
    // Built by `npm run build` (which `npm test` runs first): the single page.
    if (page.status === 200) expect(page.text).toMatch(/<div id="root">/);
    else expect(page.status).toBe(404);
  });
});
