import type { DataSource } from 'typeorm';
import { ApiKeyEntity, openTestDatabase, type TestDatabase } from '@aisle/persistence';
import type { AisleEvent } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import type { OfferedMessage } from './dispatcher.js';
import { WebhookInputError } from './errors.js';
import { WebhookOutbox } from './outbox.js';
import { AllowList } from './ssrf.js';
import { WebhookSubscriptions, type WebhookOwner } from './subscriptions.js';

const allow = AllowList.parse('127.0.0.1');
const URL_ = 'http://127.0.0.1:9/hook';

let seq = 0;
function couponIssued(clock: FakeClock): AisleEvent<'coupon.issued'> {
  seq += 1;
  return {
    id: `evt_c${seq}`,
    type: 'coupon.issued',
    storeId: 'demo',
    at: clock.now(),
    data: {
      memberId: 'mem_1',
      couponId: `cpn_${seq}`,
      ruleId: 'coffee',
      offer: { title: '10% off' },
      expiresAt: clock.now() + 3_600_000,
      why: 'you like coffee',
      unsubscribeUrl: 'https://example.com/off',
    },
  };
}

function noticeEntry(clock: FakeClock): AisleEvent<'notice.entry'> {
  seq += 1;
  return {
    id: `evt_n${seq}`,
    type: 'notice.entry',
    storeId: 'demo',
    at: clock.now(),
    data: {
      memberId: 'mem_1',
      noticeUrl: '/notice/demo',
      optOutUrl: '/opt-out',
      controllerName: null,
      purpose: null,
      trackingMode: 'off',
      trackingActive: false,
    },
  };
}

describe(WebhookOutbox.name, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let clock: FakeClock;
  let subscriptions: WebhookSubscriptions;
  let offered: OfferedMessage[];
  let sut: WebhookOutbox;

  const loyalty: WebhookOwner = {
    keyId: 'ak_loyal',
    admin: false,
    storeIds: ['demo'],
    loyalty: true,
  };
  const subscriber: WebhookOwner = { keyId: 'ak_sub', admin: false, storeIds: ['demo'] };
  const admin: WebhookOwner = { keyId: 'ak_admin', admin: true, storeIds: [] };

  async function rows(
    eventType?: string,
  ): Promise<{ subscription_id: string; event_id: string }[]> {
    return dataSource.query(
      `SELECT subscription_id, event_id FROM webhook_messages
       WHERE $1::text IS NULL OR event_type = $1 ORDER BY created_at, id`,
      [eventType ?? null],
    );
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = database.dataSource;
    const keys = dataSource.getRepository(ApiKeyEntity);
    for (const [id, role] of [
      ['ak_loyal', 'loyalty'],
      ['ak_sub', 'subscriber'],
      ['ak_admin', 'admin'],
    ] as const) {
      await keys.insert({
        id,
        name: id,
        role,
        storeIds: ['demo'],
        secretHash: 'x',
        revokedAt: null,
      });
    }
  });
  afterAll(() => database.close());

  beforeEach(async () => {
    await dataSource.query('DELETE FROM webhook_messages');
    await dataSource.query('DELETE FROM webhook_subscriptions');
    clock = new FakeClock(Date.now());
    subscriptions = new WebhookSubscriptions({ dataSource, clock, allow });
    offered = [];
    sut = new WebhookOutbox({ dataSource, clock, onWritten: (m) => offered.push(...m) });
  });
  afterEach(() => sut.close());

  describe('enqueueIn: rows in the transaction of the state change', () => {
    it('a committed transaction leaves exactly one row, handed to the dispatcher after the commit', async () => {
      const { subscription } = await subscriptions.create(
        { url: URL_, eventTypes: ['coupon.issued'] },
        loyalty,
      );
      const event = couponIssued(clock);
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO audit_log (actor, action, detail) VALUES ('t', 'x', '{}')`,
        );
        expect(await sut.enqueueIn(manager, [event])).toBe(1);
        expect(offered).toEqual([]); // not before the commit
      });
      await new Promise((r) => setImmediate(r));
      expect(await rows()).toEqual([{ subscription_id: subscription.id, event_id: event.id }]);
      expect(offered).toEqual([
        { id: expect.stringMatching(/^msg_/), subscriptionId: subscription.id },
      ]);

      // The same event arriving over the bus afterwards is not written a second time.
      sut.handle(event);
      await sut.flush();
      expect(await rows()).toHaveLength(1);
    });

    it('a rolled-back transaction leaves no row and hands nothing over', async () => {
      await subscriptions.create({ url: URL_, eventTypes: ['coupon.issued'] }, loyalty);
      await expect(
        dataSource.transaction(async (manager) => {
          await sut.enqueueIn(manager, [couponIssued(clock)]);
          throw new Error('the offer could not be saved');
        }),
      ).rejects.toThrow('the offer could not be saved');
      await new Promise((r) => setImmediate(r));
      expect(await rows()).toEqual([]);
      expect(offered).toEqual([]);
    });

    it('refuses a manager outside a transaction', async () => {
      await expect(sut.enqueueIn(dataSource.manager, [couponIssued(clock)])).rejects.toThrow(
        /open transaction/,
      );
    });
  });

  describe('bus events', () => {
    it('are batched into the outbox and handed to the dispatcher once committed', async () => {
      const { subscription } = await subscriptions.create(
        { url: URL_, eventTypes: ['sensor.online'] },
        admin,
      );
      for (let i = 0; i < 3; i += 1) {
        sut.handle({
          id: `evt_s${i}`,
          type: 'sensor.online',
          storeId: 'demo',
          at: clock.now(),
          data: { sensorId: `s${i}`, domain: 'x' },
        });
      }
      await sut.flush();
      expect(await rows('sensor.online')).toHaveLength(3);
      expect(offered.map((o) => o.subscriptionId)).toEqual([
        subscription.id,
        subscription.id,
        subscription.id,
      ]);
    });
  });

  describe('member ids (coupon.issued, notice.entry) only for the loyalty provider', () => {
    it('refuses a subscriber (and an admin) asking for them, naming the event type', async () => {
      for (const owner of [subscriber, admin]) {
        const error = await subscriptions
          .create(
            { url: URL_, eventTypes: ['sensor.online', 'coupon.issued', 'notice.entry'] },
            owner,
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WebhookInputError);
        expect((error as WebhookInputError).fields).toEqual([
          {
            field: 'eventTypes[1]',
            value: 'coupon.issued',
            message: expect.stringMatching(
              /^coupon\.issued carries the loyalty member id.*loyalty role/,
            ),
          },
          {
            field: 'eventTypes[2]',
            value: 'notice.entry',
            message: expect.stringMatching(/^notice\.entry carries the loyalty member id/),
          },
        ]);
      }
      const { subscription } = await subscriptions.create(
        { url: URL_, eventTypes: ['sensor.online'] },
        subscriber,
      );
      await expect(
        subscriptions.update(subscription.id, { eventTypes: ['coupon.issued'] }, subscriber),
      ).rejects.toThrow(WebhookInputError);
      // An admin editing the subscriber's subscription cannot add them either.
      await expect(
        subscriptions.update(subscription.id, { eventTypes: ['notice.entry'] }, admin),
      ).rejects.toThrow(WebhookInputError);
    });

    it('never writes them for a subscription whose owner is not a loyalty key', async () => {
      const loyal = await subscriptions.create(
        { url: URL_, eventTypes: ['coupon.issued', 'notice.entry'] },
        loyalty,
      );
      const plain = await subscriptions.create(
        { url: URL_, eventTypes: ['sensor.online'] },
        subscriber,
      );
      // Whatever the row says (an older hub, a direct database edit), the outbox checks the owner.
      await dataSource.query(
        `UPDATE webhook_subscriptions SET event_types = '{coupon.issued,notice.entry}' WHERE id = $1`,
        [plain.subscription.id],
      );
      sut.invalidate();
      sut.handle(noticeEntry(clock));
      await sut.flush();
      await dataSource.transaction((manager) => sut.enqueueIn(manager, [couponIssued(clock)]));
      const written = await rows();
      expect(written).toHaveLength(2);
      expect(new Set(written.map((r) => r.subscription_id))).toEqual(
        new Set([loyal.subscription.id]),
      );
    });
  });
});
