import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually, startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * End to end: a hub with the demo store delivers its events to a subscriber's local receiver,
 * which verifies them with the stock standardwebhooks package.
 */
describe('webhooks from a hub with the demo store', () => {
  let sut: TestHub;
  let receiver: WebhookReceiver;
  let subscriberKey: string;
  let subscriptionId: string;
  let secret: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sut = await startTestHub({ demo: true, env: { AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
    const key = await sut
      .post('/api/keys', { name: 'hooks', role: 'subscriber', storeIds: ['demo'] })
      .expect(201);
    subscriberKey = key.body.key as string;
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await receiver?.close();
  });

  it('refuses private targets, plain http, unknown event types and foreign stores, naming the field', async () => {
    const refused = async (body: object) =>
      (await sut.post('/api/webhooks', body, subscriberKey).expect(400)).body as {
        errors: { field: string; message: string }[];
      };
    const base = { url: receiver.url, eventTypes: ['sensor.online'] };
    expect((await refused({ ...base, url: 'https://10.1.2.3/hook' })).errors[0]).toMatchObject({
      field: 'url',
      message: expect.stringMatching(/private/),
    });
    expect(
      (await refused({ ...base, url: 'https://169.254.169.254/' })).errors[0]?.message,
    ).toMatch(/link-local/);
    expect((await refused({ ...base, url: 'http://localhost:1/' })).errors[0]?.message).toMatch(
      /https/,
    );
    expect((await refused({ ...base, eventTypes: ['sensor.exploded'] })).errors[0]).toMatchObject({
      field: expect.stringMatching(/^eventTypes/),
      message: expect.stringMatching(/sensor\.online/),
    });
    expect((await refused({ ...base, storeIds: ['elsewhere'] })).errors[0]).toMatchObject({
      field: 'storeIds[0]',
    });
  });

  it('keeps the member-id event types to loyalty keys: 400 naming the type for a subscriber', async () => {
    const res = await sut
      .post('/api/webhooks', { url: receiver.url, eventTypes: ['notice.entry'] }, subscriberKey)
      .expect(400);
    expect(res.body.errors).toEqual([
      {
        field: 'eventTypes[0]',
        value: 'notice.entry',
        message: expect.stringMatching(
          /^notice\.entry carries the loyalty member id.*loyalty role/,
        ),
      },
    ]);
    const types = (await sut.get('/api/webhooks/event-types', subscriberKey).expect(200)).body as {
      type: string;
      loyaltyOnly: boolean;
    }[];
    expect(types.filter((t) => t.loyaltyOnly).map((t) => t.type)).toEqual([
      'coupon.issued',
      'notice.entry',
    ]);
    const loyalty = await sut
      .post('/api/keys', { name: 'loyalty', role: 'loyalty', storeIds: ['demo'] })
      .expect(201);
    const created = await sut
      .post(
        '/api/webhooks',
        { url: receiver.url, eventTypes: ['coupon.issued', 'notice.entry'] },
        loyalty.body.key as string,
      )
      .expect(201);
    expect(created.body.subscription).toMatchObject({ storeIds: ['demo'] });
    await sut
      .delete(`/api/webhooks/${created.body.subscription.id as string}`, loyalty.body.key as string)
      .expect(204);
  });

  it('creates a subscription for the key’s stores and shows the secret once', async () => {
    const res = await sut
      .post(
        '/api/webhooks',
        { url: receiver.url, eventTypes: ['sensor.online', 'sensor.offline'], description: 'e2e' },
        subscriberKey,
      )
      .expect(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.body.subscription).toMatchObject({ storeIds: ['demo'], enabled: true });
    subscriptionId = res.body.subscription.id as string;
    secret = res.body.secret as string;
    const listed = await sut.get('/api/webhooks', subscriberKey).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
  });

  it('delivers a demo-store event that standardwebhooks verifies', async () => {
    // Re-adding a demo sensor makes it come online again on the simulator's next batch.
    const sensors = (await sut.get('/api/stores/demo/sensors').expect(200)).body as {
      id: string;
      domain: string;
      x: number;
      y: number;
      z: number;
      config: Record<string, unknown>;
    }[];
    const sensor = sensors.find((s) => s.domain === 'aisle-mqtt')!;
    await sut.delete(`/api/stores/demo/sensors/${sensor.id}`).expect(204);
    await sut
      .post('/api/stores/demo/sensors', {
        id: sensor.id,
        domain: sensor.domain,
        x: sensor.x,
        y: sensor.y,
        z: sensor.z,
        config: sensor.config,
      })
      .expect(201);

    const online = await eventually(
      'a verified sensor.online webhook',
      () =>
        receiver.received
          .map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>))
          .find(
            (p) =>
              (p as { type: string; data: { sensorId: string } }).type === 'sensor.online' &&
              (p as { data: { sensorId: string } }).data.sensorId === sensor.id,
          ),
      30_000,
    );
    expect(online).toMatchObject({ version: 1, data: { storeId: 'demo', domain: 'aisle-mqtt' } });

    // The attempt is logged after the receiver answered (successes are recorded in batches):
    // wait for the log to show an attempt rather than read it at once.
    const attempts = await eventually(
      'the delivery in the attempt log',
      async () => {
        const response = await sut
          .get(`/api/webhooks/${subscriptionId}/attempts`, subscriberKey)
          .expect(200);
        return (response.body as unknown[]).length > 0 ? response : undefined;
      },
      30_000,
    );
    expect(attempts.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'delivered', statusCode: 204 })]),
    );
  });

  it('test-sends, and keeps another key away from the subscription', async () => {
    const res = await sut
      .post(`/api/webhooks/${subscriptionId}/test`, {}, subscriberKey)
      .expect(200);
    expect(res.body).toMatchObject({ outcome: 'delivered', statusCode: 204 });
    const last = receiver.received.at(-1)!;
    expect(
      new Webhook(secret).verify(last.body, last.headers as Record<string, string>),
    ).toMatchObject({
      type: 'webhook.test',
    });
    const other = await sut
      .post('/api/keys', { name: 'other', role: 'subscriber', storeIds: ['demo'] })
      .expect(201);
    await sut.get(`/api/webhooks/${subscriptionId}`, other.body.key as string).expect(404);
    await sut.get('/api/stores', subscriberKey).expect(403);
  });

  it('documents each payload in OpenAPI', async () => {
    const doc = await request(sut.hub.url).get('/api/docs-json').expect(200);
    expect(doc.body.components.schemas['WebhookPayload.sensor.online']).toMatchObject({
      properties: {
        type: { enum: ['sensor.online'] },
        data: { required: expect.arrayContaining(['storeId']) },
      },
    });
    expect(doc.body.paths['/api/webhooks']).toBeDefined();
  });
});
