import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { openTestDatabase, type TestDatabase } from '@aisle/persistence';
import type { AisleEvent } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';
import {
  AUTO_DISABLE_AFTER_MS,
  CLAIM_LEASE_MS,
  WebhookDispatcher,
  type DisabledNotice,
} from './dispatcher.js';
import { HttpDeliverer } from './http-delivery.js';
import { WebhookOutbox } from './outbox.js';
import { PgOutboxChannel } from './pg-channel.js';
import { RETRY_DELAYS_MS } from './retry.js';
import { AllowList } from './ssrf.js';
import { WebhookSubscriptions, type WebhookOwner } from './subscriptions.js';

const admin: WebhookOwner = { keyId: 'admin', admin: true, storeIds: [] };
const allow = AllowList.parse('127.0.0.1');

let seq = 0;
function sensorOnline(clock: FakeClock, storeId = 'demo'): AisleEvent<'sensor.online'> {
  seq += 1;
  return {
    id: `evt_${seq}`,
    type: 'sensor.online',
    storeId,
    at: clock.now(),
    data: { sensorId: `s-${seq}`, domain: 'aisle-mqtt' },
  };
}

describe(WebhookDispatcher.name, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let clock: FakeClock;
  let subscriptions: WebhookSubscriptions;
  let outbox: WebhookOutbox;
  let receivers: WebhookReceiver[];
  let dispatchers: WebhookDispatcher[];
  let disabled: DisabledNotice[];

  function dispatcher(options: { perSubscription?: number } = {}): WebhookDispatcher {
    const sut = new WebhookDispatcher({
      dataSource,
      clock,
      deliverer: new HttpDeliverer({ allow, timeoutMs: 15_000 }),
      random: () => 0.5,
      pollIntervalMs: 0,
      outbox,
      onDisabled: (n) => disabled.push(n),
      ...options,
    });
    dispatchers.push(sut);
    return sut;
  }

  async function receiver(
    ...args: Parameters<typeof startWebhookReceiver>
  ): Promise<WebhookReceiver> {
    const r = await startWebhookReceiver(...args);
    receivers.push(r);
    return r;
  }

  async function subscribe(url: string, storeIds: string[] = []) {
    return subscriptions.create({ url, eventTypes: ['sensor.online'], storeIds }, admin);
  }

  async function publish(count: number): Promise<AisleEvent[]> {
    const events = Array.from({ length: count }, () => sensorOnline(clock));
    outbox.invalidate();
    await outbox.write(events);
    return events;
  }

  async function statuses(): Promise<Record<string, number>> {
    const rows = await dataSource.query<{ status: string; n: number }[]>(
      'SELECT status, count(*)::int AS n FROM webhook_messages GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = database.dataSource;
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await dataSource.query('DELETE FROM webhook_attempts');
    await dataSource.query('DELETE FROM webhook_messages');
    await dataSource.query('DELETE FROM webhook_subscriptions');
    clock = new FakeClock(Date.now());
    subscriptions = new WebhookSubscriptions({ dataSource, clock, allow });
    outbox = new WebhookOutbox({ dataSource, clock });
    receivers = [];
    dispatchers = [];
    disabled = [];
  });

  afterEach(async () => {
    for (const d of dispatchers) d.kill();
    for (const r of receivers) await r.close();
  });

  it('delivers Standard Webhooks messages that the standardwebhooks package verifies', async () => {
    const target = await receiver();
    const { subscription, secret } = await subscribe(target.url);
    const [event] = await publish(1);
    const sut = dispatcher();

    expect(await sut.runOnce()).toBe(1);

    const [got] = target.received;
    const payload = new Webhook(secret).verify(got!.body, got!.headers as Record<string, string>);
    expect(payload).toEqual({
      type: 'sensor.online',
      version: 1,
      timestamp: new Date(event!.at).toISOString(),
      data: {
        storeId: 'demo',
        sensorId: (event as AisleEvent<'sensor.online'>).data.sensorId,
        domain: 'aisle-mqtt',
      },
    });
    expect(got!.headers['webhook-id']).toMatch(/^msg_/);
    const attempts = await subscriptions.attempts(subscription.id, admin);
    expect(attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'delivered',
        statusCode: 204,
        latencyMs: expect.any(Number),
      }),
    ]);
    expect(await statuses()).toEqual({ delivered: 1 });
  });

  it('retries on the schedule with the same webhook-id, gives up after 8 attempts, and replays', async () => {
    const target = await receiver({ reply: (_r, res) => void res.writeHead(500).end('boom') });
    const { subscription } = await subscribe(target.url);
    await publish(1);
    const sut = dispatcher();

    expect(await sut.runOnce()).toBe(1); // immediately
    for (const delay of RETRY_DELAYS_MS) {
      clock.advance(delay - 1);
      expect(await sut.runOnce()).toBe(0); // not yet due
      clock.advance(1);
      expect(await sut.runOnce()).toBe(1);
    }
    clock.advance(100 * 3_600_000);
    expect(await sut.runOnce()).toBe(0);
    expect(target.received).toHaveLength(8);
    expect(new Set(target.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const [message] = await subscriptions.messages(subscription.id, admin);
    expect(message).toMatchObject({
      status: 'failed',
      attempts: 8,
      lastError: 'http-error 500: boom',
    });
    const attempts = await subscriptions.attempts(subscription.id, admin, {
      messageId: message!.id,
    });
    expect(attempts.map((a) => a.attempt)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(attempts[0]).toMatchObject({ statusCode: 500, responseExcerpt: 'boom' });

    target.reply = (_r, res) => void res.writeHead(200).end('ok');
    expect(
      await subscriptions.replayFailedSince(subscription.id, clock.now() - 365 * 86_400_000, admin),
    ).toBe(1);
    expect(await sut.runOnce()).toBe(1);
    expect(target.received.at(-1)?.headers['webhook-id']).toBe(message!.id);
    expect(await statuses()).toEqual({ delivered: 1 });

    await subscriptions.replayMessage(subscription.id, message!.id, admin);
    expect(await sut.runOnce()).toBe(1);
    expect(target.received).toHaveLength(10);
  });

  it('honours Retry-After on 429 and counts a redirect as a failure', async () => {
    const target = await receiver({
      reply: (_r, res) => void res.writeHead(429, { 'retry-after': '120' }).end(),
    });
    await subscribe(target.url);
    await publish(1);
    const sut = dispatcher();
    await sut.runOnce();
    clock.advance(119_000);
    expect(await sut.runOnce()).toBe(0);
    target.reply = (_r, res) => void res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
    clock.advance(1000);
    expect(await sut.runOnce()).toBe(1);
    expect(await statuses()).toEqual({ pending: 1 });
    const [attempt] = await dataSource.query<{ outcome: string; status_code: number }[]>(
      'SELECT outcome, status_code FROM webhook_attempts ORDER BY id DESC LIMIT 1',
    );
    expect(attempt).toEqual({ outcome: 'redirect', status_code: 302 });
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const target = await receiver({ reply: (_r, res) => void res.writeHead(410).end() });
    const { subscription } = await subscribe(target.url);
    await publish(2);
    const sut = dispatcher({ perSubscription: 1 });
    await sut.runOnce();
    expect(await subscriptions.get(subscription.id, admin)).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });
    expect(disabled).toEqual([
      expect.objectContaining({ subscriptionId: subscription.id, reason: 'gone' }),
    ]);
    expect(await sut.runOnce()).toBe(0); // the other message waits for re-enabling
  });

  it('writes endpoint.disabled in the transaction that disables the subscription', async () => {
    const watcher = await receiver();
    await subscriptions.create({ url: watcher.url, eventTypes: ['endpoint.disabled'] }, admin);
    const target = await receiver({ reply: (_r, res) => void res.writeHead(410).end() });
    const { subscription } = await subscribe(target.url);
    await publish(1);
    const events: string[] = [];
    const sut = new WebhookDispatcher({
      dataSource,
      clock,
      deliverer: new HttpDeliverer({ allow }),
      pollIntervalMs: 0,
      outbox,
      onDisabled: (_n, event) => events.push(event.id),
    });
    dispatchers.push(sut);
    await sut.runOnce();
    const rows = await dataSource.query<{ event_id: string; body: string }[]>(
      `SELECT event_id, body FROM webhook_messages WHERE event_type = 'endpoint.disabled'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event_id).toBe(events[0]);
    expect(JSON.parse(rows[0]!.body)).toMatchObject({
      data: { subscriptionId: subscription.id, reason: 'gone' },
    });
    await sut.runOnce();
    expect(JSON.parse(watcher.received[0]!.body)).toMatchObject({ type: 'endpoint.disabled' });
  });

  it('delivers rows handed over at commit at once, without a poll', async () => {
    const target = await receiver();
    await subscribe(target.url);
    const sut = dispatcher();
    const live = new WebhookOutbox({ dataSource, clock, onWritten: (m) => sut.offer(m) });
    sut.start();
    live.handle(sensorOnline(clock));
    await live.close();
    await waitFor(() => target.received.length === 1, 2000);
    await sut.stop();
    expect(await statuses()).toEqual({ delivered: 1 });
  });

  // PostgreSQL only: one process owns a PGlite database, there is no other hub to wake.
  (process.env.DATABASE_URL ? it : it.skip)(
    'on PostgreSQL, wakes the dispatcher of another hub with NOTIFY (and ignores its own)',
    async () => {
      const url = process.env.DATABASE_URL!;
      const target = await receiver();
      await subscribe(target.url);
      const other = dispatcher();
      let otherWakes = 0;
      let ownWakes = 0;
      const theirs = await PgOutboxChannel.open({
        dataSource,
        url,
        onWake: () => {
          otherWakes += 1;
          other.wake();
        },
      });
      const ours = await PgOutboxChannel.open({ dataSource, url, onWake: () => (ownWakes += 1) });
      try {
        other.start();
        await waitFor(() => !(other as unknown as { pumping: boolean }).pumping, 2000);
        await publish(3); // written, not handed to `other`: only a wake makes it look
        await ours.notify();
        await waitFor(() => target.received.length === 3, 3000);
        expect(otherWakes).toBe(1);
        expect(ownWakes).toBe(0);
        await other.stop();
      } finally {
        await theirs.close();
        await ours.close();
      }
    },
  );

  it('disables an endpoint after 5 days of failures, announcing it', async () => {
    const target = await receiver({ reply: (_r, res) => void res.writeHead(503).end() });
    const { subscription } = await subscribe(target.url);
    const sut = dispatcher();
    const started = clock.now();
    // A new event every 6 hours keeps failing; the first failure starts the clock.
    while (clock.now() - started < AUTO_DISABLE_AFTER_MS + 6 * 3_600_000 && disabled.length === 0) {
      await publish(1);
      await sut.drain();
      clock.advance(6 * 3_600_000);
    }
    expect(disabled).toEqual([
      { subscriptionId: subscription.id, reason: 'failing', failingSince: started },
    ]);
    expect(await subscriptions.get(subscription.id, admin)).toMatchObject({
      enabled: false,
      disabledReason: 'failing',
    });
  });

  it('signs with both secrets for 24 h after a rotation', async () => {
    const target = await receiver();
    const { subscription, secret: oldSecret } = await subscribe(target.url);
    const { secret: newSecret } = await subscriptions.rotateSecret(subscription.id, admin);
    await publish(1);
    const sut = dispatcher();
    await sut.runOnce();
    const first = target.received[0]!;
    const headers = first.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(first.body, headers)).toBeTruthy();
    expect(new Webhook(newSecret).verify(first.body, headers)).toBeTruthy();

    clock.advance(24 * 3_600_000 + 1);
    await publish(1);
    await sut.runOnce();
    expect((target.received[1]!.headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
  });

  describe('reliability (real receivers on 127.0.0.1)', () => {
    it('receiver down then up: every event delivered, none lost', async () => {
      const probe = await startWebhookReceiver();
      const port = probe.port;
      await probe.close(); // nothing listens there now
      await subscribe(`http://127.0.0.1:${port}/hook`);
      const events = await publish(40);
      const sut = dispatcher({ perSubscription: 8 });
      expect(await sut.drain()).toBe(40);
      expect(await statuses()).toEqual({ pending: 40 });

      const target = await receiver({ port });
      clock.advance(RETRY_DELAYS_MS[0] * 1.2);
      await sut.drain();

      expect(await statuses()).toEqual({ delivered: 40 });
      const delivered = target.received.map(
        (r) => (JSON.parse(r.body) as { data: { sensorId: string } }).data.sensorId,
      );
      expect(new Set(delivered)).toEqual(
        new Set(events.map((e) => (e as AisleEvent<'sensor.online'>).data.sensorId)),
      );
    });

    it('dispatcher killed mid-delivery and restarted: nothing lost, duplicates only as retries with the same webhook-id', async () => {
      let hang = true;
      const target = await receiver({
        reply: (_r, res) => {
          if (!hang) res.writeHead(204).end();
          // while hanging: no answer, as if the core died before reading it
        },
      });
      await subscribe(target.url);
      await publish(10);
      const first = dispatcher({ perSubscription: 4 });
      void first.runOnce();
      await waitFor(() => target.received.length === 4);
      first.kill();

      hang = false;
      const second = dispatcher({ perSubscription: 4 });
      await second.drain(); // the 6 never claimed
      expect(await statuses()).toEqual({ delivered: 6, pending: 4 });
      clock.advance(CLAIM_LEASE_MS);
      await second.drain(); // the 4 whose lease ran out

      expect(await statuses()).toEqual({ delivered: 10 });
      const ids = target.received.map((r) => r.headers['webhook-id'] as string);
      const messages = await dataSource.query<{ id: string }[]>('SELECT id FROM webhook_messages');
      expect(new Set(ids)).toEqual(new Set(messages.map((m) => m.id)));
      expect(ids).toHaveLength(14); // 4 sent twice, under the same id
    });

    it('a slow receiver does not block the others', async () => {
      const slow = await receiver({
        // Long enough that a loaded machine (2 CPUs shared by the whole suite) still tells
        // "not blocked" from "slow".
        reply: (_r, res) => void setTimeout(() => res.writeHead(204).end(), 8000),
      });
      const fast = await receiver();
      await subscribe(slow.url);
      await subscribe(fast.url);
      await publish(20);
      const sut = dispatcher({ perSubscription: 2 });
      sut.start();

      await waitFor(() => fast.received.length === 20, 7000);
      expect(slow.received.length).toBeLessThanOrEqual(2);
      await sut.stop();
    });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
