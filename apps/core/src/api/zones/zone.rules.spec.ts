import { zoneErrors } from './zone.rules.js';

const floor = { width: 30, height: 20 };
const polygon = [
  { x: 1, y: 1 },
  { x: 5, y: 1 },
  { x: 5, y: 5 },
];

describe('zone rules', () => {
  it('accepts known and free-form lower-case tags', () => {
    expect(zoneErrors({ polygon, tags: ['entrance', 'sensitive', 'promo-7'] }, floor)).toEqual([]);
  });

  it('names each bad tag by index', () => {
    expect(zoneErrors({ polygon, tags: ['ok', 'Checkout', 'two words'] }, floor)).toEqual([
      expect.objectContaining({ field: 'tags[1]', value: 'Checkout' }),
      expect.objectContaining({ field: 'tags[2]', value: 'two words' }),
    ]);
  });

  it('checks the polygon against the floor plan', () => {
    expect(zoneErrors({ polygon: [...polygon, { x: 1, y: 21 }] }, floor)).toEqual([
      expect.objectContaining({ field: 'polygon[3].y', value: 21 }),
    ]);
  });
});
