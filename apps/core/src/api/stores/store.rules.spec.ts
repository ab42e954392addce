import { floorFitErrors, storeErrors } from './store.rules.js';

describe('store rules', () => {
  it('runs the policy validator when there is one, prefixing fields with policy', () => {
    const validatePolicy = (doc: Record<string, unknown>) =>
      doc['mode'] === 'spy'
        ? [{ field: 'mode', value: 'spy', message: 'must be a known mode' }]
        : [];
    expect(storeErrors({ policy: { mode: 'spy' } }, validatePolicy)).toEqual([
      { field: 'policy.mode', value: 'spy', message: 'must be a known mode' },
    ]);
    expect(storeErrors({ policy: { mode: 'off' } }, validatePolicy)).toEqual([]);
    expect(storeErrors({ policy: { mode: 'spy' } }, undefined)).toEqual([]);
  });

  it('refuses shrinking the floor plan under existing zones and sensors', () => {
    const zones = [
      {
        id: 'z',
        polygon: [
          { x: 1, y: 1 },
          { x: 25, y: 1 },
          { x: 25, y: 5 },
        ],
      },
    ];
    const sensors = [{ id: 's', x: 2, y: 18 }];
    expect(floorFitErrors({ width: 20, height: 10 }, zones, sensors)).toEqual([
      {
        field: 'width',
        value: 20,
        message: 'would leave zone "z" outside the floor plan; move or delete them first',
      },
      {
        field: 'height',
        value: 10,
        message: 'would leave sensor "s" outside the floor plan; move or delete them first',
      },
    ]);
    expect(floorFitErrors({ width: 30, height: 20 }, zones, sensors)).toEqual([]);
  });
});
