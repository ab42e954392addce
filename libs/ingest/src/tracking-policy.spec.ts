import { InvalidPolicyError, TrackingPolicy, parseTrackingPolicy } from './tracking-policy.js';

describe(parseTrackingPolicy.name, () => {
  it('fills the defaults', () => {
    const sut = parseTrackingPolicy({});
    expect(sut).toBeInstanceOf(TrackingPolicy);
    expect({ ...sut }).toEqual({
      mode: 'in-visit',
      allowedKinds: ['wifi', 'ble', 'camera'],
      rotationHours: 24,
      ignoreRandomizedMacs: false,
      maxClockSkewSeconds: 300,
    });
    expect(sut.minRssi).toBeUndefined();
    expect(parseTrackingPolicy(undefined)).toEqual(sut);
  });

  it('keeps valid settings', () => {
    const sut = parseTrackingPolicy({
      mode: 'count-only',
      allowedKinds: ['camera'],
      rotationHours: 6,
      minRssi: -85,
      ignoreRandomizedMacs: true,
      maxClockSkewSeconds: 30,
    });
    expect(sut).toMatchObject({ mode: 'count-only', allowedKinds: ['camera'], rotationHours: 6 });
    expect(sut.minRssi).toBe(-85);
  });

  it.each([25, 48, 24 * 7])(
    'never lets a key live longer than a day (rotationHours %p)',
    (hours) => {
      expect(() => parseTrackingPolicy({ rotationHours: hours })).toThrow(
        /rotationHours must be at most 24/,
      );
    },
  );

  it('names every bad field at once, with its value', () => {
    let error: unknown;
    try {
      parseTrackingPolicy({
        mode: 'always',
        allowedKinds: ['wifi', 'lidar'],
        rotationHours: 1.5,
        minRssi: 'weak',
        ignoreRandomizedMacs: 'yes',
        maxClockSkewSeconds: -1,
        colour: 'blue',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPolicyError);
    const { fields, message } = error as InvalidPolicyError;
    expect(new Set(fields.map((f) => f.field))).toEqual(
      new Set([
        'mode',
        'allowedKinds',
        'rotationHours',
        'minRssi',
        'ignoreRandomizedMacs',
        'maxClockSkewSeconds',
        'colour',
      ]),
    );
    expect(fields.find((f) => f.field === 'mode')?.value).toBe('always');
    expect(message).toMatch(/^invalid tracking policy: /);
    expect(message).toContain('mode: mode must be one of the following values');
    expect(message).toContain('(got "always")');
  });

  it('refuses a document that is not an object', () => {
    expect(() => parseTrackingPolicy('in-visit')).toThrow('(root): must be an object');
  });
});
