import { decideCoupons, type CouponDecisionInput } from './coupon-engine.js';
import { validateCouponPolicy, type CouponPolicy } from './coupon-policy.js';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday
const HOUR = 3_600_000;

function policy(extra: object = {}, rules?: object[]): CouponPolicy {
  const { coupons, errors } = validateCouponPolicy({
    enabled: true,
    unsubscribeUrl: 'https://example.com/offers/off',
    rules: rules ?? [
      {
        id: 'coffee-dwell',
        why: 'You spent a while in our coffee aisle',
        trigger: { type: 'zone-dwell', zoneId: 'coffee', minDwellSeconds: 60 },
        offer: { title: '10% off coffee' },
      },
      {
        id: 'bakery-entry',
        why: 'You stopped by our bakery',
        trigger: { type: 'zone-entered', zoneId: 'bakery' },
        offer: { title: 'Free croissant' },
      },
      {
        id: 'third-visit',
        why: 'This is your third visit: thank you',
        trigger: { type: 'nth-visit', visit: 3 },
        offer: { title: '5 EUR voucher' },
      },
    ],
    ...extra,
  });
  expect(errors).toEqual([]);
  return coupons;
}

const ZONE_TAGS = new Map<string, string[]>([
  ['coffee', ['aisle']],
  ['bakery', []],
  ['pharmacy', ['pharmacy']],
]);

function input(extra: Partial<CouponDecisionInput> = {}): CouponDecisionInput {
  return {
    policy: policy(),
    trigger: { type: 'zone-dwell', zoneId: 'coffee', dwellSeconds: 90 },
    at: T0,
    timeZone: 'Europe/Berlin',
    zoneTags: ZONE_TAGS,
    consent: { marketing: true },
    visitId: 'v1',
    issued: [],
    lastDismissedAt: null,
    decidedThisVisit: new Set(),
    ...extra,
  };
}

describe(decideCoupons.name, () => {
  it('issues when the dwell reaches the threshold, with the rule’s reason', () => {
    expect(decideCoupons(input())).toEqual([
      {
        ruleId: 'coffee-dwell',
        outcome: 'issued',
        reason: 'You spent a while in our coffee aisle',
      },
    ]);
  });

  it('does nothing before the dwell threshold or in another zone', () => {
    expect(
      decideCoupons(input({ trigger: { type: 'zone-dwell', zoneId: 'coffee', dwellSeconds: 59 } })),
    ).toEqual([]);
    expect(
      decideCoupons(
        input({ trigger: { type: 'zone-dwell', zoneId: 'bakery', dwellSeconds: 600 } }),
      ),
    ).toEqual([]);
  });

  it('never lets presence in a sensitive zone reach the rules', () => {
    const sensitive = policy({}, [
      {
        id: 'pharmacy-entry',
        why: 'A rule a store could not save, tested in case it ever exists',
        trigger: { type: 'zone-entered', zoneId: 'pharmacy' },
        offer: { title: 'x' },
      },
    ]);
    expect(
      decideCoupons(
        input({ policy: sensitive, trigger: { type: 'zone-entered', zoneId: 'pharmacy' } }),
      ),
    ).toEqual([]);
  });

  it('denies a rule whose zone was tagged sensitive after the rule was saved', () => {
    const tags = new Map(ZONE_TAGS);
    tags.set('bakery', ['aisle']);
    const decisions = decideCoupons(
      input({
        trigger: { type: 'zone-entered', zoneId: 'bakery' },
        zoneTags: new Map([...tags, ['coffee', ['sensitive']]]),
      }),
    );
    expect(decisions).toEqual([
      expect.objectContaining({ ruleId: 'bakery-entry', outcome: 'issued' }),
    ]);
    expect(
      decideCoupons(input({ zoneTags: new Map([...tags, ['coffee', ['sensitive']]]) })),
    ).toEqual([]);
  });

  it('denies without marketing consent, and says so', () => {
    expect(decideCoupons(input({ consent: { marketing: false } }))).toEqual([
      {
        ruleId: 'coffee-dwell',
        outcome: 'denied',
        reason: 'the member has not given marketing consent',
      },
    ]);
  });

  it('denies when the store has not enabled offers', () => {
    expect(decideCoupons(input({ policy: policy({ enabled: false }) }))[0]).toMatchObject({
      outcome: 'denied',
      reason: expect.stringMatching(/not enabled/),
    });
  });

  it('caps at one per visit by default, counting offers issued earlier in the same call', () => {
    const both = policy({}, [
      {
        id: 'a',
        why: 'You stopped by our bakery',
        trigger: { type: 'zone-entered', zoneId: 'bakery' },
        offer: { title: 'a' },
      },
      {
        id: 'b',
        why: 'You stopped by our bakery',
        trigger: { type: 'zone-entered', zoneId: 'bakery' },
        offer: { title: 'b' },
      },
    ]);
    expect(
      decideCoupons(input({ policy: both, trigger: { type: 'zone-entered', zoneId: 'bakery' } })),
    ).toEqual([
      expect.objectContaining({ ruleId: 'a', outcome: 'issued' }),
      { ruleId: 'b', outcome: 'denied', reason: 'cap reached: 1 per visit' },
    ]);
  });

  it('caps at one per day and three per week (rolling)', () => {
    const yesterdayish = [{ at: T0 - 23 * HOUR, visitId: 'v0', ruleId: 'x' }];
    expect(decideCoupons(input({ issued: yesterdayish }))[0]?.reason).toBe(
      'cap reached: 1 per day',
    );
    expect(
      decideCoupons(input({ issued: [{ at: T0 - 25 * HOUR, visitId: 'v0', ruleId: 'x' }] }))[0]
        ?.outcome,
    ).toBe('issued');
    const week = [2, 3, 4].map((d) => ({ at: T0 - d * 24 * HOUR, visitId: `v${d}`, ruleId: 'x' }));
    expect(decideCoupons(input({ issued: week }))[0]?.reason).toBe('cap reached: 3 per week');
    const lowered = policy({ caps: { perWeek: 1 } });
    expect(decideCoupons(input({ policy: lowered, issued: week.slice(0, 1) }))[0]?.reason).toBe(
      'cap reached: 1 per week',
    );
    expect(decideCoupons(input({ policy: policy({ caps: { perVisit: 0 } }) }))[0]?.reason).toBe(
      'cap reached: 0 per visit',
    );
  });

  it('keeps quiet for the quiet period after a dismissal', () => {
    expect(decideCoupons(input({ lastDismissedAt: T0 - 71 * HOUR }))[0]?.reason).toMatch(
      /quiet period/,
    );
    expect(decideCoupons(input({ lastDismissedAt: T0 - 73 * HOUR }))[0]?.outcome).toBe('issued');
  });

  it('decides each rule at most once per visit', () => {
    expect(decideCoupons(input({ decidedThisVisit: new Set(['coffee-dwell']) }))).toEqual([]);
  });

  it('counts visits only with linking consent', () => {
    expect(decideCoupons(input({ trigger: { type: 'visit-started', visitNumber: 3 } }))).toEqual([
      expect.objectContaining({ ruleId: 'third-visit', outcome: 'issued' }),
    ]);
    expect(decideCoupons(input({ trigger: { type: 'visit-started', visitNumber: 2 } }))).toEqual(
      [],
    );
    expect(decideCoupons(input({ trigger: { type: 'visit-started', visitNumber: null } }))).toEqual(
      [
        {
          ruleId: 'third-visit',
          outcome: 'denied',
          reason: 'visit counts need the member’s analytics-linking consent',
        },
      ],
    );
  });

  it('respects a rule’s own hours in the store’s time zone', () => {
    const morning = policy({}, [
      {
        id: 'breakfast',
        why: 'You stopped by our bakery in the morning',
        trigger: { type: 'zone-entered', zoneId: 'bakery' },
        offer: { title: 'x' },
        hours: [{ days: ['mon'], from: '07:00', to: '10:00' }],
      },
    ]);
    const bakery = { type: 'zone-entered', zoneId: 'bakery' } as const;
    // 08:30 UTC is 09:30 in Berlin (winter time): inside; 10:00 UTC is 11:00: outside.
    expect(
      decideCoupons(input({ policy: morning, trigger: bakery, at: T0 - 1.5 * HOUR }))[0]?.outcome,
    ).toBe('issued');
    expect(decideCoupons(input({ policy: morning, trigger: bakery }))[0]?.reason).toBe(
      'outside the rule’s hours',
    );
  });
});

describe('coupon decisions: zone tags × consent × triggers', () => {
  const TAGS: [string, string[], boolean][] = [
    ['untagged', [], false],
    ['aisle', ['aisle'], false],
    ['checkout', ['checkout'], false],
    ['sensitive', ['sensitive'], true],
    ['pharmacy', ['pharmacy'], true],
    ['fitting-room', ['fitting-room'], true],
    ['aisle+pharmacy', ['aisle', 'pharmacy'], true],
  ];
  const rules = [
    {
      id: 'enter',
      why: 'You came into this part of the store',
      trigger: { type: 'zone-entered', zoneId: 'z' },
      offer: { title: 'x' },
    },
    {
      id: 'dwell',
      why: 'You spent a while in this part of the store',
      trigger: { type: 'zone-dwell', zoneId: 'z', minDwellSeconds: 30 },
      offer: { title: 'y' },
    },
  ];
  for (const [name, tags, sensitive] of TAGS) {
    for (const marketing of [true, false]) {
      for (const trigger of [
        { type: 'zone-entered', zoneId: 'z' } as const,
        { type: 'zone-dwell', zoneId: 'z', dwellSeconds: 45 } as const,
      ]) {
        const want = sensitive ? 'nothing' : marketing ? 'issued' : 'denied';
        it(`${name} zone × ${marketing ? 'marketing consent' : 'no consent'} × ${trigger.type}: ${want}`, () => {
          const decisions = decideCoupons(
            input({
              policy: policy({}, rules),
              trigger,
              zoneTags: new Map([['z', tags]]),
              consent: { marketing },
            }),
          );
          if (want === 'nothing') expect(decisions).toEqual([]);
          else expect(decisions.map((d) => d.outcome)).toEqual([want]);
        });
      }
    }
  }
});
