import { createHash } from 'node:crypto';
import type { PositionUpdate } from '@aisle/sdk';
import type { VisitRecord, ZoneStay } from './visit.js';

/** A visit closes after this long without a position: 5 min covers phones idling between probes. */
export const DEFAULT_VISIT_GAP_MS = 5 * 60_000;
/** Inside the store for less than this: a passer-by (a glance through the door is not a visit). */
export const DEFAULT_MIN_VISIT_MS = 60_000;
/** Positions may arrive this much out of order (localisation windows, broker delays). */
export const DEFAULT_ALLOWED_LATENESS_MS = 60_000;
/**
 * After the hub starts, a visit whose first position comes this soon was most likely already in
 * progress: phones probe every 20–60 s when idle and localisation needs its window, so within
 * 90 s every device already in the store has been placed once. Such visits are followed (the
 * subject is not counted again) but produce no visit, no events and no facts: their start was
 * not seen, and the camera counted their entry before the hub was there.
 */
export const DEFAULT_START_GRACE_MS = 90_000;
/**
 * Subjects whose visits of the last two days' periods are numbered (repeat visits), per store: at
 * the cap the subject first counted goes (~120 bytes each: 200,000 are ~24 MB), and a later visit of
 * it is numbered as a first one. Counted in {@link Sessioniser.droppedVisitCounts}.
 */
export const DEFAULT_MAX_VISIT_COUNTS = 200_000;
/**
 * Heat-grid cells one open visit keeps at most (8 bytes each, see {@link HeatCells}): 20,000 open
 * visits take ≤ 41 MB (plus ~0.2 KB of object headers each) however long they last. A position in
 * a further cell adds no heat (counted in {@link Sessioniser.droppedHeat}); the visit's other
 * figures are unaffected.
 */
export const MAX_HEAT_CELLS_PER_VISIT = 256;
/**
 * Zone stays one open visit keeps at most (~24 bytes each, see {@link ZoneStays}): ≤ ~2 KB a
 * visit with the arrays' spare room, ≤ ~40 MB for 20,000 open visits that each changed zone 64
 * times. A further stay (a device that goes in and out of zones all day, or a position flickering
 * across a zone's edge) is not kept
 * (counted in {@link Sessioniser.droppedZoneStays}): its `zone.entered`/`zone.exited` events are
 * still emitted, but the closed visit's zones, path and zone dwell stop at the 64th stay.
 */
export const MAX_ZONE_STAYS_PER_VISIT = 64;
/** Heat-grid cell edge, metres: about one shelf bay. */
export const DEFAULT_HEAT_CELL_M = 1;

/** What the sessioniser needs to know about a store. */
export interface StoreGeometry {
  /** Zones outside the store proper (tagged `storefront` or `outside`). */
  outsideZoneIds: readonly string[];
  /** Floor-plan size, metres (the heat grid covers it). */
  width: number;
  height: number;
  heatCellM?: number;
  visitGapMs?: number;
  minVisitMs?: number;
}

export interface SessioniserOptions {
  allowedLatenessMs?: number;
  /**
   * When the hub started (epoch ms); visits whose first position is within `startGraceMs` of it
   * are treated as already in progress (see {@link DEFAULT_START_GRACE_MS}). Undefined: none are.
   */
  startedAt?: number;
  startGraceMs?: number;
  /** See {@link DEFAULT_MAX_VISIT_COUNTS}. */
  maxVisitCounts?: number;
  /**
   * Hook for the member registry (owned by the policy area): true when the pseudonymous visit
   * belongs to a loyalty member who consented to analytics linking and visited before. This is the
   * only way visits are linked across pseudonym periods; the default links nothing.
   */
  returningMember?: (visit: {
    storeId: string;
    subject: string;
    period: number;
    startedAt: number;
  }) => boolean;
}

export type SessionEvent =
  | { type: 'visit.started'; storeId: string; subject: string; visitId: string; startedAt: number }
  | {
      type: 'zone.entered';
      storeId: string;
      subject: string;
      visitId: string;
      zoneId: string;
      enteredAt: number;
    }
  | {
      type: 'zone.exited';
      storeId: string;
      subject: string;
      visitId: string;
      zoneId: string;
      enteredAt: number;
      exitedAt: number;
    }
  | { type: 'visit.ended'; storeId: string; visit: VisitRecord };

/** Open sessions as plain data (see {@link Sessioniser.snapshot}). */
export interface SessionSnapshot {
  v: 1;
  stores: {
    storeId: string;
    watermark: number | null;
    maxSeenAt: number | null;
    visitCounts: [string, number][];
  }[];
  subjects: {
    storeId: string;
    subject: string;
    period: number;
    pending: Point[];
    lastProcessedAt: number | null;
    visit:
      (Omit<OpenVisit, 'heat' | 'zones'> & { heat: [number, number][]; zones: ZoneStay[] }) | null;
  }[];
}

export type IngestResult = 'accepted' | 'duplicate' | 'late' | 'unknown-store' | 'invalid';

interface Point {
  at: number;
  x: number;
  y: number;
  zoneId: string | null;
}

interface OpenVisit {
  visitId: string;
  startedAt: number;
  lastAt: number;
  last: Point;
  insideMs: number;
  started: boolean;
  zones: ZoneStays;
  /** Zone of the last position and when it was entered. */
  current: { zoneId: string; enteredAt: number } | null;
  heat: HeatCells;
  /** Began within the start grace: already in progress, so it produces nothing. */
  unseenStart: boolean;
}

/**
 * Accepted positions not yet past the watermark, sorted by time, packed: (at, x, y) in one array of
 * unboxed doubles and the zones beside it, ~28 bytes a position instead of ~80 as objects. At
 * 20,000 subjects with a position every 2 s and a minute of allowed lateness that is ~600,000
 * positions: ~17 MB instead of ~48 MB.
 */
class PendingPositions {
  /** at, x, y of each position, in time order. */
  private readonly numbers: number[] = [];
  private readonly zones: (string | null)[] = [];

  get length(): number {
    return this.zones.length;
  }

  /** Time of the i-th position. */
  at(i: number): number {
    return this.numbers[3 * i] as number;
  }

  /** The i-th position as a point (a new object). */
  point(i: number): Point {
    const k = 3 * i;
    return {
      at: this.numbers[k] as number,
      x: this.numbers[k + 1] as number,
      y: this.numbers[k + 2] as number,
      zoneId: this.zones[i] as string | null,
    };
  }

  /** Inserts in time order; false when a position with the same time is there already. */
  insert(point: Point): boolean {
    let i = this.zones.length;
    while (i > 0 && this.at(i - 1) > point.at) i -= 1;
    if (i > 0 && this.at(i - 1) === point.at) return false;
    if (i === this.zones.length) {
      this.numbers.push(point.at, point.x, point.y);
      this.zones.push(point.zoneId);
    } else {
      this.numbers.splice(3 * i, 0, point.at, point.x, point.y);
      this.zones.splice(i, 0, point.zoneId);
    }
    return true;
  }

  /** Drops the first n positions. */
  dropFirst(n: number): void {
    this.numbers.splice(0, 3 * n);
    this.zones.splice(0, n);
  }

  toArray(): Point[] {
    return this.zones.map((_, i) => this.point(i));
  }

  static of(points: readonly Point[]): PendingPositions {
    const pending = new PendingPositions();
    for (const p of [...points].sort((a, b) => a.at - b.at)) pending.insert(p);
    return pending;
  }
}

/**
 * Cells an open visit's heat has room for before it needs more: a visit that crossed this many
 * cells is likely to cross many more (a long visit, or a device placed with a few metres of noise),
 * so its next growth goes straight to {@link MAX_HEAT_CELLS_PER_VISIT}. 256 bytes until then.
 */
export const INITIAL_HEAT_CELLS = 32;

/**
 * Dwell per heat-grid cell of one visit, packed in one `Uint32Array` of (cell, whole
 * milliseconds) pairs: 8 bytes a cell, {@link INITIAL_HEAT_CELLS} of room at first, then
 * {@link MAX_HEAT_CELLS_PER_VISIT} (2 KB) — never more, and no slack beyond the cap as with a
 * growing JS array (whose elements take 8 bytes each, twice over, with up to half again spare).
 * A step's dwell is rounded to the millisecond (positions' times are whole milliseconds in the
 * hub); a cell's sum stops at 2³² − 1 ms (49 days).
 */
export class HeatCells {
  private data = new Uint32Array(2 * INITIAL_HEAT_CELLS);
  private count = 0;
  private last = -1;

  /** Cells held. */
  get size(): number {
    return this.count;
  }

  /** Cells there is room for without growing. */
  get capacity(): number {
    return this.data.length / 2;
  }

  /** Adds dwell to a cell; false when the cell is new and {@link MAX_HEAT_CELLS_PER_VISIT} are held. */
  add(cell: number, dt: number): boolean {
    const data = this.data;
    let i = this.last >= 0 && data[2 * this.last] === cell ? this.last : -1;
    for (let k = 0; i < 0 && k < this.count; k += 1) if (data[2 * k] === cell) i = k;
    if (i < 0) {
      if (this.count >= MAX_HEAT_CELLS_PER_VISIT) return false;
      if (2 * this.count === data.length) {
        const grown = new Uint32Array(2 * MAX_HEAT_CELLS_PER_VISIT);
        grown.set(data);
        this.data = grown;
      }
      i = this.count;
      this.count += 1;
      this.data[2 * i] = cell;
    }
    this.data[2 * i + 1] = Math.min(0xffffffff, this.data[2 * i + 1]! + Math.round(dt));
    this.last = i;
    return true;
  }

  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.count; i += 1) out.push([this.data[2 * i]!, this.data[2 * i + 1]!]);
    return out;
  }

  static of(entries: readonly (readonly [number, number])[]): HeatCells {
    const heat = new HeatCells();
    for (const [cell, ms] of entries) heat.add(cell, ms);
    return heat;
  }
}

/**
 * An open visit's closed zone stays, packed: entered and exited times as unboxed doubles in one JS
 * array and the zone ids (shared strings) beside them, never more than
 * {@link MAX_ZONE_STAYS_PER_VISIT}: ~24 bytes a stay (plus the arrays' spare room) instead of
 * ~150 as objects with a hidden class each. Plain arrays, not a typed array: most open visits
 * hold no stay or a few, and an empty array costs ~32 bytes where a typed array and its buffer
 * take ~250.
 */
export class ZoneStays {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];

  get length(): number {
    return this.ids.length;
  }

  /** Keeps a stay; false when {@link MAX_ZONE_STAYS_PER_VISIT} are held. */
  push(stay: ZoneStay): boolean {
    if (this.ids.length >= MAX_ZONE_STAYS_PER_VISIT) return false;
    this.times.push(stay.enteredAt, stay.exitedAt);
    this.ids.push(stay.zoneId);
    return true;
  }

  toArray(): ZoneStay[] {
    return this.ids.map((zoneId, i) => ({
      zoneId,
      enteredAt: this.times[2 * i]!,
      exitedAt: this.times[2 * i + 1]!,
    }));
  }

  static of(stays: readonly ZoneStay[]): ZoneStays {
    const packed = new ZoneStays();
    for (const stay of stays) packed.push(stay);
    return packed;
  }
}

interface SubjectState {
  storeId: string;
  subject: string;
  period: number;
  pending: PendingPositions;
  lastProcessedAt: number;
  visit: OpenVisit | null;
}

interface StoreState {
  geometry: Required<StoreGeometry>;
  outside: Set<string>;
  watermark: number;
  maxSeenAt: number;
  /** Visitor visits so far per `period|subject` (for repeat visitors within the period). */
  visitCounts: Map<string, number>;
}

/** Deterministic visit id: the store, pseudonym period, subject and first position's time. */
export function visitIdOf(v: {
  storeId: string;
  period: number;
  subject: string;
  startedAt: number;
}): string {
  return `v_${createHash('sha256')
    .update(`${v.storeId}\u0000${v.period}\u0000${v.subject}\u0000${v.startedAt}`)
    .digest('hex')
    .slice(0, 24)}`;
}

/**
 * Turns each subject's positions into visits. Pure: no clock (time is an argument of `advance`),
 * no I/O, deterministic.
 *
 * Ordering and lateness: per store, a watermark = max(latest position time, `now`) − allowed
 * lateness. Positions newer than the watermark are buffered and may arrive in any order; those at or
 * before it are `late` and dropped (counted by the caller). When the watermark passes a position it
 * is processed in time order, so the same set of positions yields the same visits, events and ids
 * whatever order or duplication they arrived with (a second position with the same time is a
 * `duplicate`).
 *
 * A visit (session) is a subject's run of positions with no gap longer than `visitGapMs`; it closes
 * when the watermark is `visitGapMs` past its last position. Pseudonyms change at key rotation, so
 * a stay across a rotation (midnight for daily keys) is two visits: linking them is impossible by
 * design. `visit.started` is emitted at the first position inside the store (not in an outside
 * zone); a session never inside for `minVisitMs` is a passer-by.
 */
export class Sessioniser {
  private readonly stores = new Map<string, StoreState>();
  private readonly subjects = new Map<string, SubjectState>();
  private readonly lateness: number;
  private dropped = 0;
  private heatDropped = 0;
  private staysDropped = 0;

  constructor(private readonly options: SessioniserOptions = {}) {
    this.lateness = options.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
  }

  /** Adds or updates a store (zones, floor plan, thresholds); positions of unknown stores are refused. */
  configureStore(storeId: string, geometry: StoreGeometry): void {
    const full: Required<StoreGeometry> = {
      heatCellM: DEFAULT_HEAT_CELL_M,
      visitGapMs: DEFAULT_VISIT_GAP_MS,
      minVisitMs: DEFAULT_MIN_VISIT_MS,
      ...geometry,
    };
    const existing = this.stores.get(storeId);
    if (existing) {
      existing.geometry = full;
      existing.outside = new Set(full.outsideZoneIds);
      return;
    }
    this.stores.set(storeId, {
      geometry: full,
      outside: new Set(full.outsideZoneIds),
      watermark: Number.NEGATIVE_INFINITY,
      maxSeenAt: Number.NEGATIVE_INFINITY,
      visitCounts: new Map(),
    });
  }

  hasStore(storeId: string): boolean {
    return this.stores.has(storeId);
  }

  ingest(position: PositionUpdate): IngestResult {
    const store = this.stores.get(position.storeId);
    if (!store) return 'unknown-store';
    if (
      !Number.isFinite(position.at) ||
      !Number.isFinite(position.x) ||
      !Number.isFinite(position.y) ||
      !Number.isFinite(position.period) ||
      typeof position.subject !== 'string' ||
      position.subject === ''
    ) {
      return 'invalid';
    }
    if (position.at <= store.watermark) return 'late';
    const key = `${position.storeId}\u0000${position.period}\u0000${position.subject}`;
    let state = this.subjects.get(key);
    if (!state) {
      state = {
        storeId: position.storeId,
        subject: position.subject,
        period: position.period,
        pending: new PendingPositions(),
        lastProcessedAt: Number.NEGATIVE_INFINITY,
        visit: null,
      };
      this.subjects.set(key, state);
    }
    if (position.at === state.lastProcessedAt) return 'duplicate';
    const point: Point = { at: position.at, x: position.x, y: position.y, zoneId: position.zoneId };
    if (!state.pending.insert(point)) return 'duplicate';
    if (position.at > store.maxSeenAt) store.maxSeenAt = position.at;
    return 'accepted';
  }

  /**
   * Moves every store's watermark to max(latest position, `now`) − lateness and processes what it
   * passed: returns the events in time order per subject, closed visits included (`visit.ended`).
   */
  advance(now: number): SessionEvent[] {
    const events: SessionEvent[] = [];
    for (const store of this.stores.values()) {
      const target = Math.max(store.maxSeenAt, now) - this.lateness;
      if (target > store.watermark) store.watermark = target;
    }
    for (const [key, state] of this.subjects) {
      const store = this.stores.get(state.storeId);
      if (!store) {
        this.subjects.delete(key);
        continue;
      }
      this.processSubject(state, store, events);
      if (!state.visit && state.pending.length === 0) this.subjects.delete(key);
    }
    for (const store of this.stores.values()) this.pruneCounts(store);
    return events;
  }

  /** Closes every open visit now, whatever the watermark (shutdown). */
  closeAll(): SessionEvent[] {
    const events: SessionEvent[] = [];
    for (const store of this.stores.values()) store.watermark = Number.POSITIVE_INFINITY;
    for (const [key, state] of this.subjects) {
      const store = this.stores.get(state.storeId);
      if (store) this.processSubject(state, store, events);
      this.subjects.delete(key);
    }
    // Anything not newer than what was seen is late from now on.
    for (const store of this.stores.values()) store.watermark = store.maxSeenAt;
    return events;
  }

  /**
   * The open visits, waiting positions and per-store watermarks as plain JSON-safe data, without
   * closing anything: a restart restores them ({@link restore}) and the visits go on, instead of
   * a shutdown ending one visit per tracked subject.
   */
  snapshot(): SessionSnapshot {
    const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
    return {
      v: 1,
      stores: [...this.stores].map(([storeId, store]) => ({
        storeId,
        watermark: finite(store.watermark),
        maxSeenAt: finite(store.maxSeenAt),
        visitCounts: [...store.visitCounts],
      })),
      subjects: [...this.subjects.values()].map((state) => ({
        storeId: state.storeId,
        subject: state.subject,
        period: state.period,
        pending: state.pending.toArray(),
        lastProcessedAt: finite(state.lastProcessedAt),
        visit: state.visit
          ? {
              ...state.visit,
              last: { ...state.visit.last },
              zones: state.visit.zones.toArray(),
              current: state.visit.current ? { ...state.visit.current } : null,
              heat: state.visit.heat.entries(),
            }
          : null,
      })),
    };
  }

  /**
   * Takes back a {@link snapshot} (stores must be configured first; subjects of unknown stores
   * are skipped). Returns how many subjects were restored.
   */
  restore(snapshot: SessionSnapshot): number {
    if (snapshot.v !== 1) return 0;
    const number = (n: number | null, fallback: number): number => n ?? fallback;
    for (const saved of snapshot.stores) {
      const store = this.stores.get(saved.storeId);
      if (!store) continue;
      store.watermark = Math.max(store.watermark, number(saved.watermark, -Infinity));
      store.maxSeenAt = Math.max(store.maxSeenAt, number(saved.maxSeenAt, -Infinity));
      for (const [key, count] of saved.visitCounts) {
        store.visitCounts.set(key, Math.max(count, store.visitCounts.get(key) ?? 0));
      }
    }
    let restored = 0;
    for (const saved of snapshot.subjects) {
      if (!this.stores.has(saved.storeId)) continue;
      const key = `${saved.storeId}\u0000${saved.period}\u0000${saved.subject}`;
      this.subjects.set(key, {
        storeId: saved.storeId,
        subject: saved.subject,
        period: saved.period,
        pending: PendingPositions.of(saved.pending),
        lastProcessedAt: number(saved.lastProcessedAt, -Infinity),
        visit: saved.visit
          ? {
              ...saved.visit,
              heat: HeatCells.of(saved.visit.heat),
              zones: ZoneStays.of(saved.visit.zones),
            }
          : null,
      });
      restored += 1;
    }
    return restored;
  }

  /** People currently in each zone and in the store (open visits, as of the watermark). */
  occupancy(storeId: string): { store: number; zones: Map<string, number> } {
    const zones = new Map<string, number>();
    let inside = 0;
    const store = this.stores.get(storeId);
    for (const state of this.subjects.values()) {
      if (state.storeId !== storeId || !state.visit?.current) continue;
      const zoneId = state.visit.current.zoneId;
      zones.set(zoneId, (zones.get(zoneId) ?? 0) + 1);
      if (store && !store.outside.has(zoneId)) inside += 1;
    }
    return { store: inside, zones };
  }

  /** Repeat-visit counts dropped at {@link DEFAULT_MAX_VISIT_COUNTS} since the start (for metrics). */
  get droppedVisitCounts(): number {
    return this.dropped;
  }

  /** Steps whose dwell fell in a cell past {@link MAX_HEAT_CELLS_PER_VISIT} (for metrics). */
  get droppedHeat(): number {
    return this.heatDropped;
  }

  /** Zone stays not kept past {@link MAX_ZONE_STAYS_PER_VISIT} since the start (for metrics). */
  get droppedZoneStays(): number {
    return this.staysDropped;
  }

  /** Positions waiting for the watermark (for metrics). */
  get pendingCount(): number {
    let n = 0;
    for (const state of this.subjects.values()) n += state.pending.length;
    return n;
  }

  private processSubject(state: SubjectState, store: StoreState, events: SessionEvent[]): void {
    const { geometry } = store;
    let consumed = 0;
    const pending = state.pending;
    for (; consumed < pending.length; consumed += 1) {
      if (pending.at(consumed) > store.watermark) break;
      const point = pending.point(consumed);
      if (state.visit && point.at - state.visit.lastAt > geometry.visitGapMs) {
        this.close(state, store, events);
      }
      if (!state.visit) state.visit = this.open(state, point);
      this.step(state, store, point, state.visit.unseenStart ? [] : events);
      state.lastProcessedAt = point.at;
    }
    if (consumed > 0) pending.dropFirst(consumed);
    if (state.visit && store.watermark - state.visit.lastAt > geometry.visitGapMs) {
      this.close(state, store, events);
    }
  }

  private open(state: SubjectState, point: Point): OpenVisit {
    return {
      visitId: visitIdOf({
        storeId: state.storeId,
        period: state.period,
        subject: state.subject,
        startedAt: point.at,
      }),
      startedAt: point.at,
      lastAt: point.at,
      last: point,
      insideMs: 0,
      started: false,
      zones: new ZoneStays(),
      current: null,
      heat: new HeatCells(),
      unseenStart:
        this.options.startedAt !== undefined &&
        point.at < this.options.startedAt + (this.options.startGraceMs ?? DEFAULT_START_GRACE_MS),
    };
  }

  private step(state: SubjectState, store: StoreState, point: Point, events: SessionEvent[]): void {
    const visit = state.visit as OpenVisit;
    const { storeId, subject } = state;
    const previous = visit.last;
    const dt = point.at - previous.at;
    if (dt > 0) {
      if (isInside(previous.zoneId, store.outside)) visit.insideMs += dt;
      const cell = heatCell(previous, store.geometry);
      if (cell !== undefined && !visit.heat.add(cell, dt)) this.heatDropped += 1;
    }
    if (!visit.started && isInside(point.zoneId, store.outside)) {
      visit.started = true;
      events.push({
        type: 'visit.started',
        storeId,
        subject,
        visitId: visit.visitId,
        startedAt: visit.startedAt,
      });
    }
    if ((visit.current?.zoneId ?? null) !== point.zoneId) {
      if (visit.current) {
        this.keepStay(visit, { ...visit.current, exitedAt: point.at });
        events.push({
          type: 'zone.exited',
          storeId,
          subject,
          visitId: visit.visitId,
          zoneId: visit.current.zoneId,
          enteredAt: visit.current.enteredAt,
          exitedAt: point.at,
        });
      }
      visit.current = point.zoneId === null ? null : { zoneId: point.zoneId, enteredAt: point.at };
      if (point.zoneId !== null) {
        events.push({
          type: 'zone.entered',
          storeId,
          subject,
          visitId: visit.visitId,
          zoneId: point.zoneId,
          enteredAt: point.at,
        });
      }
    }
    visit.last = point;
    visit.lastAt = point.at;
  }

  private keepStay(visit: OpenVisit, stay: ZoneStay): void {
    if (!visit.zones.push(stay)) this.staysDropped += 1;
  }

  private close(state: SubjectState, store: StoreState, events: SessionEvent[]): void {
    const visit = state.visit as OpenVisit;
    state.visit = null;
    // Already in progress when the hub started: followed to its end, never counted.
    if (visit.unseenStart) return;
    const { storeId, subject, period } = state;
    if (visit.current) {
      this.keepStay(visit, { ...visit.current, exitedAt: visit.lastAt });
      events.push({
        type: 'zone.exited',
        storeId,
        subject,
        visitId: visit.visitId,
        zoneId: visit.current.zoneId,
        enteredAt: visit.current.enteredAt,
        exitedAt: visit.lastAt,
      });
    }
    const passerBy = !visit.started || visit.insideMs < store.geometry.minVisitMs;
    let ordinal = 0;
    if (!passerBy) {
      const countKey = `${period}\u0000${subject}`;
      const earlier = store.visitCounts.get(countKey);
      ordinal = (earlier ?? 0) + 1;
      const max = this.options.maxVisitCounts ?? DEFAULT_MAX_VISIT_COUNTS;
      if (earlier === undefined && store.visitCounts.size >= max) {
        // Insertion order: the subject counted first (the oldest period's first) goes.
        const first = store.visitCounts.keys().next();
        if (!first.done) store.visitCounts.delete(first.value);
        this.dropped += 1;
      }
      store.visitCounts.set(countKey, ordinal);
    }
    const zones = visit.zones.toArray();
    const path: string[] = [];
    for (const stay of zones) {
      if (path[path.length - 1] !== stay.zoneId) path.push(stay.zoneId);
    }
    const record: VisitRecord = {
      storeId,
      visitId: visit.visitId,
      subject,
      period,
      startedAt: visit.startedAt,
      endedAt: visit.lastAt,
      insideMs: visit.insideMs,
      passerBy,
      ordinal,
      returningMember:
        !passerBy &&
        (this.options.returningMember?.({ storeId, subject, period, startedAt: visit.startedAt }) ??
          false),
      zones,
      path,
      heat: visit.heat.entries().sort((a, b) => a[0] - b[0]),
    };
    events.push({ type: 'visit.ended', storeId, visit: record });
  }

  /** Forgets visit counts of periods no open subject can still be in (keys rotate at most daily). */
  private pruneCounts(store: StoreState): void {
    const horizon = store.watermark - 2 * 86_400_000;
    for (const key of store.visitCounts.keys()) {
      const period = Number(key.slice(0, key.indexOf('\u0000')));
      if (period < horizon) store.visitCounts.delete(key);
    }
  }
}

function isInside(zoneId: string | null, outside: ReadonlySet<string>): boolean {
  return zoneId !== null && !outside.has(zoneId);
}

/** Grid cell index of a point, or undefined off the floor plan. */
export function heatCell(
  point: { x: number; y: number },
  grid: { width: number; height: number; heatCellM: number },
): number | undefined {
  if (point.x < 0 || point.y < 0 || point.x > grid.width || point.y > grid.height) return undefined;
  const cols = Math.max(1, Math.ceil(grid.width / grid.heatCellM));
  const rows = Math.max(1, Math.ceil(grid.height / grid.heatCellM));
  const col = Math.min(cols - 1, Math.floor(point.x / grid.heatCellM));
  const row = Math.min(rows - 1, Math.floor(point.y / grid.heatCellM));
  return row * cols + col;
}
