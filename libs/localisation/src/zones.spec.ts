import { assignZone, INITIAL_ZONE_STATE, zoneAt, type ZoneShape, type ZoneState } from './zones.js';

const square = (id: string, x0: number, x1: number): ZoneShape => ({
  id,
  polygon: [
    { x: x0, y: 0 },
    { x: x1, y: 0 },
    { x: x1, y: 10 },
    { x: x0, y: 10 },
  ],
});
const zones = [square('left', 0, 10), square('right', 10, 20)];
const hysteresis = { marginM: 1, dwellMs: 2_000, uncertaintyShare: 0, maxMarginM: 1 };

function run(points: { x: number; at: number }[]): (string | null)[] {
  let state: ZoneState = INITIAL_ZONE_STATE;
  return points.map((p) => {
    state = assignZone({ state, point: { x: p.x, y: 5 }, at: p.at, zones, hysteresis });
    return state.zoneId;
  });
}

describe(assignZone.name, () => {
  it('takes the zone of the first fix at once', () => {
    expect(run([{ x: 15, at: 0 }])).toEqual(['right']);
  });

  it('does not flap for a subject standing still on a boundary with jittering fixes (fake time)', () => {
    const jitter = [0.4, -0.6, 0.8, -0.3, 0.5, -0.9, 0.2, -0.7, 0.6, -0.4];
    const zonesSeen = run(
      Array.from({ length: 120 }, (_, i) => ({
        x: 10 + jitter[i % jitter.length]!,
        at: i * 1_000,
      })),
    );
    const changes = zonesSeen.filter((z, i) => i > 0 && z !== zonesSeen[i - 1]).length;
    expect(changes).toBe(0);
  });

  it('moves to the next zone once the subject is past the margin for the dwell time', () => {
    const zonesSeen = run([
      { x: 5, at: 0 },
      { x: 9.5, at: 1_000 },
      { x: 12, at: 2_000 },
      { x: 13, at: 3_000 },
      { x: 14, at: 4_000 },
      { x: 15, at: 5_000 },
    ]);
    expect(zonesSeen).toEqual(['left', 'left', 'left', 'left', 'right', 'right']);
  });

  it('ignores a single outlying fix in another zone', () => {
    expect(
      run([
        { x: 5, at: 0 },
        { x: 16, at: 1_000 },
        { x: 5, at: 2_000 },
        { x: 5, at: 3_000 },
      ]),
    ).toEqual(['left', 'left', 'left', 'left']);
  });

  it('leaves every zone (null) with the same hysteresis', () => {
    expect(
      run([
        { x: 5, at: 0 },
        { x: 25, at: 1_000 },
        { x: 25, at: 3_500 },
      ]),
    ).toEqual(['left', 'left', null]);
  });

  it('reports the first containing zone in order', () => {
    expect(zoneAt({ x: 3, y: 3 }, zones)).toBe('left');
    expect(zoneAt({ x: 30, y: 3 }, zones)).toBeNull();
  });
});
