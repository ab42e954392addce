import request from 'supertest';
import { TEST_NOTICE, trackingPolicy } from '../support/policies.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * What a new user trips over at the HTTP API (issue #22): every documented example works, a NUL
 * byte anywhere is a 400/404 naming the field (never a 500 from PostgreSQL), echoed values are
 * capped, non-JSON bodies get 415, and the analytics routes answer unknown names with 404.
 */

interface Schema {
  $ref?: string;
  type?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
}
interface Operation {
  requestBody?: { content: Record<string, { schema: Schema }> };
  parameters?: { name: string; in: string }[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Where the OpenAPI examples put their things (the examples tell one story: one store). */
const EXAMPLE_WEBHOOK_HOST = 'hooks.example.com';

describe('API input edges (#22)', () => {
  let sut: TestHub;
  let doc: OpenApi;

  function resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const name = schema.$ref.split('/').pop()!;
    return doc.components.schemas[name]!;
  }

  /** The example of a schema: its own, else one assembled from its properties' examples. */
  function exampleOf(schema: Schema, path = '(body)'): unknown {
    const s = resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.properties) {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(s.properties)) {
        const value = exampleOf(prop, `${path}.${name}`);
        if (value !== undefined) out[name] = value;
        else if (s.required?.includes(name)) {
          const p = resolve(prop);
          if (p.enum) out[name] = p.enum[0];
          else throw new Error(`no example for required ${path}.${name}`);
        }
      }
      return out;
    }
    return undefined;
  }

  function bodySchema(path: string, method: string): Schema | undefined {
    return doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
  }

  const send = (method: string, path: string, body?: object): request.Test => {
    const agent = request(sut.hub.url);
    const r = agent[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](path).set(
      'Authorization',
      `Bearer ${sut.adminKey}`,
    );
    return body === undefined ? r : r.send(body);
  };

  beforeAll(async () => {
    sut = await startTestHub({ env: { AISLE_WEBHOOK_ALLOW_HOSTS: EXAMPLE_WEBHOOK_HOST } });
    doc = (await sut.get('/api/docs-json').expect(200)).body as OpenApi;
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  });

  describe('every OpenAPI example is accepted by the route it documents', () => {
    it('posts each documented request-body example, in the order a new user would', async () => {
      const ids: Record<string, string> = {};
      const example = (path: string, method: string): object => {
        const schema = bodySchema(path, method);
        if (!schema) throw new Error(`${method} ${path} has no JSON body`);
        return exampleOf(schema) as object;
      };
      const fill = (path: string): string =>
        path.replace(/\{(\w+)\}/g, (_, name: string) => {
          const id = ids[name];
          if (id === undefined) throw new Error(`no id for {${name}} in ${path}`);
          return encodeURIComponent(id);
        });
      const ok = async (method: string, path: string): Promise<Record<string, unknown>> => {
        const body = example(path, method);
        const res = await send(method, fill(path), body);
        if (res.status >= 300) {
          throw new Error(
            `${method.toUpperCase()} ${path} refused its documented example ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`,
          );
        }
        return res.body as Record<string, unknown>;
      };
      const covered = new Set<string>();
      const step = async (
        method: string,
        path: string,
        keep?: (body: Record<string, unknown>) => void,
      ): Promise<void> => {
        covered.add(`${method} ${path}`);
        const body = await ok(method, path);
        keep?.(body);
      };

      await step('post', '/api/stores', (b) => (ids['storeId'] = b['id'] as string));
      await step('put', '/api/stores/{storeId}');
      await step('patch', '/api/stores/{storeId}');
      await step('post', '/api/stores/{storeId}/zones', (b) => (ids['zoneId'] = b['id'] as string));
      await step('put', '/api/stores/{storeId}/zones/{zoneId}');
      await step(
        'post',
        '/api/stores/{storeId}/sensors',
        (b) => (ids['sensorId'] = b['id'] as string),
      );
      await step('put', '/api/stores/{storeId}/sensors/{sensorId}');
      await step('patch', '/api/stores/{storeId}/sensors/{sensorId}');
      await step('post', '/api/stores/{storeId}/fixed-devices');
      await step('post', '/api/keys');
      await step(
        'post',
        '/api/webhooks',
        (b) => (ids['id'] = (b['subscription'] as { id: string }).id),
      );
      await step('patch', '/api/webhooks/{id}');
      await step('post', '/api/webhooks/{id}/replay');
      await step('post', '/api/members', (b) => (ids['memberId'] = b['id'] as string));
      await step('post', '/api/members/{memberId}/consents');
      await step('post', '/api/members/{memberId}/presence');
      await step('post', '/opt-out');

      // Every route with a JSON body was exercised above.
      const withBody = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((m) => bodySchema(path, m))
          .map((m) => `${m} ${path}`),
      );
      expect(withBody.filter((r) => !covered.has(r))).toEqual([]);
    });
  });

  describe('NUL bytes', () => {
    beforeAll(async () => {
      await sut
        .post('/api/stores', {
          id: 'nul',
          name: 'NUL',
          timezone: 'UTC',
          width: 30,
          height: 20,
          policy: trackingPolicy('in-visit'),
        })
        .expect(201);
    });

    it('a NUL byte in any path parameter of any route is a 400 or 404, never a 500', async () => {
      const valid: Record<string, string> = {
        storeId: 'nul',
        metric: 'visits',
        scope: 'marketing',
        domain: 'aisle-mqtt',
      };
      const failures: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        for (const target of params) {
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
            name === target ? 'x%00' : (valid[name] ?? 'x'),
          );
          for (const method of Object.keys(methods)) {
            const schema = bodySchema(path, method);
            const res = await send(method, url, schema ? (exampleOf(schema) as object) : undefined);
            const named = JSON.stringify(res.body).includes(target);
            if (res.status === 404 || (res.status === 400 && named)) continue;
            failures.push(
              `${method.toUpperCase()} ${url}: ${res.status} ${JSON.stringify(res.body)}`,
            );
          }
        }
      }
      expect(failures).toEqual([]);
    }, 60_000);

    it('the public notice of "demo\\0" is a 404 or 400, not a 500', async () => {
      const res = await request(sut.hub.url).get('/notice/demo%00');
      expect([400, 404]).toContain(res.status);
    });

    it('a NUL byte in any string field of any documented body is a 400 naming the field', async () => {
      const failures: string[] = [];
      const fill: Record<string, string> = {
        storeId: 'nul',
        zoneId: 'z',
        sensorId: 's',
        id: 'w',
        memberId: 'm',
      };
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const method of Object.keys(methods)) {
          const schema = bodySchema(path, method);
          if (!schema) continue;
          const base = exampleOf(schema) as Record<string, unknown>;
          const props = resolve(schema).properties ?? {};
          for (const [name, prop] of Object.entries(props)) {
            if (resolve(prop).type !== 'string') continue;
            const body = { ...base, [name]: 'a\u0000b' };
            const url = path.replace(/\{(\w+)\}/g, (_, p: string) => fill[p] ?? 'x');
            const res = await send(method, url, body);
            const fields = ((res.body as { errors?: { field: string }[] }).errors ?? []).map(
              (e) => e.field,
            );
            if (res.status === 400 && fields.includes(name)) continue;
            failures.push(
              `${method.toUpperCase()} ${path} ${name}: ${res.status} ${JSON.stringify(res.body)}`,
            );
          }
        }
      }
      expect(failures).toEqual([]);
    }, 60_000);

    it('a NUL byte in an opt-out address is refused without echoing the address', async () => {
      const res = await request(sut.hub.url)
        .post('/opt-out')
        .send({ address: 'da:a1:19:4c:2b:7e\u0000' })
        .expect(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'address', value: '[18 characters, not shown]' }),
      ]);
      expect(res.text.toLowerCase()).not.toContain('da:a1');
    });

    it('a NUL byte nested in a policy or in a query parameter is refused naming its path', async () => {
      const res = await sut
        .patch('/api/stores/nul', {
          policy: trackingPolicy('in-visit', {
            notice: { ...TEST_NOTICE, purpose: 'x\u0000' },
          }),
        })
        .expect(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'policy.notice.purpose' }),
      ]);
      const query = await sut.get('/api/stores/nul/metrics/visits?zone=a%00').expect(400);
      expect(query.body.errors[0].field).toBe('zone');
      const audit = await sut.get('/api/audit?action=a%00').expect(400);
      expect(audit.body.errors[0].field).toBe('action');
    });
  });

  describe('echoed values', () => {
    it('a 100,000-character id is echoed as 64 characters and "…"', async () => {
      const long = 'a'.repeat(100_000);
      const res = await sut.post('/api/stores', {
        id: long,
        name: 'x',
        timezone: 'UTC',
        width: 1,
        height: 1,
      });
      expect(res.status).toBe(400);
      const text = JSON.stringify(res.body);
      expect(text.length).toBeLessThan(2_000);
      expect(res.body.errors[0]).toMatchObject({ field: 'id', value: `${'a'.repeat(64)}…` });
      const missing = await sut.get(`/api/stores/${'b'.repeat(5_000)}`).expect(404);
      expect(JSON.stringify(missing.body).length).toBeLessThan(500);
      expect(missing.body.message).toContain(`${'b'.repeat(64)}…`);
      const route = await sut.get(`/api/${'c'.repeat(5_000)}`).expect(404);
      expect(JSON.stringify(route.body).length).toBeLessThan(500);
    });
  });

  describe('type before range', () => {
    it('width "NaN" is reported as not a number, not as out of range', async () => {
      const res = await sut
        .post('/api/stores', { id: 'nan', name: 'N', timezone: 'UTC', width: 'NaN', height: 1 })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'width', value: 'NaN', message: 'width must be a finite number' },
      ]);
    });
  });

  describe('content type', () => {
    it('valid JSON sent as text/plain is a 415 naming application/json', async () => {
      const res = await request(sut.hub.url)
        .post('/api/stores')
        .set('Authorization', `Bearer ${sut.adminKey}`)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ id: 'plain', name: 'P', timezone: 'UTC', width: 1, height: 1 }));
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('application/json');
      const patch = await request(sut.hub.url)
        .patch('/api/stores/nul')
        .set('Authorization', `Bearer ${sut.adminKey}`)
        .set('Content-Type', 'application/xml')
        .send('<store/>');
      expect(patch.status).toBe(415);
      // A body-less POST needs no content type; JSON with a charset is JSON.
      await request(sut.hub.url)
        .post('/api/stores')
        .set('Authorization', `Bearer ${sut.adminKey}`)
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ id: 'charset', name: 'C', timezone: 'UTC', width: 1, height: 1 }))
        .expect(201);
    });
  });

  describe('store PATCH policy', () => {
    it('merges a partial policy (RFC 7396): the notice stays, null removes a member', async () => {
      await sut
        .post('/api/stores', {
          id: 'merge',
          name: 'Merge',
          timezone: 'UTC',
          width: 10,
          height: 10,
          policy: trackingPolicy('in-visit', { suppression: { minSubjects: 7 } }),
        })
        .expect(201);
      const res = await sut
        .patch('/api/stores/merge', { policy: { mode: 'count-only', suppression: null } })
        .expect(200);
      expect(res.body.policy).toEqual({ mode: 'count-only', notice: TEST_NOTICE });
      const purpose = 'to count the visitors of the store';
      const nested = await sut
        .patch('/api/stores/merge', { policy: { notice: { purpose } } })
        .expect(200);
      expect(nested.body.policy.notice).toEqual({ ...TEST_NOTICE, purpose });
      // RFC 7396's own media type works too.
      const typed = await request(sut.hub.url)
        .patch('/api/stores/merge')
        .set('Authorization', `Bearer ${sut.adminKey}`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ policy: { mode: 'in-visit' } }))
        .expect(200);
      expect(typed.body.policy).toMatchObject({ mode: 'in-visit', notice: { purpose } });
      // A merge that leaves an invalid policy is refused naming the field.
      const bad = await sut
        .patch('/api/stores/merge', { policy: { notice: { purpose: null } } })
        .expect(400);
      expect(JSON.stringify(bad.body.errors)).toContain('purpose');
    });
  });

  describe('analytics names', () => {
    it('metrics/heatmap points at /api/stores/:id/heatmap', async () => {
      const res = await sut.get('/api/stores/nul/metrics/heatmap').expect(400);
      expect(res.body.message).toContain('/api/stores/nul/heatmap');
    });

    it('an unknown zone is a 404; a known zone with no data is an empty series', async () => {
      await sut
        .post('/api/stores/nul/zones', {
          id: 'known',
          name: 'Known',
          polygon: [
            { x: 1, y: 1 },
            { x: 5, y: 1 },
            { x: 5, y: 5 },
          ],
        })
        .expect(201);
      const res = await sut.get('/api/stores/nul/metrics/visits?zone=nowhere').expect(404);
      expect(res.body.message).toContain('nowhere');
      const known = await sut.get('/api/stores/nul/metrics/visits?zone=known').expect(200);
      expect(known.body.zone).toBe('known');
    });
  });

  describe('API keys', () => {
    it('refuses a key scoped to a store that does not exist, naming it', async () => {
      const res = await sut
        .post('/api/keys', { name: 'k', role: 'store-manager', storeIds: ['nul', 'no-such-store'] })
        .expect(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'storeIds[1]', value: 'no-such-store' }),
      ]);
      await sut
        .post('/api/keys', { name: 'k', role: 'store-manager', storeIds: ['nul'] })
        .expect(201);
    });
  });
});
