import type { Logger } from 'pino';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Counter, type Registry } from 'prom-client';
import { countedTotal } from '../metrics/counted-total.js';
import type { Observable, Subscription } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DEFAULT_HEAT_CELL_M,
  STORE_ZONE,
  Sessioniser,
  bucketStart,
  countFromSighting,
  isSuppressed,
  nextBucket,
  occupancyCrossings,
  summariseDwell,
  type CountRecord,
  type SessionEvent,
  type SessioniserOptions,
  type SessionSnapshot,
  type VisitRecord,
} from '@aisle/aggregation';
import { RollupStore } from '@aisle/persistence';
import type {
  AisleEvent,
  CameraSighting,
  Clock,
  PositionUpdate,
  Sighting,
  TimerHandle,
} from '@aisle/sdk';
import type { StorePolicy } from '@aisle/policy';
import type { StoreDirectory } from '../stores/store-directory.js';
import type { EventBus } from '../events/event-bus.js';

/** How often visits are advanced and rollups flushed: 10 s keeps the API within a minute. */
export const AGGREGATION_FLUSH_MS = 10_000;
/** Zone tags meaning "outside the store" (the pavement in front of the window). */
export const OUTSIDE_ZONE_TAGS = ['storefront', 'outside'];
/**
 * Inputs held for stores not loaded yet (a store created a moment ago: its first positions can
 * beat the reload its config event starts). 10,000 is a few seconds of a busy store; beyond it,
 * inputs are dropped and counted `unknown-store`.
 */
export const UNKNOWN_STORE_BUFFER = 10_000;

type Input =
  { kind: 'position'; position: PositionUpdate } | { kind: 'camera'; sighting: CameraSighting };

interface StoreInfo {
  timeZone: string;
  width: number;
  height: number;
}

/**
 * Wiring of the aggregation engine: positions (from localisation) and camera counts (from the
 * pipeline) into the pure sessioniser and rollup maths, facts and rollups into the database, and
 * visit/zone/occupancy/hourly events onto the bus. The maths lives in @aisle/aggregation, the
 * SQL in @aisle/persistence; this class only moves data between them on a timer.
 */
export class AggregationService {
  readonly rollups: RollupStore;
  private readonly sessioniser: Sessioniser;
  private readonly stores = new Map<string, StoreInfo>();
  private visits: VisitRecord[] = [];
  /** `visit.ended` events of {@link visits}: their webhook rows are written with the facts. */
  private ended: AisleEvent[] = [];
  private counts: CountRecord[] = [];
  private readonly occupancy = new Map<string, number>();
  private readonly lastHourly = new Map<string, number>();
  private subscriptions: Subscription[] = [];
  private unsubscribe: (() => void) | undefined;
  private timer?: TimerHandle;
  private running: Promise<void> = Promise.resolve();
  private reloading: Promise<void> = Promise.resolve();
  /** Inputs of stores not loaded yet, waiting for the reload they triggered. */
  private held: Input[] = [];
  private reloadQueued = false;
  /** Stores a reload did not find: their inputs are dropped until the next reload. */
  private readonly missing = new Set<string>();
  private readonly inputs: Counter<'kind' | 'result'>;

  constructor(
    private readonly deps: {
      dataSource: DataSource;
      positions: Observable<PositionUpdate>;
      sightings: Observable<Sighting>;
      /** Stores and zones; `store.changed` applies new stores, zones and policies at once. */
      directory: StoreDirectory;
      events: EventBus;
      /** The webhook outbox: `visit.ended` is written in the transaction of its visit fact. */
      outbox: {
        enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<unknown>;
      };
      clock: Clock;
      logger: Logger;
      policyFor: (storeId: string) => StorePolicy | undefined;
      /**
       * The sensitive zone a position is in (by label or point), or null: localisation never
       * publishes positions in one; any that arrives anyway is dropped (counted `sensitive`), so
       * no visit, zone event or rollup is made of it.
       */
      sensitiveZoneOf?: (position: PositionUpdate) => string | null;
      registry?: Registry;
      sessioniser?: SessioniserOptions;
      flushMs?: number;
      /**
       * Where open visits are kept across a restart: written at stop (instead of ending every
       * open visit), read back and deleted at start. Without it, stop ends them.
       */
      sessionsFile?: string;
      /**
       * Whether this process owns a store's stateful stages (a worker of a chain owns some); its
       * store-wide events (`occupancy.changed`, `aggregate.hourly`) come only from the owner.
       * Default: every store.
       */
      owns?: (storeId: string) => boolean;
    },
  ) {
    this.rollups = new RollupStore(deps.dataSource);
    // Visits already in progress when the hub (re)started are followed but not counted.
    this.sessioniser = new Sessioniser({ startedAt: deps.clock.now(), ...deps.sessioniser });
    this.inputs = new Counter({
      name: 'aisle_aggregation_inputs_total',
      help: 'Positions and camera counts into aggregation, by result (accepted, late, duplicate, …)',
      labelNames: ['kind', 'result'] as const,
      registers: deps.registry ? [deps.registry] : [],
    });
    const sessioniser = this.sessioniser;
    const registers = deps.registry ? [deps.registry] : [];
    countedTotal(
      'aisle_aggregation_heat_steps_dropped_total',
      'Position steps whose dwell added no heat: their cell was past the per-visit cap of heat-grid cells',
      registers,
      () => sessioniser.droppedHeat,
    );
    countedTotal(
      'aisle_aggregation_zone_stays_dropped_total',
      'Zone stays not kept with their open visit: past the per-visit cap of zone stays (their events were still emitted)',
      registers,
      () => sessioniser.droppedZoneStays,
    );
    countedTotal(
      'aisle_aggregation_visit_counts_dropped_total',
      'Subjects whose repeat-visit count was dropped at the per-store cap (their next visit is numbered as a first one)',
      registers,
      () => sessioniser.droppedVisitCounts,
    );
  }

  async start(): Promise<void> {
    await this.reload();
    await this.restoreSessions();
    this.subscriptions.push(
      this.deps.positions.subscribe((p) => this.onPosition(p)),
      this.deps.sightings.subscribe((s) => this.onSighting(s)),
    );
    this.unsubscribe = this.deps.directory.onChanged(() => this.reload());
    const now = this.deps.clock.now();
    for (const storeId of this.stores.keys()) {
      this.lastHourly.set(storeId, this.hourOf(storeId, now));
    }
    this.timer = this.deps.clock.setInterval(() => {
      this.tick().catch((error: unknown) =>
        this.deps.logger.error(
          `aggregation flush failed (will retry): ${(error as Error).message}`,
        ),
      );
    }, this.deps.flushMs ?? AGGREGATION_FLUSH_MS);
  }

  /**
   * Applies the store directory's stores and zones (on every `store.changed` and cycle;
   * serialised). Inputs held
   * for stores that were not loaded are ingested once their store is; the rest are dropped.
   */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(
      () => this.doReload(),
      () => this.doReload(),
    );
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    this.reloadQueued = false;
    const held = this.held;
    this.held = [];
    this.missing.clear();
    try {
      // Inputs of a store the directory does not know yet (created by another writer, or a
      // moment ago): the directory re-reads first.
      if (held.some((input) => !this.deps.directory.has(this.storeOf(input)))) {
        await this.deps.directory.changed();
      }
      await this.loadStores();
    } catch (error) {
      // Held again for the next reload (the cycle's, at the latest).
      const again = [...held, ...this.held];
      this.held = again.slice(0, UNKNOWN_STORE_BUFFER);
      for (const input of again.slice(UNKNOWN_STORE_BUFFER)) {
        this.inputs.labels(input.kind, 'unknown-store').inc();
      }
      throw error;
    }
    for (const input of held) {
      if (!this.stores.has(this.storeOf(input))) this.missing.add(this.storeOf(input));
      this.accept(input);
    }
  }

  private async loadStores(): Promise<void> {
    for (const store of this.deps.directory.all()) {
      const analytics = this.deps.policyFor(store.id)?.analytics;
      this.stores.set(store.id, {
        timeZone: store.timezone,
        width: store.width,
        height: store.height,
      });
      this.sessioniser.configureStore(store.id, {
        outsideZoneIds: store.zones
          .filter((z) => z.tags.some((t) => OUTSIDE_ZONE_TAGS.includes(t)))
          .map((z) => z.id),
        width: store.width,
        height: store.height,
        heatCellM: DEFAULT_HEAT_CELL_M,
        ...(analytics
          ? {
              visitGapMs: analytics.visitGapSeconds * 1000,
              minVisitMs: analytics.minVisitSeconds * 1000,
            }
          : {}),
      });
      if (!this.lastHourly.has(store.id)) {
        this.lastHourly.set(store.id, this.hourOf(store.id, this.deps.clock.now()));
      }
    }
  }

  private onPosition(position: PositionUpdate): void {
    this.accept({ kind: 'position', position });
  }

  private onSighting(sighting: Sighting): void {
    if (sighting.kind !== 'camera') return;
    if (sighting.entries === undefined && sighting.exits === undefined) return;
    this.accept({ kind: 'camera', sighting });
  }

  /**
   * Ingests an input of a loaded store. One of a store not loaded yet is held (bounded) and a
   * reload is started, unless the last reload already failed to find that store.
   */
  private accept(input: Input): void {
    const storeId = this.storeOf(input);
    if (!this.stores.has(storeId)) {
      if (this.missing.has(storeId) || this.held.length >= UNKNOWN_STORE_BUFFER) {
        this.inputs.labels(input.kind, 'unknown-store').inc();
        return;
      }
      this.held.push(input);
      if (!this.reloadQueued) {
        this.reloadQueued = true;
        this.reload().catch((error: unknown) =>
          this.deps.logger.error(
            { store: storeId },
            `loading a new store for aggregation failed: ${(error as Error).message}`,
          ),
        );
      }
      return;
    }
    if (input.kind === 'position') {
      // Checked again here, for positions that reach the stream other than from localisation.
      if ((this.deps.sensitiveZoneOf?.(input.position) ?? null) !== null) {
        this.inputs.labels('position', 'sensitive').inc();
        return;
      }
      this.inputs.labels('position', this.sessioniser.ingest(input.position)).inc();
      return;
    }
    const count = countFromSighting(input.sighting);
    this.inputs.labels('camera', count ? 'accepted' : 'invalid').inc();
    if (count) this.counts.push(count);
  }

  private storeOf(input: Input): string {
    return input.kind === 'position' ? input.position.storeId : input.sighting.storeId;
  }

  /**
   * One cycle: advance visits to now, publish their events and occupancy crossings, write facts
   * and rollups, and publish `aggregate.hourly` for hours that closed. Cycles never overlap.
   */
  tick(): Promise<void> {
    this.running = this.running.then(
      () => this.cycle(),
      () => this.cycle(),
    );
    return this.running;
  }

  private async cycle(): Promise<void> {
    // Cheap (two small queries) and keeps zones, floor plans and policies current.
    await this.reload();
    const now = this.deps.clock.now();
    this.publishSessionEvents(this.sessioniser.advance(now));
    this.publishOccupancy();
    await this.flush(now);
    await this.publishHourly(now);
  }

  /** Writes buffered facts and refreshes the rollups they touch (kept for retry on failure). */
  private async flush(now: number): Promise<void> {
    const visits = this.visits;
    const counts = this.counts;
    const ended = this.ended;
    if (visits.length === 0 && counts.length === 0) return;
    this.visits = [];
    this.counts = [];
    this.ended = [];
    try {
      await this.deps.dataSource.transaction(async (manager) => {
        await this.rollups.saveVisits(visits, manager);
        if (ended.length > 0) await this.deps.outbox.enqueueIn(manager, ended);
      });
      await this.rollups.saveCounts(counts);
      const storeIds = new Set([...visits.map((v) => v.storeId), ...counts.map((c) => c.storeId)]);
      for (const storeId of storeIds) {
        const info = this.stores.get(storeId);
        if (!info) continue;
        const retention = this.deps.policyFor(storeId)?.retention.deviceSightingsHours ?? 24;
        await this.rollups.refresh({
          storeId,
          timeZone: info.timeZone,
          visits: visits.filter((v) => v.storeId === storeId),
          counts: counts.filter((c) => c.storeId === storeId),
          grid: { width: info.width, height: info.height, cellM: DEFAULT_HEAT_CELL_M },
          visitFactsSince: now - retention * 3_600_000,
        });
      }
    } catch (error) {
      // Facts are idempotent: writing them again next cycle is safe.
      this.visits = [...visits, ...this.visits];
      this.counts = [...counts, ...this.counts];
      this.ended = [...ended, ...this.ended];
      throw error;
    }
  }

  /** Closes every open visit and writes everything (shutdown). */
  async stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    await this.running.catch(() => undefined);
    await this.reloading.catch(() => undefined);
    if (this.deps.sessionsFile) {
      // Visits stay open: the next start takes them back (they end by the visit gap, as always).
      await this.flush(this.deps.clock.now());
      await writeFileAtomically(
        this.deps.sessionsFile,
        JSON.stringify(this.sessioniser.snapshot()),
      );
      return;
    }
    this.publishSessionEvents(this.sessioniser.closeAll());
    await this.flush(this.deps.clock.now());
  }

  /** Takes back the open visits the last stop saved (then deletes the file). */
  private async restoreSessions(): Promise<void> {
    const file = this.deps.sessionsFile;
    if (!file) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return; // none saved (first start, or the last run did not stop cleanly)
    }
    try {
      const restored = this.sessioniser.restore(JSON.parse(text) as SessionSnapshot);
      this.deps.logger.info(`resumed ${restored} open visits from the last run`);
    } catch (error) {
      this.deps.logger.warn(`open visits of the last run not resumed: ${(error as Error).message}`);
    }
    await rm(file, { force: true });
  }

  private publishSessionEvents(events: readonly SessionEvent[]): void {
    const bus = this.deps.events;
    for (const e of events) {
      switch (e.type) {
        case 'visit.started':
          bus.publish('visit.started', e.storeId, {
            subject: e.subject,
            visitId: e.visitId,
            startedAt: e.startedAt,
          });
          break;
        case 'zone.entered':
          bus.publish('zone.entered', e.storeId, {
            subject: e.subject,
            visitId: e.visitId,
            zoneId: e.zoneId,
            enteredAt: e.enteredAt,
          });
          break;
        case 'zone.exited':
          bus.publish('zone.exited', e.storeId, {
            subject: e.subject,
            visitId: e.visitId,
            zoneId: e.zoneId,
            enteredAt: e.enteredAt,
            exitedAt: e.exitedAt,
            dwellSeconds: (e.exitedAt - e.enteredAt) / 1000,
          });
          break;
        case 'visit.ended': {
          const v = e.visit;
          this.visits.push(v);
          const dwell = new Map<string, number>();
          for (const z of v.zones) {
            dwell.set(z.zoneId, (dwell.get(z.zoneId) ?? 0) + z.exitedAt - z.enteredAt);
          }
          const ended = bus.publish('visit.ended', e.storeId, {
            subject: v.subject,
            visitId: v.visitId,
            startedAt: v.startedAt,
            endedAt: v.endedAt,
            dwellSeconds: (v.endedAt - v.startedAt) / 1000,
            zones: [...dwell].map(([zoneId, ms]) => ({ zoneId, dwellSeconds: ms / 1000 })),
            passerBy: v.passerBy,
          });
          this.ended.push(ended);
          break;
        }
      }
    }
  }

  /** People in the store (and per zone) now, from the open visits; exporters suppress at k. */
  liveOccupancy(storeId: string): { store: number; zones: ReadonlyMap<string, number> } {
    return this.sessioniser.occupancy(storeId);
  }

  private publishOccupancy(): void {
    for (const storeId of this.stores.keys()) {
      if (this.deps.owns && !this.deps.owns(storeId)) continue;
      const analytics = this.deps.policyFor(storeId)?.analytics;
      const current = this.sessioniser.occupancy(storeId);
      const readings: [string | null, number, readonly number[]][] = [
        [null, current.store, analytics?.occupancyThresholds ?? []],
      ];
      const zoneIds = new Set([
        ...current.zones.keys(),
        ...[...this.occupancy.keys()]
          .filter((k) => k.startsWith(`${storeId}\u0000`) && k !== `${storeId}\u0000`)
          .map((k) => k.slice(storeId.length + 1)),
      ]);
      for (const zoneId of zoneIds) {
        readings.push([
          zoneId,
          current.zones.get(zoneId) ?? 0,
          analytics?.zoneOccupancyThresholds ?? [],
        ]);
      }
      for (const [zoneId, occupancy, thresholds] of readings) {
        const key = `${storeId}\u0000${zoneId ?? ''}`;
        const previous = this.occupancy.get(key) ?? 0;
        this.occupancy.set(key, occupancy);
        for (const crossing of occupancyCrossings({ zoneId, previous, occupancy, thresholds })) {
          this.deps.events.publish('occupancy.changed', storeId, crossing);
        }
      }
    }
  }

  /**
   * `aggregate.hourly` once an hour is closed for good: its end plus the store's visit gap and the
   * lateness allowance has passed (visits started in it have ended or are open long stays).
   * Suppressed at the store's k: the event is for consumers outside the store scope.
   */
  private async publishHourly(now: number): Promise<void> {
    for (const [storeId, info] of this.stores) {
      if (this.deps.owns && !this.deps.owns(storeId)) {
        // The owner publishes it; if the store comes here later, it starts from that hour.
        this.lastHourly.set(storeId, this.hourOf(storeId, now));
        continue;
      }
      const policy = this.deps.policyFor(storeId);
      const gapMs = (policy?.analytics.visitGapSeconds ?? 300) * 1000 + 60_000;
      const k = policy?.suppression.minSubjects ?? 5;
      let hour = this.lastHourly.get(storeId) ?? this.hourOf(storeId, now);
      for (;;) {
        const end = nextBucket(hour, '1h', info.timeZone);
        if (end + gapMs > now) break;
        const rows = await this.rollups.rows({ storeId, bucket: '1h', from: hour, to: end });
        const find = (metric: string, zoneId = STORE_ZONE) =>
          rows.find((r) => r.metric === metric && r.zoneId === zoneId);
        const figure = (metric: string, zoneId = STORE_ZONE): number | null => {
          const row = find(metric, zoneId);
          return row && isSuppressed(row.subjects, k) ? null : (row?.value ?? 0);
        };
        const medianOf = (zoneId: string): number | null => {
          const row = find('dwell', zoneId);
          if (!row || isSuppressed(row.subjects, k)) return null;
          return summariseDwell(row.detail?.values ?? []).medianSeconds;
        };
        const zoneIds = [
          ...new Set(
            rows
              .filter((r) => r.metric === 'visits' && r.zoneId !== STORE_ZONE)
              .map((r) => r.zoneId),
          ),
        ];
        this.deps.events.publish('aggregate.hourly', storeId, {
          hourStart: hour,
          footfallIn: figure('footfall-in'),
          footfallOut: figure('footfall-out'),
          visits: figure('visits'),
          passersBy: figure('passers-by'),
          medianDwellSeconds: medianOf(STORE_ZONE),
          zones: zoneIds.sort().map((zoneId) => ({
            zoneId,
            visits: figure('visits', zoneId),
            medianDwellSeconds: medianOf(zoneId),
          })),
        });
        hour = end;
        this.lastHourly.set(storeId, hour);
      }
    }
  }

  private hourOf(storeId: string, at: number): number {
    return bucketStart(at, '1h', this.stores.get(storeId)?.timeZone ?? 'UTC');
  }
}

/** Writes `text` to `path` through a temporary file and a rename (never half a file). */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
