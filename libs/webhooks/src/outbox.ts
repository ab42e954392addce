import { randomBytes } from 'node:crypto';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { AisleEvent, Clock } from '@aisle/sdk';
import type { OfferedMessage } from './dispatcher.js';
import { EVENT_CATALOG, isWebhookEventType } from './event-catalog.js';
import { DEFAULT_SMALL_CELL_K, buildPayload } from './payload.js';

/** Subscriptions are re-read at least this often (another hub may have changed them). */
export const SUBSCRIPTION_CACHE_MS = 5_000;
/** Events buffered before a write is forced. */
const FLUSH_EVENTS = 500;
/** Outbox rows per INSERT statement (8 parameters each). */
const ROWS_PER_INSERT = 1000;
/** Bus writes in flight at most: commits overlap (PostgreSQL groups them) instead of queueing. */
const WRITES_IN_FLIGHT = 4;

export interface WebhookOutboxOptions {
  dataSource: DataSource;
  clock: Clock;
  /** Small-cell threshold of a store (default 5). */
  kFor?: (storeId: string | null) => number;
  /**
   * Rows were committed, due now (from the bus batch, or at the commit of a transaction that
   * used {@link WebhookOutbox.enqueueIn}): hand them to the dispatcher.
   */
  onWritten?: (messages: OfferedMessage[]) => void;
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
  /** The owning API key has the `loyalty` role (may receive member ids). */
  loyalty: boolean;
}

interface SubscriptionRow {
  id: string;
  event_types: string[];
  store_ids: string[];
  pseudonym_key: Buffer | Uint8Array;
  owner_role: string | null;
}

/**
 * Writes events to the outbox: one `webhook_messages` row per event and matching enabled
 * subscription, its body built (and pseudonyms re-keyed) for that subscription.
 *
 * Two ways in. Events without a state change of their own come from the bus ({@link handle}) and
 * are batched (one multi-row INSERT per few ms). Events caused by a database change (the catalog
 * marks them `written: 'with-state-change'`) are written by the code making that change, in its
 * transaction ({@link enqueueIn}): they commit or roll back with it, and the bus copy is ignored
 * here. Either way the dispatcher is handed the rows once they are committed.
 */
export class WebhookOutbox {
  private buffer: AisleEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly writes = new Set<Promise<void>>();
  private cache: { at: number; subscriptions: CachedSubscription[] } | null = null;
  private closed = false;
  /** Rows written in a transaction that has not committed yet, by its query runner. */
  private readonly uncommitted = new WeakMap<QueryRunner, OfferedMessage[]>();
  private readonly commitWatcher: EntitySubscriberInterface;

  constructor(private readonly options: WebhookOutboxOptions) {
    this.commitWatcher = {
      afterTransactionCommit: (event: TransactionCommitEvent) => this.committed(event.queryRunner),
      afterTransactionRollback: (event: TransactionRollbackEvent) => {
        if (!event.queryRunner.isTransactionActive) this.uncommitted.delete(event.queryRunner);
      },
    };
    options.dataSource.subscribers.push(this.commitWatcher);
  }

  /**
   * For the bus: buffers the event; written within a few ms. Never throws. Event types written
   * with their state change are ignored (they are already in the outbox, or were rolled back).
   */
  handle(event: AisleEvent): void {
    if (this.closed || !isWebhookEventType(event.type)) return;
    if (EVENT_CATALOG[event.type].written === 'with-state-change') return;
    this.buffer.push(event);
    if (this.buffer.length >= FLUSH_EVENTS) this.flushSoon(0);
    else this.flushSoon(this.options.flushDelayMs ?? 10);
  }

  /**
   * Writes the outbox rows of events caused by a state change, in that change's transaction
   * (`manager` must be a transaction's). The rows commit or roll back with it; after the commit
   * the dispatcher is handed them. Subscriptions are read in the same transaction. Returns how
   * many rows were written.
   */
  async enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<number> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error('WebhookOutbox.enqueueIn needs the entity manager of an open transaction');
    }
    const rows = await this.write(events, manager);
    if (rows.length > 0) {
      const pending = this.uncommitted.get(runner) ?? [];
      pending.push(...rows);
      this.uncommitted.set(runner, pending);
    }
    return rows.length;
  }

  /** Writes what is buffered; resolves when it and every earlier write are committed. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.buffer.length > 0) {
      while (this.writes.size >= WRITES_IN_FLIGHT) await Promise.race(this.writes);
      const events = this.buffer.splice(0);
      const write = this.write(events)
        .then((rows) => {
          if (rows.length > 0) this.options.onWritten?.(rows);
        })
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.writes.delete(write));
      this.writes.add(write);
    }
    await Promise.all([...this.writes]);
  }

  /** Subscriptions changed: re-read them before the next write. */
  invalidate(): void {
    this.cache = null;
  }

  /**
   * Writes the outbox rows of these events now (in `manager`'s transaction when given, with
   * subscriptions read in it) and returns them. Payloads over the size limit are reported to
   * `onError` and skipped. Nothing is handed to the dispatcher: see {@link enqueueIn}.
   */
  async write(events: readonly AisleEvent[], manager?: EntityManager): Promise<OfferedMessage[]> {
    const subscriptions = await this.subscriptions(manager);
    const now = this.options.clock.now();
    const rows: unknown[][] = [];
    const written: OfferedMessage[] = [];
    for (const event of events) {
      if (!isWebhookEventType(event.type)) continue;
      const spec = EVENT_CATALOG[event.type];
      for (const sub of subscriptions) {
        if (!sub.eventTypes.has(event.type)) continue;
        // Member ids go only to the loyalty provider, whatever a subscription asked for.
        if (spec.audience === 'loyalty' && !sub.loyalty) continue;
        if (spec.scope === 'hub' || event.storeId === null) {
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
        const id = `msg_${randomBytes(12).toString('hex')}`;
        written.push({ id, subscriptionId: sub.id });
        rows.push([
          id,
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
    return written;
  }

  /** Stops accepting events and writes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const subscribers = this.options.dataSource.subscribers;
    const at = subscribers.indexOf(this.commitWatcher);
    if (at >= 0) subscribers.splice(at, 1);
  }

  private committed(runner: QueryRunner): void {
    // A released savepoint is not the commit: wait for the outermost one.
    if (runner.isTransactionActive) return;
    const rows = this.uncommitted.get(runner);
    if (!rows) return;
    this.uncommitted.delete(runner);
    // After the query runner is released (PGlite has one session: claiming now would wait on it).
    setImmediate(() => this.options.onWritten?.(rows));
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
    if (
      !manager &&
      this.cache &&
      now - this.cache.at < SUBSCRIPTION_CACHE_MS &&
      now >= this.cache.at
    ) {
      return this.cache.subscriptions;
    }
    const rows = await (manager ?? this.options.dataSource).query<SubscriptionRow[]>(
      `SELECT s.id, s.event_types, s.store_ids, s.pseudonym_key, k.role AS owner_role
       FROM webhook_subscriptions s LEFT JOIN api_keys k ON k.id = s.owner_key_id
       WHERE s.enabled`,
    );
    const subscriptions = rows.map((r) => ({
      id: r.id,
      eventTypes: new Set(r.event_types),
      storeIds: [...r.store_ids],
      pseudonymKey: Buffer.from(r.pseudonym_key),
      loyalty: r.owner_role === 'loyalty',
    }));
    if (!manager) this.cache = { at: now, subscriptions };
    return subscriptions;
  }
}
