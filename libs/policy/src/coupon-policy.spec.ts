import { TEST_NOTICE } from '../../../test/support/policies.js';
import { validateCouponPolicy, type ZoneRef } from './coupon-policy.js';
import { validateStorePolicy } from './store-policy.js';

const ZONES: ZoneRef[] = [
  { id: 'coffee', tags: ['aisle'] },
  { id: 'pharmacy', tags: ['pharmacy'] },
  { id: 'fitting', tags: ['fitting-room'] },
  { id: 'clinic', tags: ['sensitive'] },
];

const rule = (extra: object = {}) => ({
  id: 'coffee-dwell',
  why: 'You spent a while in our coffee aisle',
  trigger: { type: 'zone-dwell', zoneId: 'coffee', minDwellSeconds: 60 },
  offer: { title: '10% off coffee' },
  ...extra,
});

const coupons = (extra: object = {}) => ({
  enabled: true,
  unsubscribeUrl: 'https://example.com/offers/off',
  rules: [rule()],
  ...extra,
});

describe(validateCouponPolicy.name, () => {
  it('is off with the default caps when absent', () => {
    const { coupons: sut, errors } = validateCouponPolicy(undefined);
    expect(errors).toEqual([]);
    expect(sut).toMatchObject({
      enabled: false,
      quietPeriodHours: 72,
      caps: { perVisit: 1, perDay: 1, perWeek: 3 },
      rules: [],
    });
  });

  it('accepts a rule on an ordinary zone and fills in defaults', () => {
    const { coupons: sut, errors } = validateCouponPolicy(coupons(), ZONES);
    expect(errors).toEqual([]);
    expect(sut.rules[0]).toMatchObject({ id: 'coffee-dwell', enabled: true, hours: [] });
    expect(sut.rules[0]?.offer.validHours).toBe(24);
  });

  it.each(['pharmacy', 'fitting', 'clinic'])(
    'refuses a rule on the sensitive zone %s',
    (zoneId) => {
      for (const type of ['zone-entered', 'zone-dwell']) {
        const { errors } = validateCouponPolicy(
          coupons({ rules: [rule({ trigger: { type, zoneId, minDwellSeconds: 60 } })] }),
          ZONES,
        );
        expect(errors).toEqual([
          expect.objectContaining({
            field: 'coupons.rules[0].trigger.zoneId',
            value: zoneId,
            message: expect.stringMatching(/sensitive zone/),
          }),
        ]);
      }
    },
  );

  it('refuses a rule on a zone the store does not have', () => {
    const { errors } = validateCouponPolicy(
      coupons({ rules: [rule({ trigger: { type: 'zone-entered', zoneId: 'nowhere' } })] }),
      ZONES,
    );
    expect(errors.map((e) => e.field)).toEqual(['coupons.rules[0].trigger.zoneId']);
  });

  it.each([
    ['perVisit', 2],
    ['perDay', 2],
    ['perWeek', 4],
  ])('lets a store lower the caps but never raise %s to %d', (cap, value) => {
    const lowered = validateCouponPolicy(coupons({ caps: { [cap]: 0 } }), ZONES);
    expect(lowered.errors).toEqual([]);
    const { errors } = validateCouponPolicy(coupons({ caps: { [cap]: value } }), ZONES);
    expect(errors).toEqual([
      expect.objectContaining({
        field: `coupons.caps.${cap}`,
        message: expect.stringMatching(/never raise/),
      }),
    ]);
  });

  it('keeps the quiet period at a day or more', () => {
    const { errors } = validateCouponPolicy(coupons({ quietPeriodHours: 2 }), ZONES);
    expect(errors.map((e) => e.field)).toEqual(['coupons.quietPeriodHours']);
  });

  it('needs an unsubscribe link once offers are enabled', () => {
    const { errors } = validateCouponPolicy(coupons({ unsubscribeUrl: undefined }), ZONES);
    expect(errors.map((e) => e.field)).toEqual(['coupons.unsubscribeUrl']);
  });

  it('names every bad field of a rule at once', () => {
    const { errors } = validateCouponPolicy(
      coupons({
        rules: [
          {
            id: 'Bad Id',
            why: 'short',
            trigger: { type: 'zone-dwell', zoneId: 'coffee' },
            offer: {},
            extra: 1,
          },
          rule({ trigger: { type: 'nth-visit' } }),
        ],
      }),
      ZONES,
    );
    expect([...new Set(errors.map((e) => e.field))].sort()).toEqual(
      [
        'coupons.rules[0].extra',
        'coupons.rules[0].id',
        'coupons.rules[0].why',
        'coupons.rules[0].trigger.minDwellSeconds',
        'coupons.rules[0].offer.title',
        'coupons.rules[1].trigger.visit',
      ].sort(),
    );
  });

  it('refuses duplicate rule ids', () => {
    const { errors } = validateCouponPolicy(coupons({ rules: [rule(), rule()] }), ZONES);
    expect(errors.map((e) => e.field)).toEqual(['coupons.rules[1].id']);
  });
});

describe('coupons in the store policy', () => {
  it('needs a complete notice before offers can be enabled, even with tracking off', () => {
    const { errors } = validateStorePolicy({ coupons: coupons() }, { zones: ZONES });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.field.startsWith('notice.'))).toBe(true);
    expect(errors[0]?.message).toMatch(/before offers can be enabled/);
    const ok = validateStorePolicy({ notice: TEST_NOTICE, coupons: coupons() }, { zones: ZONES });
    expect(ok.errors).toEqual([]);
    expect(ok.policy?.coupons.rules).toHaveLength(1);
  });

  it('checks sensitive zones when the zones are given', () => {
    const doc = {
      notice: TEST_NOTICE,
      coupons: coupons({
        rules: [rule({ trigger: { type: 'zone-entered', zoneId: 'pharmacy' } })],
      }),
    };
    expect(validateStorePolicy(doc, { zones: ZONES }).errors).toHaveLength(1);
  });
});
