import fc from 'fast-check';
import {
  boundingBox,
  boxAround,
  distance,
  distanceToPolygonEdge,
  isFinitePoint,
  pointInPolygon,
  rectangle,
  type Point,
} from './geometry.js';

const square = rectangle({ minX: 0, minY: 0, maxX: 4, maxY: 4 });
/** An L: the 4 × 4 square without its upper-right 2 × 2 quarter. */
const ell: Point[] = [
  { x: 0, y: 0 },
  { x: 4, y: 0 },
  { x: 4, y: 2 },
  { x: 2, y: 2 },
  { x: 2, y: 4 },
  { x: 0, y: 4 },
];

describe(pointInPolygon.name, () => {
  it.each([
    [{ x: 2, y: 2 }, true],
    [{ x: 0.01, y: 3.99 }, true],
    [{ x: -0.01, y: 2 }, false],
    [{ x: 2, y: 4.01 }, false],
  ])('puts %p inside the square: %p', (point, inside) => {
    expect(pointInPolygon(point, square)).toBe(inside);
  });

  it('follows a concave outline', () => {
    expect(pointInPolygon({ x: 1, y: 3 }, ell)).toBe(true);
    expect(pointInPolygon({ x: 3, y: 1 }, ell)).toBe(true);
    expect(pointInPolygon({ x: 3, y: 3 }, ell)).toBe(false);
  });

  it('finds nothing inside a polygon without vertices', () => {
    expect(pointInPolygon({ x: 0, y: 0 }, [])).toBe(false);
  });

  it('agrees with the box test for any rectangle and any point off its edges', () => {
    const coordinate = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        coordinate,
        coordinate,
        coordinate,
        coordinate,
        coordinate,
        coordinate,
        (x1, x2, y1, y2, x, y) => {
          const box = {
            minX: Math.min(x1, x2),
            maxX: Math.max(x1, x2),
            minY: Math.min(y1, y2),
            maxY: Math.max(y1, y2),
          };
          fc.pre(x !== box.minX && x !== box.maxX && y !== box.minY && y !== box.maxY);
          const inBox = x > box.minX && x < box.maxX && y > box.minY && y < box.maxY;
          expect(pointInPolygon({ x, y }, rectangle(box))).toBe(inBox);
        },
      ),
    );
  });
});

describe(distanceToPolygonEdge.name, () => {
  it('measures to the nearest edge from inside and outside', () => {
    expect(distanceToPolygonEdge({ x: 1, y: 2 }, square)).toBeCloseTo(1, 12);
    expect(distanceToPolygonEdge({ x: 7, y: 2 }, square)).toBeCloseTo(3, 12);
  });

  it('measures to the nearest vertex beyond a corner', () => {
    expect(distanceToPolygonEdge({ x: 7, y: 8 }, square)).toBeCloseTo(5, 12);
  });

  it('measures to the inner corner of a concave outline', () => {
    expect(distanceToPolygonEdge({ x: 3, y: 3 }, ell)).toBeCloseTo(1, 12);
  });

  it('is zero on an edge and Infinity for no vertices', () => {
    expect(distanceToPolygonEdge({ x: 4, y: 1 }, square)).toBe(0);
    expect(distanceToPolygonEdge({ x: 4, y: 1 }, [])).toBe(Infinity);
  });
});

describe(distance.name, () => {
  it('is the Euclidean distance', () => {
    expect(distance({ x: 1, y: 1 }, { x: 4, y: 5 })).toBe(5);
  });
});

describe(isFinitePoint.name, () => {
  it('rejects NaN and infinite coordinates', () => {
    expect(isFinitePoint({ x: 1, y: -2 })).toBe(true);
    expect(isFinitePoint({ x: Number.NaN, y: 0 })).toBe(false);
    expect(isFinitePoint({ x: 0, y: Infinity })).toBe(false);
  });
});

describe(boundingBox.name, () => {
  it('holds every vertex', () => {
    expect(boundingBox(ell)).toEqual({ minX: 0, minY: 0, maxX: 4, maxY: 4 });
    expect(boundingBox([{ x: -1, y: 3 }])).toEqual({ minX: -1, minY: 3, maxX: -1, maxY: 3 });
  });

  it('is empty for no points', () => {
    expect(boundingBox([])).toEqual({
      minX: Infinity,
      minY: Infinity,
      maxX: -Infinity,
      maxY: -Infinity,
    });
  });
});

describe(boxAround.name, () => {
  it('grows the bounding box by the margin', () => {
    expect(boxAround(ell, 1.5)).toEqual({ minX: -1.5, minY: -1.5, maxX: 5.5, maxY: 5.5 });
    expect(boxAround(ell)).toEqual(boundingBox(ell));
  });

  it('is null for no points', () => {
    expect(boxAround([], 1)).toBeNull();
  });
});

describe(rectangle.name, () => {
  it('goes counter-clockwise from the lower-left corner', () => {
    expect(rectangle({ minX: 1, minY: 2, maxX: 3, maxY: 5 })).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 2 },
      { x: 3, y: 5 },
      { x: 1, y: 5 },
    ]);
  });
});
