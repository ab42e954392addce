import { FakeClock } from '@aisle/sdk/testing';
import type { AisleEvent } from '@aisle/sdk';
import { TEST_NOTICE } from '../support/policies.js';
import { eventually, startTestHub, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { DataSource } from 'typeorm';
import { AggregationService, EventBus, MemberPresenceService, StoreDirectory } from '@aisle/core';

/**
 * The coupon module end to end: offers only for members with marketing consent, reported by the
 * member's own app; sensitive zones refused on save and forgotten at run time; caps, quiet period
 * and every decision in the audit log.
 */
describe('coupons for loyalty members', () => {
  const STORE = 'cafe';
  const clock = new FakeClock(Date.UTC(2026, 2, 2, 9, 0, 0)); // a Monday, 10:00 in Berlin
  let sut: TestHub;
  let loyaltyHooks: WebhookReceiver;
  let subscriberHooks: WebhookReceiver;
  let loyaltySubscription: string;
  let subscriber: string;
  let loyalty: string;
  let marketingMember: string;
  let plainMember: string;

  const square = (x: number, y: number) => [
    { x, y },
    { x: x + 4, y },
    { x: x + 4, y: y + 4 },
    { x, y: y + 4 },
  ];
  const coffeeRule = {
    id: 'coffee-dwell',
    why: 'You spent a while in our coffee aisle',
    trigger: { type: 'zone-dwell', zoneId: 'coffee', minDwellSeconds: 60 },
    offer: { title: '10% off coffee', code: 'COFFEE10', validHours: 48 },
  };
  const policy = (rules: object[]) => ({
    mode: 'in-visit',
    notice: TEST_NOTICE,
    coupons: { enabled: true, unsubscribeUrl: 'https://example.com/offers/off', rules },
  });
  const presence = (memberId: string, body: object) =>
    sut.post(`/api/members/${memberId}/presence`, { storeId: STORE, ...body }, loyalty).expect(200);
  const issued = (memberId: string): AisleEvent<'coupon.issued'>[] =>
    sut.events
      .filter((e): e is AisleEvent<'coupon.issued'> => e.type === 'coupon.issued')
      .filter((e) => e.data.memberId === memberId);
  const auditOf = async (memberId: string) =>
    (await sut.get('/api/audit').expect(200)).body.filter(
      (a: { subject: string; action: string }) =>
        a.subject === `member:${memberId}` && a.action.startsWith('coupon.'),
    ) as { action: string; detail: { reason?: string; ruleId?: string } }[];

  beforeAll(async () => {
    loyaltyHooks = await startWebhookReceiver();
    subscriberHooks = await startWebhookReceiver();
    sut = await startTestHub({ clock, env: { AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
    // The test drives the dwell evaluation itself (tick), so jumping days ahead queues nothing.
    await sut.hub.get(MemberPresenceService).stop();
    await sut.hub.get(AggregationService).stop(); // nor does it queue days of rollup flushes
    await sut
      .post('/api/stores', {
        id: STORE,
        name: 'Corner café',
        timezone: 'Europe/Berlin',
        width: 20,
        height: 10,
        policy: { mode: 'in-visit', notice: TEST_NOTICE },
      })
      .expect(201);
    await sut
      .post(`/api/stores/${STORE}/zones`, {
        id: 'coffee',
        name: 'Coffee',
        polygon: square(1, 1),
        tags: ['aisle'],
      })
      .expect(201);
    await sut
      .post(`/api/stores/${STORE}/zones`, {
        id: 'pharmacy',
        name: 'Pharmacy',
        polygon: square(10, 1),
        tags: ['pharmacy'],
      })
      .expect(201);
    await sut.patch(`/api/stores/${STORE}`, { policy: policy([coffeeRule]) }).expect(200);
    loyalty = (
      await sut
        .post('/api/keys', { name: 'loyalty', role: 'loyalty', storeIds: [STORE] })
        .expect(201)
    ).body.key as string;
    loyaltySubscription = (
      await sut
        .post(
          '/api/webhooks',
          { url: loyaltyHooks.url, eventTypes: ['coupon.issued', 'notice.entry'] },
          loyalty,
        )
        .expect(201)
    ).body.subscription.id as string;
    subscriber = (
      await sut
        .post('/api/keys', { name: 'analytics', role: 'subscriber', storeIds: [STORE] })
        .expect(201)
    ).body.key as string;
    await sut
      .post('/api/webhooks', { url: subscriberHooks.url, eventTypes: ['visit.ended'] }, subscriber)
      .expect(201);
    marketingMember = (
      await sut
        .post('/api/members', { appIdentity: 'app-1', consents: ['marketing'] }, loyalty)
        .expect(201)
    ).body.id as string;
    plainMember = (
      await sut.post('/api/members', { appIdentity: 'app-2', consents: [] }, loyalty).expect(201)
    ).body.id as string;
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await loyaltyHooks?.close();
    await subscriberHooks?.close();
  });

  it('refuses the member-id events to a plain subscriber, naming the event type', async () => {
    const refused = await sut
      .post(
        '/api/webhooks',
        { url: subscriberHooks.url, eventTypes: ['visit.ended', 'coupon.issued'] },
        subscriber,
      )
      .expect(400);
    expect(refused.body.errors).toEqual([
      {
        field: 'eventTypes[1]',
        value: 'coupon.issued',
        message: expect.stringMatching(/^coupon\.issued carries the loyalty member id/),
      },
    ]);
  });

  it('refuses a rule on a sensitive zone when the policy is saved, naming the field', async () => {
    const refused = await sut
      .patch(`/api/stores/${STORE}`, {
        policy: policy([
          coffeeRule,
          {
            id: 'pharmacy-entry',
            why: 'You visited our pharmacy counter',
            trigger: { type: 'zone-entered', zoneId: 'pharmacy' },
            offer: { title: 'Vitamins' },
          },
        ]),
      })
      .expect(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        field: 'policy.coupons.rules[1].trigger.zoneId',
        message: expect.stringMatching(/sensitive zone/),
      }),
    ]);
  });

  it('refuses to tag a zone sensitive while a coupon rule names it', async () => {
    const put = await sut
      .put(`/api/stores/${STORE}/zones/coffee`, {
        name: 'Coffee',
        polygon: square(1, 1),
        tags: ['sensitive'],
      })
      .expect(400);
    expect(put.body.errors).toEqual([
      expect.objectContaining({ field: 'tags', message: expect.stringMatching(/coupon rule/) }),
    ]);
    await sut.delete(`/api/stores/${STORE}/zones/coffee`).expect(400);
  });

  it('shows the notice on entry and issues an offer after the dwell, with why and unsubscribe', async () => {
    await presence(marketingMember, { type: 'store-entered' });
    const notice = sut.events.find(
      (e) =>
        e.type === 'notice.entry' && (e.data as { memberId: string }).memberId === marketingMember,
    );
    expect(notice).toMatchObject({
      storeId: STORE,
      data: {
        noticeUrl: `/notice/${STORE}`,
        optOutUrl: '/opt-out',
        controllerName: TEST_NOTICE.controllerName,
        trackingMode: 'in-visit',
        trackingActive: true,
      },
    });
    await presence(marketingMember, { type: 'zone-entered', zoneId: 'coffee' });
    clock.advance(30_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(issued(marketingMember)).toEqual([]);
    clock.advance(31_000);
    await sut.hub.get(MemberPresenceService).tick();
    const [coupon] = issued(marketingMember);
    expect(coupon?.data).toMatchObject({
      ruleId: 'coffee-dwell',
      offer: { title: '10% off coffee', code: 'COFFEE10' },
      why: 'You spent a while in our coffee aisle',
      unsubscribeUrl: 'https://example.com/offers/off',
      expiresAt: clock.now() + 48 * 3_600_000,
    });
    const listed = await sut.get(`/api/members/${marketingMember}/coupons`, loyalty).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: coupon?.data.couponId })]);
    expect(await auditOf(marketingMember)).toEqual([
      expect.objectContaining({
        action: 'coupon.issued',
        detail: expect.objectContaining({ ruleId: 'coffee-dwell' }),
      }),
    ]);

    // The webhook row was written once, with the offer; only the loyalty provider gets it.
    const rows = await sut.hub
      .get(DataSource)
      .query<{ subscription_id: string }[]>(
        `SELECT subscription_id FROM webhook_messages WHERE event_id = $1`,
        [coupon?.id],
      );
    expect(rows).toEqual([{ subscription_id: loyaltySubscription }]);
    const delivered = await eventually('coupon.issued at the loyalty provider', () =>
      loyaltyHooks.received.find((r) => r.body.includes(coupon?.data.couponId ?? '?')),
    );
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'coupon.issued',
      data: { memberId: marketingMember, couponId: coupon?.data.couponId },
    });
    expect(loyaltyHooks.received.some((r) => r.body.includes('"notice.entry"'))).toBe(true);
    expect(subscriberHooks.received.filter((r) => r.body.includes(marketingMember))).toEqual([]);
  });

  it('decides a rule once per visit: staying longer or coming back to the zone issues nothing more', async () => {
    clock.advance(120_000);
    await sut.hub.get(MemberPresenceService).tick();
    await presence(marketingMember, { type: 'zone-exited' });
    await presence(marketingMember, { type: 'zone-entered', zoneId: 'coffee' });
    clock.advance(120_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(issued(marketingMember)).toHaveLength(1);
    await presence(marketingMember, { type: 'store-left' });
  });

  it('never sends an offer to a member without marketing consent, and audits the denial', async () => {
    await presence(plainMember, { type: 'store-entered' });
    await presence(plainMember, { type: 'zone-entered', zoneId: 'coffee' });
    clock.advance(90_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(issued(plainMember)).toEqual([]);
    expect(await auditOf(plainMember)).toEqual([
      expect.objectContaining({
        action: 'coupon.denied',
        detail: expect.objectContaining({ reason: 'the member has not given marketing consent' }),
      }),
    ]);
    await presence(plainMember, { type: 'store-left' });
  });

  it('anonymous sightings and zone events never trigger an offer', async () => {
    const before = sut.events.filter((e) => e.type === 'coupon.issued').length;
    sut.hub.get(EventBus).publish('zone.entered', STORE, {
      subject: 'a'.repeat(32),
      visitId: 'v-anon',
      zoneId: 'coffee',
      enteredAt: clock.now() - 600_000,
    });
    sut.hub.get(EventBus).publish('zone.exited', STORE, {
      subject: 'a'.repeat(32),
      visitId: 'v-anon',
      zoneId: 'coffee',
      enteredAt: clock.now() - 600_000,
      exitedAt: clock.now(),
      dwellSeconds: 600,
    });
    clock.advance(10_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(sut.events.filter((e) => e.type === 'coupon.issued')).toHaveLength(before);
  });

  it('forgets presence in a sensitive zone: no decision, nothing audited about it', async () => {
    clock.advance(25 * 3_600_000);
    await presence(marketingMember, { type: 'store-entered' });
    const res = await presence(marketingMember, { type: 'zone-entered', zoneId: 'pharmacy' });
    expect(res.body.decisions).toEqual([]);
    clock.advance(600_000);
    await sut.hub.get(MemberPresenceService).tick();
    const audits = await sut.get('/api/audit').expect(200);
    expect(JSON.stringify(audits.body)).not.toMatch(/pharmacy/);
  });

  it('caps at one a day, and keeps quiet after a dismissal', async () => {
    await presence(marketingMember, { type: 'zone-entered', zoneId: 'coffee' });
    clock.advance(61_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(issued(marketingMember)).toHaveLength(2); // a new day, a new visit
    const second = issued(marketingMember)[1]!;
    await sut
      .post(`/api/members/${marketingMember}/coupons/${second.data.couponId}/dismiss`, {}, loyalty)
      .expect(200);
    await presence(marketingMember, { type: 'store-left' });

    clock.advance(25 * 3_600_000); // a day later: the daily cap allows, the quiet period does not
    await presence(marketingMember, { type: 'store-entered' });
    await presence(marketingMember, { type: 'zone-entered', zoneId: 'coffee' });
    clock.advance(61_000);
    await sut.hub.get(MemberPresenceService).tick();
    expect(issued(marketingMember)).toHaveLength(2);
    const denials = (await auditOf(marketingMember)).filter((a) => a.action === 'coupon.denied');
    expect(denials.map((d) => d.detail.reason)).toEqual([expect.stringMatching(/quiet period/)]);
    await presence(marketingMember, { type: 'store-left' });
  });

  it('validates presence reports, naming the field', async () => {
    const bad = await sut
      .post(
        `/api/members/${marketingMember}/presence`,
        { storeId: STORE, type: 'teleported', zoneId: 7 },
        loyalty,
      )
      .expect(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'type',
      'zoneId',
    ]);
    await sut
      .post(
        `/api/members/${marketingMember}/presence`,
        { storeId: 'elsewhere', type: 'store-entered' },
        loyalty,
      )
      .expect(403);
  });

  // Twice 3 days of fake time: the clock runs every per-minute job of the hub on the way (~3 s
  // alone, over 30 s when the whole suite shares 2 CPUs).
  it('links visits only with analytics-linking consent: an n-th visit offer, forgotten on withdrawal', async () => {
    await sut
      .patch(`/api/stores/${STORE}`, {
        policy: policy([
          coffeeRule,
          {
            id: 'second-visit',
            why: 'This is your second visit: welcome back',
            trigger: { type: 'nth-visit', visit: 2 },
            offer: { title: 'Free espresso' },
          },
        ]),
      })
      .expect(200);
    await sut.hub.get(StoreDirectory).reload();
    const linked = (
      await sut
        .post(
          '/api/members',
          { appIdentity: 'app-3', consents: ['marketing', 'analytics-linking'] },
          loyalty,
        )
        .expect(201)
    ).body.id as string;
    await presence(linked, { type: 'store-entered' });
    await presence(linked, { type: 'store-left' });
    expect(issued(linked)).toEqual([]);
    clock.advance(3 * 24 * 3_600_000);
    const second = await presence(linked, { type: 'store-entered' });
    expect(second.body.decisions).toEqual([
      {
        ruleId: 'second-visit',
        outcome: 'issued',
        reason: 'This is your second visit: welcome back',
      },
    ]);
    expect(issued(linked)).toHaveLength(1);
    const exported = await sut.get(`/api/members/${linked}/export`, loyalty).expect(200);
    expect(exported.body.visits).toHaveLength(2);

    await sut.delete(`/api/members/${linked}/consents/analytics-linking`, loyalty).expect(200);
    const after = await sut.get(`/api/members/${linked}/export`, loyalty).expect(200);
    expect(after.body.visits).toEqual([]);
    clock.advance(3 * 24 * 3_600_000);
    const third = await presence(linked, { type: 'store-entered' });
    expect(third.body.decisions).toEqual([
      expect.objectContaining({
        ruleId: 'second-visit',
        outcome: 'denied',
        reason: expect.stringMatching(/analytics-linking consent/),
      }),
    ]);
  }, 120_000);

  it('exports the offers with the member and erases them with the member', async () => {
    const exported = await sut.get(`/api/members/${marketingMember}/export`, loyalty).expect(200);
    expect(exported.body.coupons).toHaveLength(2);
    expect(exported.body.visits).toEqual([]); // no analytics-linking consent: visits not kept
    await sut.delete(`/api/members/${marketingMember}`, loyalty).expect(204);
    const rows = await sut.hub
      .get(DataSource)
      .query<{ n: number }[]>('SELECT count(*)::int AS n FROM coupon_issues WHERE member_id = $1', [
        marketingMember,
      ]);
    expect(rows[0]?.n).toBe(0);
  });
});
