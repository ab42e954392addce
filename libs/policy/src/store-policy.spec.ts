import { TEST_NOTICE as COMPLETE_NOTICE } from '../../../test/support/policies.js';
import { REQUIRED_NOTICE_FIELDS } from './notice.js';
import { parseStorePolicy, validateStorePolicy } from './store-policy.js';

describe(validateStorePolicy.name, () => {
  it('an empty policy means tracking off, and needs no notice', () => {
    const sut = parseStorePolicy({});
    expect(sut.tracking.mode).toBe('off');
    expect(parseStorePolicy(undefined).tracking.mode).toBe('off');
  });

  it.each(['count-only', 'in-visit', 'consented'])(
    'refuses mode %s without a notice, naming every missing field',
    (mode) => {
      const { policy, errors } = validateStorePolicy({ mode });
      expect(policy).toBeUndefined();
      expect(errors.map((e) => e.field).sort()).toEqual(
        REQUIRED_NOTICE_FIELDS.map((f) => `notice.${f}`).sort(),
      );
      expect(errors[0]?.message).toMatch(new RegExp(`before tracking can be "${mode}"`));
    },
  );

  it('names only what is missing from a partial notice', () => {
    const { errors } = validateStorePolicy({
      mode: 'in-visit',
      notice: {
        ...COMPLETE_NOTICE,
        dpiaReference: undefined,
        signage: { text: COMPLETE_NOTICE.signage.text },
      },
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'notice.dpiaReference',
      'notice.signage.placement',
    ]);
  });

  it('accepts a complete notice and keeps both parts', () => {
    const sut = parseStorePolicy({ mode: 'in-visit', rotationHours: 12, notice: COMPLETE_NOTICE });
    expect(sut.tracking).toMatchObject({ mode: 'in-visit', rotationHours: 12 });
    expect(sut.notice.controllerName).toBe('Example Retail GmbH');
  });

  it('reports tracking and notice errors together', () => {
    const { errors } = validateStorePolicy({
      mode: 'in-visit',
      rotationHours: 48,
      notice: { ...COMPLETE_NOTICE, noticeUrl: 'not a url', extra: true },
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'notice.extra',
      'notice.noticeUrl',
      'rotationHours',
    ]);
    expect(errors.find((e) => e.field === 'rotationHours')?.value).toBe(48);
  });

  it('refuses a policy that is not an object', () => {
    expect(validateStorePolicy([]).errors[0]?.field).toBe('(root)');
  });
});

describe('retention', () => {
  it('defaults to a day of device data and 400 days of counts', () => {
    expect(parseStorePolicy({}).retention).toEqual({ deviceSightingsHours: 24, countsDays: 400 });
  });

  it('refuses keeping device data longer than a week, naming the field', () => {
    const { errors } = validateStorePolicy({
      retention: { deviceSightingsHours: 169, countsDays: 0 },
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'retention.countsDays',
      'retention.deviceSightingsHours',
    ]);
  });
});

describe('suppression and analytics', () => {
  it('defaults to k = 5, a 5-minute visit gap and no occupancy thresholds', () => {
    const policy = parseStorePolicy({});
    expect(policy.suppression).toEqual({ minSubjects: 5 });
    expect(policy.analytics).toEqual({
      visitGapSeconds: 300,
      minVisitSeconds: 60,
      occupancyThresholds: [],
      zoneOccupancyThresholds: [],
    });
  });

  it('refuses a k below 2 and bad thresholds, naming the fields', () => {
    const { errors } = validateStorePolicy({
      suppression: { minSubjects: 1 },
      analytics: { visitGapSeconds: 5, occupancyThresholds: [10, -1] },
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'analytics.occupancyThresholds',
      'analytics.visitGapSeconds',
      'suppression.minSubjects',
    ]);
  });

  it('keeps chosen values', () => {
    const policy = parseStorePolicy({
      suppression: { minSubjects: 10 },
      analytics: { occupancyThresholds: [20, 40] },
    });
    expect(policy.suppression.minSubjects).toBe(10);
    expect(policy.analytics.occupancyThresholds).toEqual([20, 40]);
  });
});
