import type { PositionUpdate } from '@aisle/sdk';
import {
  DEFAULT_START_GRACE_MS,
  HeatCells,
  INITIAL_HEAT_CELLS,
  MAX_HEAT_CELLS_PER_VISIT,
  MAX_ZONE_STAYS_PER_VISIT,
  Sessioniser,
  ZoneStays,
  visitIdOf,
  type SessionEvent,
} from './sessioniser.js';
import type { VisitRecord } from './visit.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const PERIOD = Date.UTC(2026, 0, 1);
const GEOMETRY = { outsideZoneIds: ['storefront'], width: 30, height: 20 };

function pos(
  at: number,
  zoneId: string | null,
  extra: Partial<PositionUpdate> = {},
): PositionUpdate {
  const y = zoneId === 'storefront' ? 1 : zoneId === 'entrance' ? 4 : 10;
  return {
    storeId: 'demo',
    subject: 'aa11',
    period: PERIOD,
    kind: 'wifi',
    at,
    x: zoneId === 'aisle-2' ? 10 : 15,
    y,
    uncertainty: 1.5,
    zoneId,
    method: 'multilateration',
    sensorCount: 3,
    ...extra,
  };
}

function ended(events: SessionEvent[]): VisitRecord[] {
  return events.flatMap((e) => (e.type === 'visit.ended' ? [e.visit] : []));
}

/** A shopper: pavement, entrance, 3 min in aisle 2, back out; one position every 10 s. */
function shopperWalk(start: number, subject = 'aa11'): PositionUpdate[] {
  const out: PositionUpdate[] = [];
  const zones: [string, number][] = [
    ['storefront', 2],
    ['entrance', 2],
    ['aisle-2', 18],
    ['entrance', 1],
    ['storefront', 1],
  ];
  let t = start;
  for (const [zone, n] of zones) {
    for (let i = 0; i < n; i += 1) {
      out.push(pos(t, zone, { subject }));
      t += 10_000;
    }
  }
  return out;
}

describe(Sessioniser.name, () => {
  let sut: Sessioniser;
  beforeEach(() => {
    sut = new Sessioniser({ allowedLatenessMs: 30_000 });
    sut.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
  });

  it('turns a walk into one visit with zone stays, path, dwell and events in order', () => {
    const walk = shopperWalk(T0);
    for (const p of walk) expect(sut.ingest(p)).toBe('accepted');
    const last = walk[walk.length - 1]!.at;
    const events = sut.advance(last + 200_000);

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('zone.entered');
    expect(types.indexOf('visit.started')).toBeGreaterThan(0);
    expect(types[types.length - 1]).toBe('visit.ended');
    const [visit] = ended(events);
    expect(visit).toMatchObject({
      startedAt: T0,
      endedAt: last,
      passerBy: false,
      ordinal: 1,
      path: ['storefront', 'entrance', 'aisle-2', 'entrance', 'storefront'],
      visitId: visitIdOf({ storeId: 'demo', period: PERIOD, subject: 'aa11', startedAt: T0 }),
    });
    const aisle = visit!.zones.find((z) => z.zoneId === 'aisle-2')!;
    expect(aisle.exitedAt - aisle.enteredAt).toBe(180_000);
    // inside = from the first entrance position to the first storefront position on the way out
    expect(visit!.insideMs).toBe(21 * 10_000);
    const started = events.find((e) => e.type === 'visit.started');
    expect(started).toMatchObject({ startedAt: T0, visitId: visit!.visitId });
  });

  it('numbers repeat visits of at most maxVisitCounts subjects, dropping the first counted', () => {
    const capped = new Sessioniser({ allowedLatenessMs: 30_000, maxVisitCounts: 2 });
    capped.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
    const walks = (start: number) => ['a', 'b', 'c'].flatMap((s) => shopperWalk(start, s));
    for (const p of walks(T0)) capped.ingest(p);
    const visits = ended(capped.advance(T0 + 20 * 60_000));
    for (const p of walks(T0 + 30 * 60_000)) capped.ingest(p);
    visits.push(...ended(capped.advance(T0 + 2 * 3_600_000)));
    // a, b, c counted; a dropped when c came, b when a came back, …: each second visit is a first.
    expect(visits.map((v) => [v.subject, v.ordinal])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(capped.droppedVisitCounts).toBe(4);
    // Uncapped (the default), the second visits are numbered 2.
    for (const p of walks(T0)) sut.ingest(p);
    const numbered = ended(sut.advance(T0 + 20 * 60_000));
    for (const p of walks(T0 + 30 * 60_000)) sut.ingest(p);
    numbered.push(...ended(sut.advance(T0 + 2 * 3_600_000)));
    expect(numbered.map((v) => v.ordinal)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(sut.droppedVisitCounts).toBe(0);
  });

  it('keeps at most MAX_HEAT_CELLS_PER_VISIT heat cells per visit and counts the steps past them', () => {
    const wide = new Sessioniser({ allowedLatenessMs: 30_000 });
    wide.configureStore('demo', { outsideZoneIds: [], width: 30, height: 20 });
    // 600 positions 10 s apart, each in a cell of its own (30 × 20 cells of 1 m).
    const walk = Array.from({ length: 600 }, (_, i) =>
      pos(T0 + i * 10_000, 'aisle-2', { x: (i % 30) + 0.5, y: Math.floor(i / 30) + 0.5 }),
    );
    for (const p of walk) wide.ingest(p);
    const [visit] = ended(wide.advance(T0 + 3 * 3_600_000));
    expect(visit!.heat).toHaveLength(MAX_HEAT_CELLS_PER_VISIT);
    // Each step's dwell goes to the cell it started in: cells 0…255 got 10 s each, the rest none.
    expect(visit!.heat.every(([, ms]) => ms === 10_000)).toBe(true);
    expect(visit!.heat.map(([cell]) => cell)).toEqual(
      Array.from({ length: MAX_HEAT_CELLS_PER_VISIT }, (_, i) => i),
    );
    expect(wide.droppedHeat).toBe(599 - MAX_HEAT_CELLS_PER_VISIT);
  });

  it('packs heat in INITIAL_HEAT_CELLS cells of room, then MAX_HEAT_CELLS_PER_VISIT, never more', () => {
    const heat = new HeatCells();
    expect(heat.capacity).toBe(INITIAL_HEAT_CELLS);
    for (let cell = 0; cell < INITIAL_HEAT_CELLS; cell += 1) {
      expect(heat.add(cell, 1000)).toBe(true);
    }
    expect(heat.capacity).toBe(INITIAL_HEAT_CELLS);
    // The next new cell takes the room straight to the cap.
    expect(heat.add(INITIAL_HEAT_CELLS, 500)).toBe(true);
    expect(heat.capacity).toBe(MAX_HEAT_CELLS_PER_VISIT);
    for (let cell = INITIAL_HEAT_CELLS + 1; cell < MAX_HEAT_CELLS_PER_VISIT + 10; cell += 1) {
      heat.add(cell, 1);
    }
    expect(heat.size).toBe(MAX_HEAT_CELLS_PER_VISIT);
    expect(heat.capacity).toBe(MAX_HEAT_CELLS_PER_VISIT);
    // A cell already held still adds up; dwell in whole ms, a sum stops at 2³² − 1.
    expect(heat.add(3, 250.4)).toBe(true);
    expect(heat.add(5, 2 ** 33)).toBe(true);
    expect(heat.add(MAX_HEAT_CELLS_PER_VISIT + 20, 1)).toBe(false);
    const entries = new Map(heat.entries());
    expect(entries.get(3)).toBe(1250);
    expect(entries.get(5)).toBe(2 ** 32 - 1);
    expect(entries.get(INITIAL_HEAT_CELLS)).toBe(500);
    expect(HeatCells.of(heat.entries()).entries()).toEqual(heat.entries());
  });

  it('keeps at most MAX_ZONE_STAYS_PER_VISIT zone stays per visit, still emitting every zone event', () => {
    const flicker = new Sessioniser({ allowedLatenessMs: 30_000 });
    flicker.configureStore('demo', GEOMETRY);
    // 200 positions 10 s apart, alternating between two zones: 199 stays closed by a zone change
    // and one by the visit's end.
    const walk = Array.from({ length: 200 }, (_, i) =>
      pos(T0 + i * 10_000, i % 2 === 0 ? 'aisle-2' : 'entrance'),
    );
    for (const p of walk) flicker.ingest(p);
    const events = flicker.advance(T0 + 3 * 3_600_000);
    const [visit] = ended(events);
    expect(visit!.zones).toHaveLength(MAX_ZONE_STAYS_PER_VISIT);
    expect(visit!.zones[0]).toEqual({ zoneId: 'aisle-2', enteredAt: T0, exitedAt: T0 + 10_000 });
    expect(visit!.zones.at(-1)!.exitedAt).toBe(T0 + MAX_ZONE_STAYS_PER_VISIT * 10_000);
    expect(visit!.path).toHaveLength(MAX_ZONE_STAYS_PER_VISIT);
    expect(flicker.droppedZoneStays).toBe(200 - MAX_ZONE_STAYS_PER_VISIT);
    expect(events.filter((e) => e.type === 'zone.exited')).toHaveLength(200);
    expect(events.filter((e) => e.type === 'zone.entered')).toHaveLength(200);
    // Packed stays come back as they went in (snapshot / restore).
    const stays = ZoneStays.of(visit!.zones);
    expect(stays.toArray()).toEqual(visit!.zones);
    expect(stays.push({ zoneId: 'x', enteredAt: 0, exitedAt: 1 })).toBe(false);
    expect(new ZoneStays().toArray()).toEqual([]);
  });

  it('closes a visit after the gap and starts a new one (ordinal 2 in the same period)', () => {
    const first = shopperWalk(T0);
    const second = shopperWalk(T0 + 30 * 60_000);
    for (const p of [...first, ...second]) sut.ingest(p);
    const visits = ended(sut.advance(T0 + 2 * 3_600_000));
    expect(visits.map((v) => v.ordinal)).toEqual([1, 2]);
    expect(visits[1]!.startedAt).toBe(T0 + 30 * 60_000);
  });

  it('keeps a visit open across a gap shorter than the configured gap', () => {
    const walk = shopperWalk(T0);
    // a 100 s hole (shorter than the 120 s gap) in the middle of the aisle
    const holed = walk.filter((p) => !(p.at > T0 + 60_000 && p.at < T0 + 160_000));
    for (const p of holed) sut.ingest(p);
    expect(ended(sut.advance(T0 + 3_600_000))).toHaveLength(1);
  });

  it('splits at a gap longer than the configured gap', () => {
    const walk = shopperWalk(T0);
    const holed = walk.filter((p) => !(p.at > T0 + 60_000 && p.at < T0 + 200_000));
    for (const p of holed) sut.ingest(p);
    expect(ended(sut.advance(T0 + 3_600_000))).toHaveLength(2);
  });

  it('gives the same visits and ids whatever the order and duplication within the lateness', () => {
    const walk = shopperWalk(T0);
    const inOrder = new Sessioniser({ allowedLatenessMs: 30_000 });
    inOrder.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000 });
    for (const p of walk) inOrder.ingest(p);
    const expected = ended(inOrder.advance(T0 + 3_600_000));

    // swap neighbours and send every third position twice
    const shuffled: PositionUpdate[] = [];
    for (let i = 0; i < walk.length; i += 2) {
      if (walk[i + 1]) shuffled.push(walk[i + 1]!);
      shuffled.push(walk[i]!);
    }
    const results = [...shuffled, ...walk.filter((_, i) => i % 3 === 0)].map((p) => sut.ingest(p));
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(Math.ceil(walk.length / 3));
    expect(ended(sut.advance(T0 + 3_600_000))).toEqual(expected);
  });

  it('drops positions older than the watermark as late, and counts them as such', () => {
    for (const p of shopperWalk(T0).slice(0, 10)) sut.ingest(p);
    sut.advance(0);
    // the last position is at T0 + 90 s, so the watermark is T0 + 60 s: T0 + 20 s is late
    expect(sut.ingest(pos(T0 + 20_000, 'entrance'))).toBe('late');
    expect(sut.ingest(pos(T0 + 75_000, 'aisle-2', { subject: 'bb22' }))).toBe('accepted');
  });

  it('processes the watermark from the data too: a replay does not need the clock', () => {
    for (const p of shopperWalk(T0)) sut.ingest(p);
    for (const p of shopperWalk(T0 + 3_600_000, 'cc33')) sut.ingest(p);
    const visits = ended(sut.advance(0));
    expect(visits.map((v) => v.subject)).toEqual(['aa11']);
  });

  it('treats a stay across a key rotation (midnight) as two visits: pseudonyms do not link', () => {
    const midnight = Date.UTC(2026, 0, 2);
    const steps = [0, 1, 2, 3, 4, 5, 6, 7];
    const before = steps.map((i) => pos(midnight - 80_000 + i * 10_000, 'aisle-2'));
    const after = steps.map((i) =>
      pos(midnight + i * 10_000, 'aisle-2', { subject: 'ff99', period: midnight }),
    );
    for (const p of [...before, ...after]) sut.ingest(p);
    const visits = ended(sut.advance(midnight + 3_600_000));
    expect(visits).toHaveLength(2);
    expect(visits.map((v) => v.period)).toEqual([PERIOD, midnight]);
    expect(visits.every((v) => v.ordinal === 1)).toBe(true);
  });

  it('calls someone seen only on the pavement, or inside too briefly, a passer-by', () => {
    const pavement = [0, 1, 2, 3, 4].map((i) => pos(T0 + i * 10_000, 'storefront'));
    const glance = [0, 1, 2, 3].map((i) =>
      pos(T0 + i * 10_000, i === 1 || i === 2 ? 'entrance' : 'storefront', { subject: 'bb22' }),
    );
    for (const p of [...pavement, ...glance]) sut.ingest(p);
    const events = sut.advance(T0 + 3_600_000);
    const visits = ended(events);
    expect(visits.map((v) => [v.subject, v.passerBy, v.ordinal])).toEqual([
      ['aa11', true, 0],
      ['bb22', true, 0],
    ]);
    // only the one who stepped inside has a visit.started
    expect(events.filter((e) => e.type === 'visit.started').map((e) => e.storeId)).toHaveLength(1);
  });

  it('reports live occupancy per zone and for the store (outside zones excluded)', () => {
    sut.ingest(pos(T0, 'aisle-2'));
    sut.ingest(pos(T0, 'storefront', { subject: 'bb22' }));
    sut.ingest(pos(T0, 'aisle-2', { subject: 'cc33' }));
    sut.advance(T0 + 31_000);
    const occupancy = sut.occupancy('demo');
    expect(occupancy.store).toBe(2);
    expect(Object.fromEntries(occupancy.zones)).toEqual({ 'aisle-2': 2, storefront: 1 });
  });

  it('refuses positions of unknown stores and invalid numbers', () => {
    expect(sut.ingest(pos(T0, 'aisle-2', { storeId: 'other' }))).toBe('unknown-store');
    expect(sut.ingest(pos(Number.NaN, 'aisle-2'))).toBe('invalid');
  });

  it('asks the member hook, and only for visitors', () => {
    const asked: string[] = [];
    const withHook = new Sessioniser({
      allowedLatenessMs: 30_000,
      returningMember: (v) => {
        asked.push(v.subject);
        return true;
      },
    });
    withHook.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000 });
    for (const p of shopperWalk(T0)) withHook.ingest(p);
    withHook.ingest(pos(T0, 'storefront', { subject: 'bb22' }));
    const visits = ended(withHook.advance(T0 + 3_600_000));
    expect(asked).toEqual(['aa11']);
    expect(visits.find((v) => v.subject === 'aa11')?.returningMember).toBe(true);
  });

  it('accumulates heat in the cells the subject stood in', () => {
    for (const p of shopperWalk(T0)) sut.ingest(p);
    const [visit] = ended(sut.advance(T0 + 3_600_000));
    const total = visit!.heat.reduce((s, [, ms]) => s + ms, 0);
    expect(total).toBe(visit!.endedAt - visit!.startedAt);
    // aisle-2 positions are at (10, 10): cell row 10, col 10 of a 30-column grid
    expect(visit!.heat.find(([cell]) => cell === 10 * 30 + 10)?.[1]).toBe(180_000);
  });

  describe('after a (re)start', () => {
    it('follows a visit first seen within the start grace but counts nothing of it', () => {
      const restart = new Sessioniser({ allowedLatenessMs: 30_000, startedAt: T0 });
      restart.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
      // Already inside when the hub started: first position 5 s after the start, 3 min in aisle 2.
      const inside = Array.from({ length: 18 }, (_, i) =>
        pos(T0 + 5_000 + i * 10_000, 'aisle-2', { subject: 'inside' }),
      );
      // Walks in after the grace: an ordinary visit.
      const later = shopperWalk(T0 + DEFAULT_START_GRACE_MS + 10_000, 'later');
      for (const p of [...inside, ...later]) restart.ingest(p);
      const events = restart.advance(T0 + 30 * 60_000);
      expect(events.filter((e) => e.type !== 'visit.ended' && e.subject === 'inside')).toEqual([]);
      expect(ended(events).map((v) => v.subject)).toEqual(['later']);
      // While it lasted, the shopper inside was present (live occupancy), just not a new visit.
      const live = new Sessioniser({ allowedLatenessMs: 30_000, startedAt: T0 });
      live.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
      for (const p of inside) live.ingest(p);
      live.advance(T0 + 2 * 60_000);
      expect(live.occupancy('demo').store).toBe(1);
    });

    it('counts the same subject’s next visit, after the gap, as usual', () => {
      const restart = new Sessioniser({ allowedLatenessMs: 30_000, startedAt: T0 });
      restart.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
      for (const p of [pos(T0 + 1_000, 'aisle-2'), ...shopperWalk(T0 + 10 * 60_000)]) {
        restart.ingest(p);
      }
      const visits = ended(restart.advance(T0 + 30 * 60_000));
      expect(visits).toHaveLength(1);
      expect(visits[0]).toMatchObject({ startedAt: T0 + 10 * 60_000, ordinal: 1 });
    });

    it('without startedAt, nothing is treated as in progress', () => {
      for (const p of shopperWalk(T0)) sut.ingest(p);
      expect(ended(sut.advance(T0 + 30 * 60_000))).toHaveLength(1);
    });
  });
});

describe(`${Sessioniser.name} snapshot and restore (restart)`, () => {
  const make = () => {
    const sessioniser = new Sessioniser({ allowedLatenessMs: 30_000 });
    sessioniser.configureStore('demo', { ...GEOMETRY, visitGapMs: 120_000, minVisitMs: 60_000 });
    return sessioniser;
  };

  it('goes on with the open visit after a restart: the same one visit as without the restart', () => {
    const walk = shopperWalk(T0);
    const cut = 12;
    const uninterrupted = make();
    const reference: SessionEvent[] = [];
    for (const p of walk) uninterrupted.ingest(p);
    reference.push(...uninterrupted.advance(T0 + 3_600_000));

    const before = make();
    const events: SessionEvent[] = [];
    for (const p of walk.slice(0, cut)) before.ingest(p);
    events.push(...before.advance(walk[cut - 1]!.at));
    const saved = JSON.parse(JSON.stringify(before.snapshot())) as ReturnType<
      Sessioniser['snapshot']
    >; // as written to disk at shutdown; nothing closed
    const sut = make();
    expect(sut.restore(saved)).toBe(1);
    for (const p of walk.slice(cut)) sut.ingest(p);
    events.push(...sut.advance(T0 + 3_600_000));

    expect(ended(events)).toHaveLength(1);
    expect(ended(events)).toEqual(ended(reference));
    expect(events.filter((e) => e.type === 'visit.started')).toHaveLength(1);
  });

  it('skips subjects of stores it does not know', () => {
    const before = make();
    for (const p of shopperWalk(T0).slice(0, 5)) before.ingest(p);
    const sut = new Sessioniser();

    expect(sut.restore(before.snapshot())).toBe(0);
  });
});
