import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { deleteSubjectSightings, type SightingWriter } from '@aisle/persistence';
import { isSensitiveZone } from '@aisle/policy';
import {
  pointInPolygon,
  type Clock,
  type Point,
  type PositionUpdate,
  type TimerHandle,
} from '@aisle/sdk';
import type { StoreDirectory } from '../stores/store-directory.js';

/**
 * How far back a position's evidence reaches: the sightings the localisation window used. A fix in
 * a sensitive zone takes the sightings of this span with it.
 */
export const SENSITIVE_LOOKBACK_MS = 30_000;
/** Deletions are batched: at most this long between a fix in a sensitive zone and the delete. */
export const SCRUB_INTERVAL_MS = 2_000;

interface Span {
  storeId: string;
  subject: string;
  from: number;
  to: number;
}

/**
 * Sensitive zones (health, fitting rooms, toilets) keep no per-device data: localisation hands
 * every position that falls in one to {@link observe} instead of publishing it (so aggregation, the
 * positions API, policy modules and webhooks never see it), and the sightings behind it are deleted
 * from the database on the next flush. Zones come from the store directory (`store.changed`).
 */
export class SensitiveZoneScrubber {
  /** Each store's sensitive zones with their polygons. */
  private sensitive = new Map<string, Map<string, readonly Point[]>>();
  private pending = new Map<string, Span>();
  private unsubscribe: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      dataSource: DataSource;
      writer: SightingWriter;
      clock: Clock;
      logger: Logger;
      directory: StoreDirectory;
      onScrubbed?: (rows: number) => void;
    },
  ) {}

  /** Whether a zone of a store is sensitive (synchronous, for the positions API and aggregation). */
  isSensitive(storeId: string, zoneId: string | null): boolean {
    return zoneId !== null && (this.sensitive.get(storeId)?.has(zoneId) ?? false);
  }

  /**
   * The sensitive zone a position is in, or null: the zone it is labelled with, else the one its
   * point lies in (zone hysteresis may still label a subject with the zone it just left while its
   * point is already a few metres inside a pharmacy).
   */
  zoneOf(position: Pick<PositionUpdate, 'storeId' | 'zoneId' | 'x' | 'y'>): string | null {
    const zones = this.sensitive.get(position.storeId);
    if (!zones) return null;
    if (position.zoneId !== null && zones.has(position.zoneId)) return position.zoneId;
    for (const [zoneId, polygon] of zones) {
      if (pointInPolygon(position, polygon)) return zoneId;
    }
    return null;
  }

  async start(): Promise<void> {
    this.reloadZones();
    this.unsubscribe = this.deps.directory.onChanged(() => this.reloadZones());
    this.timer = this.deps.clock.setInterval(() => {
      this.running = this.running
        .then(async () => {
          await this.flush();
        })
        .catch((error: unknown) => {
          this.deps.logger.error(
            `deleting sensitive-zone sightings failed: ${(error as Error).message}`,
          );
        });
    }, SCRUB_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
  }

  /**
   * A position in a sensitive zone (ignored otherwise): the sightings of its subject from
   * {@link SENSITIVE_LOOKBACK_MS} before it up to it are deleted at the next flush.
   */
  observe(position: PositionUpdate): void {
    if (!this.isSensitive(position.storeId, position.zoneId)) return;
    const key = `${position.storeId}\u0000${position.subject}`;
    const span = this.pending.get(key);
    const from = position.at - SENSITIVE_LOOKBACK_MS;
    if (span) {
      span.from = Math.min(span.from, from);
      span.to = Math.max(span.to, position.at);
    } else {
      this.pending.set(key, {
        storeId: position.storeId,
        subject: position.subject,
        from,
        to: position.at,
      });
    }
  }

  /** Deletes the sightings behind every fix in a sensitive zone seen since the last flush. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const spans = [...this.pending.values()];
    this.pending.clear();
    // Rows still in the writer's buffer must reach the table first, or they would survive.
    await this.deps.writer.flush();
    let deleted = 0;
    for (const span of spans) {
      deleted += await deleteSubjectSightings(this.deps.dataSource, span);
    }
    if (deleted > 0) this.deps.onScrubbed?.(deleted);
    return deleted;
  }

  /** Sensitive zones of every store, from the store directory's snapshots. */
  private reloadZones(): void {
    const sensitive = new Map<string, Map<string, readonly Point[]>>();
    for (const store of this.deps.directory.all()) {
      for (const zone of store.zones) {
        if (!isSensitiveZone(zone.tags)) continue;
        let own = sensitive.get(store.id);
        if (!own) sensitive.set(store.id, (own = new Map<string, readonly Point[]>()));
        own.set(zone.id, zone.polygon);
      }
    }
    this.sensitive = sensitive;
  }
}
