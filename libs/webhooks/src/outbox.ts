import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookSubscriptionEntity } from '@aisle/persistence';
import type { AisleEvent, Clock } from '@aisle/sdk';
import { EVENT_CATALOG, isWebhookEventType } from './event-catalog.js';
import { DEFAULT_SMALL_CELL_K, buildPayload } from './payload.js';

/** Subscriptions are re-read at least this often (another hub may have changed them). */
export const SUBSCRIPTION_CACHE_MS = 5_000;
/** Events buffered before a write is forced. */
const FLUSH_EVENTS = 500;
/** Outbox rows per INSERT statement (8 parameters each). */
const ROWS_PER_INSERT = 1000;

export interface WebhookOutboxOptions {
  dataSource: DataSource;
  clock: Clock;
  /** Small-cell threshold of a store (default 5). */
  kFor?: (storeId: string | null) => number;
  /** Called after rows were committed (wakes the dispatcher). */
  onWritten?: (count: number) => void;
  /** A write or payload problem; the event is not retried by the outbox itself. */
  onError?: (error: unknown) => void;
  /** Buffer window before writing (default 10 ms): batches the bus's bursts into one INSERT. */
  flushDelayMs?: number;
}

interface CachedSubscription {
  id: string;
  eventTypes: Set<string>;
  storeIds: string[];
  pseudonymKey: Buffer;
}

/**
 * Writes bus events to the outbox: one `webhook_messages` row per event and matching enabled
 * subscription, its body built (and pseudonyms re-keyed) for that subscription. Events from the
 * bus are batched; a caller with a transaction uses {@link write} with its manager so the rows
 * commit with the state change that caused them.
 */
export class WebhookOutbox {
  private buffer: AisleEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private cache: { at: number; subscriptions: CachedSubscription[] } | null = null;
  private closed = false;

  constructor(private readonly options: WebhookOutboxOptions) {}

  /** For the bus: buffers the event; written within a few ms. Never throws. */
  handle(event: AisleEvent): void {
    if (this.closed || !isWebhookEventType(event.type)) return;
    this.buffer.push(event);
    if (this.buffer.length >= FLUSH_EVENTS) this.flushSoon(0);
    else this.flushSoon(this.options.flushDelayMs ?? 10);
  }

  /** Writes what is buffered; resolves when it is committed (or reported as an error). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const events = this.buffer.splice(0);
    if (events.length > 0) {
      this.writing = this.writing.then(async () => {
        try {
          const count = await this.write(events);
          if (count > 0) this.options.onWritten?.(count);
        } catch (error) {
          this.options.onError?.(error);
        }
      });
    }
    await this.writing;
  }

  /** Subscriptions changed: re-read them before the next write. */
  invalidate(): void {
    this.cache = null;
  }

  /**
   * Writes the outbox rows of these events (in `manager`'s transaction when given) and returns
   * how many. Payloads over the size limit are reported to `onError` and skipped.
   */
  async write(events: readonly AisleEvent[], manager?: EntityManager): Promise<number> {
    const subscriptions = await this.subscriptions(manager);
    const now = this.options.clock.now();
    const rows: unknown[][] = [];
    for (const event of events) {
      if (!isWebhookEventType(event.type)) continue;
      const scope = EVENT_CATALOG[event.type].scope;
      for (const sub of subscriptions) {
        if (!sub.eventTypes.has(event.type)) continue;
        if (scope === 'hub' || event.storeId === null) {
          if (sub.storeIds.length > 0) continue;
        } else if (sub.storeIds.length > 0 && !sub.storeIds.includes(event.storeId)) continue;
        let body: string;
        try {
          body = buildPayload({
            event,
            pseudonymKey: sub.pseudonymKey,
            k: this.options.kFor?.(event.storeId) ?? DEFAULT_SMALL_CELL_K,
          });
        } catch (error) {
          this.options.onError?.(error);
          continue;
        }
        rows.push([
          `msg_${randomBytes(12).toString('hex')}`,
          sub.id,
          event.id,
          event.type,
          event.storeId,
          body,
          new Date(now).toISOString(),
          new Date(event.at).toISOString(),
        ]);
      }
    }
    const target = manager ?? this.options.dataSource;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const values = chunk
        .map((_, r) => {
          const p = r * 8;
          return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::timestamptz, $${p + 8}::timestamptz)`;
        })
        .join(', ');
      await target.query(
        `INSERT INTO webhook_messages
           (id, subscription_id, event_id, event_type, store_id, body, next_attempt_at, created_at)
         VALUES ${values}`,
        chunk.flat(),
      );
    }
    return rows.length;
  }

  /** Stops accepting events and writes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
  }

  private async subscriptions(manager?: EntityManager): Promise<CachedSubscription[]> {
    const now = this.options.clock.now();
    if (this.cache && now - this.cache.at < SUBSCRIPTION_CACHE_MS && now >= this.cache.at) {
      return this.cache.subscriptions;
    }
    const repo = (manager ?? this.options.dataSource.manager).getRepository(
      WebhookSubscriptionEntity,
    );
    const rows = await repo.findBy({ enabled: true });
    const subscriptions = rows.map((r) => ({
      id: r.id,
      eventTypes: new Set(r.eventTypes),
      storeIds: [...r.storeIds],
      pseudonymKey: Buffer.from(r.pseudonymKey),
    }));
    this.cache = { at: now, subscriptions };
    return subscriptions;
  }
}
