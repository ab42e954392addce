import { pointErrors, polygonErrors, segmentsIntersect } from './floor-plan.js';

const floor = { width: 30, height: 20 };
const square = [
  { x: 1, y: 1 },
  { x: 5, y: 1 },
  { x: 5, y: 5 },
  { x: 1, y: 5 },
];

describe('floor plan rules', () => {
  it('accepts points on the border and refuses points outside, naming x and y', () => {
    expect(pointErrors({ x: 0, y: 20 }, floor, 'p')).toEqual([]);
    expect(pointErrors({ x: 30.5, y: -1 }, floor, 'polygon[3]')).toEqual([
      { field: 'polygon[3].x', value: 30.5, message: 'must be within the floor plan (0..30 m)' },
      { field: 'polygon[3].y', value: -1, message: 'must be within the floor plan (0..20 m)' },
    ]);
    expect(pointErrors({ x: 31, y: 1 }, floor, '')[0]?.field).toBe('x');
  });

  it('accepts simple polygons in either direction, convex or not', () => {
    expect(polygonErrors(square, floor)).toEqual([]);
    expect(polygonErrors([...square].reverse(), floor)).toEqual([]);
    const lShape = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 2 },
      { x: 2, y: 2 },
      { x: 2, y: 10 },
      { x: 0, y: 10 },
    ];
    expect(polygonErrors(lShape, floor)).toEqual([]);
  });

  it('refuses a bow tie (crossing edges)', () => {
    const bowTie = [
      { x: 1, y: 1 },
      { x: 5, y: 5 },
      { x: 5, y: 1 },
      { x: 1, y: 5 },
    ];
    expect(polygonErrors(bowTie, floor)).toEqual([
      expect.objectContaining({
        field: 'polygon',
        message: expect.stringMatching(/edge 0→1 crosses edge 2→3.*must not intersect itself/),
      }),
    ]);
  });

  it('refuses a vertex touching a non-adjacent edge', () => {
    const touching = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
      { x: 5, y: 0 },
      { x: 0, y: 10 },
    ];
    expect(polygonErrors(touching, floor)[0]?.message).toMatch(/must not intersect itself/);
  });

  it('refuses repeated points, collinear points and an edge folding back', () => {
    expect(polygonErrors([square[0]!, square[0]!, square[1]!, square[2]!], floor)[0]).toMatchObject(
      {
        field: 'polygon[1]',
        message: expect.stringContaining('repeats point 0'),
      },
    );
    expect(
      polygonErrors(
        [
          { x: 1, y: 1 },
          { x: 2, y: 2 },
          { x: 3, y: 3 },
        ],
        floor,
      )[0]?.message,
    ).toMatch(/must enclose an area/);
    const spike = [
      { x: 1, y: 1 },
      { x: 5, y: 1 },
      { x: 5, y: 5 },
      { x: 5, y: 3 },
      { x: 1, y: 5 },
    ];
    expect(polygonErrors(spike, floor)[0]?.message).toMatch(/fold back|intersect/);
  });

  it('reports every point outside the floor plan at once', () => {
    const outside = [
      { x: -1, y: 1 },
      { x: 40, y: 1 },
      { x: 5, y: 25 },
    ];
    expect(polygonErrors(outside, floor).map((e) => e.field)).toEqual([
      'polygon[0].x',
      'polygon[1].x',
      'polygon[2].y',
    ]);
  });

  it('intersects segments that cross, touch or overlap, not parallel ones', () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(segmentsIntersect(p(0, 0), p(2, 2), p(0, 2), p(2, 0))).toBe(true);
    expect(segmentsIntersect(p(0, 0), p(2, 0), p(2, 0), p(3, 1))).toBe(true);
    expect(segmentsIntersect(p(0, 0), p(3, 0), p(1, 0), p(2, 0))).toBe(true);
    expect(segmentsIntersect(p(0, 0), p(2, 0), p(0, 1), p(2, 1))).toBe(false);
    expect(segmentsIntersect(p(0, 0), p(1, 0), p(2, 0), p(3, 0))).toBe(false);
  });
});
