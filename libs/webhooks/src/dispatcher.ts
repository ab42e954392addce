import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { databaseKind } from '@aisle/persistence';
import type { AisleEvent, Clock } from '@aisle/sdk';
import { DELIVERY_TIMEOUT_MS, type DeliveryResult, type HttpDeliverer } from './http-delivery.js';
import { MAX_ATTEMPTS, nextRetryDelay, parseRetryAfter } from './retry.js';
import { webhookHeaders } from './signing.js';

/** A subscription failing for this long without one success is disabled. */
export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;
/**
 * A claimed row is leased for this long: if its dispatcher dies mid-delivery, another one takes
 * it over afterwards (a retry with the same `webhook-id`). Longer than the request timeout.
 */
export const CLAIM_LEASE_MS = DELIVERY_TIMEOUT_MS + 45_000;

export interface DisabledNotice {
  subscriptionId: string;
  reason: 'gone' | 'failing';
  failingSince: number | null;
}

export interface WebhookDispatcherOptions {
  dataSource: DataSource;
  clock: Clock;
  deliverer: HttpDeliverer;
  /** In [0, 1): retry jitter (default Math.random). */
  random?: () => number;
  /** Deliveries in flight per subscription at most (a slow receiver holds only its own). */
  perSubscription?: number;
  /** Deliveries in flight in all at most. */
  maxInFlight?: number;
  /** Delay before each retry (default RETRY_DELAYS_MS: 5 s … 10 h). */
  retryDelaysMs?: readonly number[];
  /** How often due retries are looked for (ms, real time); 0 = never by itself. */
  pollIntervalMs?: number;
  /**
   * Where the dispatcher writes `endpoint.disabled` in the transaction that disables the
   * subscription (the outbox); without it the event is only passed to `onDisabled`.
   */
  outbox?: TransactionalOutbox;
  /**
   * Tells other dispatchers (other hubs) that messages are due which this one has no room for
   * (PostgreSQL NOTIFY); see {@link PgOutboxChannel}.
   */
  channel?: OutboxChannel;
  /**
   * The hub disabled a subscription; `event` is the `endpoint.disabled` event already in the
   * outbox (publish it on the bus for other consumers, not to the outbox again).
   */
  onDisabled?: (notice: DisabledNotice, event: AisleEvent<'endpoint.disabled'>) => void;
  /** One attempt finished (after it was recorded). */
  onAttempt?: (attempt: { messageId: string; result: DeliveryResult }) => void;
  onError?: (error: unknown) => void;
}

/** What the dispatcher needs of the outbox: rows written in the caller's transaction. */
export interface TransactionalOutbox {
  enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<unknown>;
}

/** Cross-process wake-up between dispatchers (PostgreSQL LISTEN/NOTIFY). */
export interface OutboxChannel {
  /** Asks the other dispatchers to look for due messages. */
  notify(): Promise<void>;
}

/** A message just committed to the outbox, due now. */
export interface OfferedMessage {
  id: string;
  subscriptionId: string;
}

/** Messages one claim takes at most. */
const CLAIM_BATCH = 256;
/** Successes are recorded together within this window (ms): off the latency path. */
const RECORD_WINDOW_MS = 20;
/** Offered messages queued in memory at most (ids only); the rest wait in the outbox. */
const MAX_OFFERED = 10_000;

interface Claimed {
  id: string;
  subscriptionId: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: number | null;
}

interface Finished {
  message: Claimed;
  result: DeliveryResult;
  at: number;
}

/**
 * Delivers the outbox. Claims due rows with `FOR UPDATE SKIP LOCKED` (several dispatchers or
 * hubs never take the same row), leases them by moving `next_attempt_at` forward, signs each with
 * the Standard Webhooks headers and POSTs it; then records the attempt and either marks the
 * message delivered or schedules the retry. Time comes from the injected clock only.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private total = 0;
  private pumping = false;
  private again = false;
  /** Delivering by itself ({@link start}); otherwise only {@link runOnce} claims. */
  private started = false;
  private stopped = false;
  private killed = false;
  private poll: NodeJS.Timeout | null = null;
  /**
   * Just-committed messages waiting for a slot, per subscription, oldest first: claimed by id
   * before anything else. Bounded; beyond that they wait in the outbox for a general claim.
   */
  private readonly offered = new Map<string, OfferedMessage[]>();
  private offeredCount = 0;
  /** Due messages may be waiting in the outbox (a general claim is worth its query). */
  private mayHaveDue = true;
  /** Subscriptions that were at their limit when a claim found nothing. */
  private readonly blocked = new Set<string>();
  private delivered: { finished: Finished; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  private flushing = false;

  private readonly pglite: boolean;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.pglite = databaseKind(options.dataSource) === 'pglite';
  }

  /** Starts delivering: now, on {@link wake} / {@link offer}, and every poll interval. */
  start(): void {
    this.started = true;
    this.stopped = false;
    const every = this.options.pollIntervalMs ?? 1000;
    if (every > 0 && !this.poll) {
      this.poll = setInterval(() => this.wake(), every);
      this.poll.unref();
    }
    this.wake();
  }

  /** Messages may be due (retries, replays, another hub's overflow): look now. */
  wake(): void {
    this.mayHaveDue = true;
    this.schedule();
  }

  /**
   * Messages just committed (due now): claimed by id at once, up to the concurrency limits; the
   * rest wait in the outbox for a general claim (and other hubs are told about them).
   */
  offer(messages: readonly OfferedMessage[]): void {
    if (messages.length === 0) return;
    let overflow = false;
    for (const m of messages) {
      if (this.offeredCount >= MAX_OFFERED) {
        overflow = true;
        continue;
      }
      const queue = this.offered.get(m.subscriptionId);
      if (queue) queue.push(m);
      else this.offered.set(m.subscriptionId, [m]);
      this.offeredCount += 1;
    }
    if (overflow) {
      this.mayHaveDue = true;
      // Other hubs may have room for what this one cannot even queue.
      this.options.channel?.notify().catch((error: unknown) => this.options.onError?.(error));
    }
    this.schedule();
  }

  /**
   * One claim round: claims what is due now and delivers it; resolves when those deliveries are
   * recorded. Returns how many were claimed. (Tests drive the dispatcher with this and a fake
   * clock.)
   */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((m) => this.deliver(m)));
    return claimed.length;
  }

  /** Rounds until nothing is due. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      if (n === 0) return total;
      total += n;
    }
  }

  /** Stops claiming and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    while (this.pumping) await new Promise((r) => setTimeout(r, 1));
  }

  /**
   * Simulates a crash: stops at once, abandons what is in flight without recording it (its rows
   * stay leased and are delivered again after the lease, with the same `webhook-id`).
   */
  kill(): void {
    this.killed = true;
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.options.deliverer.close();
  }

  /** Sends one signed test message now (not retried); the attempt is logged. */
  async sendTest(subscriptionId: string): Promise<{ messageId: string; result: DeliveryResult }> {
    const now = this.options.clock.now();
    const rows = await this.options.dataSource.query<SubscriptionRow[]>(
      `SELECT id, url, secret, previous_secret, previous_secret_until
       FROM webhook_subscriptions WHERE id = $1`,
      [subscriptionId],
    );
    const sub = rows[0];
    if (!sub) throw new Error(`webhook subscription ${subscriptionId} not found`);
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const body = JSON.stringify({
      type: 'webhook.test',
      version: 1,
      timestamp: new Date(now).toISOString(),
      data: { subscriptionId },
    });
    const at = new Date(now).toISOString();
    await this.options.dataSource.query(
      `INSERT INTO webhook_messages
         (id, subscription_id, event_id, event_type, store_id, body, status, attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3, 'webhook.test', NULL, $4, 'test', 1, $5::timestamptz, $5::timestamptz)`,
      [id, subscriptionId, `evt_test_${id.slice(4)}`, body, at],
    );
    const message = toClaimed({ ...sub, id, subscription_id: subscriptionId, body, attempts: 1 });
    const result = await this.send(message, now);
    await this.options.dataSource.query(
      `INSERT INTO webhook_attempts (message_id, subscription_id, attempt, at, outcome, status_code, latency_ms, response_excerpt)
       VALUES ($1, $2, 1, $3::timestamptz, $4, $5, $6, $7)`,
      [id, subscriptionId, at, result.outcome, result.statusCode, result.latencyMs, result.excerpt],
    );
    if (result.outcome === 'delivered') {
      await this.options.dataSource.query(
        `UPDATE webhook_messages SET delivered_at = $2::timestamptz WHERE id = $1`,
        [id, at],
      );
    } else {
      await this.options.dataSource.query(
        `UPDATE webhook_messages SET last_error = $2 WHERE id = $1`,
        [id, describe(result)],
      );
    }
    return { messageId: id, result };
  }

  /** Pumps on the next turn of the event loop: finishes in the same turn share one claim. */
  private schedule(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.stopped) return;
        let claimed: Claimed[] = [];
        let picked = 0;
        if (this.offeredCount > 0) {
          ({ picked, claimed } = await this.claimOffered());
        }
        if (picked === 0 && this.mayHaveDue && this.room() > 0) {
          this.mayHaveDue = false;
          const full = [...this.inFlight]
            .filter(([, n]) => n >= this.perSubscription())
            .map(([id]) => id);
          claimed = await this.claim();
          if (claimed.length > 0) {
            this.mayHaveDue = true; // there may be more once slots free up
          } else {
            // Nothing claimable; a subscription that was full may still have a backlog: look
            // again when one of its slots is free.
            for (const id of full) {
              if ((this.inFlight.get(id) ?? 0) >= this.perSubscription()) {
                this.blocked.add(id);
              } else {
                // A slot freed while the claim ran: look again now.
                this.mayHaveDue = true;
                this.again = true;
              }
            }
          }
        }
        for (const message of claimed) this.run(message);
        if (claimed.length > 0 || picked > 0) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.mayHaveDue = true; // look again on the next wake or poll
      this.options.onError?.(error);
    } finally {
      this.pumping = false;
    }
  }

  private run(message: Claimed): void {
    const run = this.deliver(message).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** A slot of this subscription is free again (its request is done; recording may follow). */
  private released(subscriptionId: string): void {
    if (this.blocked.delete(subscriptionId)) this.mayHaveDue = true;
    // Claim in batches: once half of a subscription's (or of all) slots are free.
    const worthIt =
      (this.inFlight.get(subscriptionId) ?? 0) <= this.perSubscription() / 2 ||
      this.total <= this.maxInFlight() / 2;
    if (this.offered.has(subscriptionId) || (this.mayHaveDue && worthIt)) this.schedule();
  }

  private maxInFlight(): number {
    return this.options.maxInFlight ?? 64;
  }

  private perSubscription(): number {
    return this.options.perSubscription ?? 8;
  }

  private room(): number {
    return this.maxInFlight() - this.total;
  }

  private take(m: Claimed): void {
    this.total += 1;
    this.inFlight.set(m.subscriptionId, (this.inFlight.get(m.subscriptionId) ?? 0) + 1);
  }

  /**
   * Claims queued offered messages by id (primary-key lookups, `SKIP LOCKED`), as many per
   * subscription as it has room for; the others stay queued. A message another dispatcher took
   * meanwhile (or of a subscription disabled since) is simply not returned.
   */
  private async claimOffered(): Promise<{ picked: number; claimed: Claimed[] }> {
    const ids: string[] = [];
    let room = this.room();
    for (const [subscriptionId, queue] of this.offered) {
      if (room <= 0) break;
      const free = Math.min(
        room,
        this.perSubscription() - (this.inFlight.get(subscriptionId) ?? 0),
      );
      if (free <= 0) continue;
      const take = queue.splice(0, free);
      if (queue.length === 0) this.offered.delete(subscriptionId);
      for (const m of take) ids.push(m.id);
      room -= take.length;
    }
    this.offeredCount -= ids.length;
    if (ids.length === 0) return { picked: 0, claimed: [] };
    const now = this.options.clock.now();
    const rows = await this.leased<(SubscriptionRow & MessageRow)[]>(
      `WITH picked AS (
         SELECT m.id FROM webhook_messages m
         WHERE m.id = ANY($3::text[]) AND m.status = 'pending' AND m.next_attempt_at <= $1::timestamptz
         FOR UPDATE OF m SKIP LOCKED
       ),
       claimed AS (
         UPDATE webhook_messages m
           SET attempts = m.attempts + 1, next_attempt_at = $2::timestamptz
         FROM webhook_subscriptions s
         WHERE m.id = ANY(ARRAY(SELECT id FROM picked)) AND s.id = m.subscription_id AND s.enabled
         RETURNING m.id, m.subscription_id, m.body, m.attempts,
                   s.url, s.secret, s.previous_secret, s.previous_secret_until
       )
       SELECT * FROM claimed`,
      [new Date(now).toISOString(), new Date(now + CLAIM_LEASE_MS).toISOString(), ids],
    );
    const claimed = rows.map(toClaimed);
    for (const m of claimed) this.take(m);
    return { picked: ids.length, claimed };
  }

  /**
   * Claims due rows of enabled subscriptions within the concurrency limits: per subscription an
   * index range scan of its pending rows (`webhook_messages_pending`), `FOR UPDATE SKIP LOCKED`
   * so several dispatchers or hubs never take the same row, leased by moving `next_attempt_at`.
   */
  private async claim(): Promise<Claimed[]> {
    if (this.stopped && this.running.size === 0 && this.killed) return [];
    const room = Math.min(this.room(), CLAIM_BATCH);
    if (room <= 0) return [];
    const now = this.options.clock.now();
    const busyIds = [...this.inFlight.keys()];
    const busyCounts = busyIds.map((id) => this.inFlight.get(id) ?? 0);
    const rows = await this.leased<(SubscriptionRow & MessageRow)[]>(
      `WITH picked AS (
         SELECT p.id FROM webhook_subscriptions s
         LEFT JOIN unnest($3::text[], $4::int[]) AS f(sub, n) ON f.sub = s.id
         CROSS JOIN LATERAL (
           SELECT m.id FROM webhook_messages m
           WHERE m.subscription_id = s.id AND m.status = 'pending'
             AND m.next_attempt_at <= $1::timestamptz
           ORDER BY m.next_attempt_at, m.id
           LIMIT greatest($5::int - coalesce(f.n, 0), 0)
           FOR UPDATE OF m SKIP LOCKED
         ) p
         WHERE s.enabled
         LIMIT $6
       ),
       -- = ANY(ARRAY(…)): primary-key lookups whatever the planner's statistics say.
       claimed AS (
         UPDATE webhook_messages m
           SET attempts = m.attempts + 1, next_attempt_at = $2::timestamptz
         FROM webhook_subscriptions s
         WHERE m.id = ANY(ARRAY(SELECT id FROM picked)) AND s.id = m.subscription_id
         RETURNING m.id, m.subscription_id, m.body, m.attempts,
                   s.url, s.secret, s.previous_secret, s.previous_secret_until
       )
       SELECT * FROM claimed`,
      [
        new Date(now).toISOString(),
        new Date(now + CLAIM_LEASE_MS).toISOString(),
        busyIds,
        busyCounts,
        this.perSubscription(),
        room,
      ],
    );
    const claimed = rows.map(toClaimed);
    for (const m of claimed) this.take(m);
    return claimed;
  }

  /**
   * A lease or success-record statement in a transaction of its own with an asynchronous
   * commit: it does not wait for the disk. One lost in a database crash only means the message
   * is claimed and delivered again, with the same `webhook-id`.
   */
  private leased<T>(sql: string, parameters: unknown[]): Promise<T> {
    // PGlite has no disk flush to skip (and every statement blocks the event loop): one statement.
    if (this.pglite) return this.options.dataSource.query<T>(sql, parameters);
    return this.options.dataSource.transaction(async (manager) => {
      await relaxedCommit(manager);
      return manager.query<T>(sql, parameters);
    });
  }

  private async deliver(message: Claimed): Promise<void> {
    let result: DeliveryResult;
    try {
      result = await this.send(message, this.options.clock.now());
    } finally {
      this.total -= 1;
      const left = (this.inFlight.get(message.subscriptionId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(message.subscriptionId);
      else this.inFlight.set(message.subscriptionId, left);
      if (!this.killed) this.released(message.subscriptionId);
    }
    if (this.killed) return; // a crashed process records nothing
    try {
      const finished = { message, result, at: this.options.clock.now() };
      await (result.outcome === 'delivered'
        ? this.recordDelivered(finished)
        : this.record(finished));
      this.options.onAttempt?.({ messageId: message.id, result });
    } catch (error) {
      // Unrecorded: the lease runs out and the message is delivered again (same webhook-id).
      this.options.onError?.(error);
    }
  }

  private send(message: Claimed, now: number): Promise<DeliveryResult> {
    const secrets = [message.secret];
    if (
      message.previousSecret !== null &&
      message.previousSecretUntil !== null &&
      message.previousSecretUntil > now
    ) {
      secrets.push(message.previousSecret);
    }
    const headers = webhookHeaders({
      id: message.id,
      timestamp: Math.floor(now / 1000),
      body: message.body,
      secrets,
    });
    return this.options.deliverer.deliver({ url: message.url, headers, body: message.body });
  }

  /** Successes are recorded in batches: one transaction for all that finished meanwhile. */
  private recordDelivered(finished: Finished): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.delivered.push({ finished, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // A short window gathers the successes of many deliveries into one transaction.
        setTimeout(() => void this.flushDelivered(), RECORD_WINDOW_MS);
      }
    });
  }

  private async flushDelivered(): Promise<void> {
    this.flushing = true;
    try {
      while (this.delivered.length > 0) {
        const batch = this.delivered.splice(0);
        try {
          await this.writeDelivered(batch.map((b) => b.finished));
          for (const b of batch) b.resolve();
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One statement (so one transaction): the attempts, the messages, the subscriptions. */
  private async writeDelivered(batch: Finished[]): Promise<void> {
    const col = <T>(f: (b: Finished) => T): T[] => batch.map(f);
    await this.leased(
      `WITH attempts AS (
         INSERT INTO webhook_attempts (message_id, subscription_id, attempt, at, outcome, status_code, latency_ms, response_excerpt)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::int[], $7::int[], $8::text[])
       ),
       messages AS (
         UPDATE webhook_messages m SET status = 'delivered', delivered_at = v.at, last_error = NULL
         FROM unnest($1::text[], $3::int[], $4::timestamptz[]) AS v(id, attempts, at)
         WHERE m.id = ANY($1::text[]) AND m.id = v.id AND m.attempts = v.attempts
           AND m.status = 'pending'
       )
       UPDATE webhook_subscriptions SET failing_since = NULL
       WHERE id = ANY($9::text[]) AND failing_since IS NOT NULL`,
      [
        col((b) => b.message.id),
        col((b) => b.message.subscriptionId),
        col((b) => b.message.attempts),
        col((b) => new Date(b.at).toISOString()),
        col((b) => b.result.outcome),
        col((b) => b.result.statusCode),
        col((b) => b.result.latencyMs),
        col((b) => b.result.excerpt),
        [...new Set(col((b) => b.message.subscriptionId))],
      ],
    );
  }

  /** Attempt log, then the message's and the subscription's new state, in one transaction. */
  private async record({ message, result, at }: Finished): Promise<void> {
    const atIso = new Date(at).toISOString();
    let disabled: { notice: DisabledNotice; event: AisleEvent<'endpoint.disabled'> } | null = null;
    await this.options.dataSource.transaction(async (manager) => {
      await relaxedCommit(manager);
      await manager.query(
        `INSERT INTO webhook_attempts (message_id, subscription_id, attempt, at, outcome, status_code, latency_ms, response_excerpt)
         VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8)`,
        [
          message.id,
          message.subscriptionId,
          message.attempts,
          atIso,
          result.outcome,
          result.statusCode,
          result.latencyMs,
          result.excerpt,
        ],
      );
      if (result.outcome === 'delivered') {
        await manager.query(
          `UPDATE webhook_messages SET status = 'delivered', delivered_at = $3::timestamptz, last_error = NULL
           WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
          [message.id, message.attempts, atIso],
        );
        await manager.query(
          `UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`,
          [message.subscriptionId],
        );
        return;
      }
      const gone = result.statusCode === 410;
      const retryAfter =
        result.statusCode === 429 || result.statusCode === 503
          ? parseRetryAfter(result.retryAfter, at)
          : null;
      const delay = gone
        ? null
        : nextRetryDelay({
            attempts: message.attempts,
            random: (this.options.random ?? Math.random)(),
            retryAfterMs: retryAfter,
            ...(this.options.retryDelaysMs ? { delaysMs: this.options.retryDelaysMs } : {}),
          });
      await manager.query(
        `UPDATE webhook_messages
           SET status = $3, next_attempt_at = coalesce($4::timestamptz, next_attempt_at), last_error = $5
         WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [
          message.id,
          message.attempts,
          delay === null ? 'failed' : 'pending',
          delay === null ? null : new Date(at + delay).toISOString(),
          describe(result),
        ],
      );
      const [sub] = await manager.query<{ failing_since: Date | string; enabled: boolean }[]>(
        `WITH updated AS (
           UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, $2::timestamptz)
           WHERE id = $1 RETURNING failing_since, enabled
         )
         SELECT * FROM updated`,
        [message.subscriptionId, atIso],
      );
      if (!sub?.enabled) return;
      const failingSince = new Date(sub.failing_since).getTime();
      const reason = gone ? 'gone' : at - failingSince >= AUTO_DISABLE_AFTER_MS ? 'failing' : null;
      if (reason !== null) {
        await manager.query(
          `UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2 WHERE id = $1`,
          [message.subscriptionId, reason],
        );
        const notice: DisabledNotice = {
          subscriptionId: message.subscriptionId,
          reason,
          failingSince,
        };
        const event: AisleEvent<'endpoint.disabled'> = {
          id: `evt_${randomUUID()}`,
          type: 'endpoint.disabled',
          storeId: null,
          at,
          data: notice,
        };
        // Written with the change that caused it: no disabled endpoint without its notice.
        await this.options.outbox?.enqueueIn(manager, [event]);
        disabled = { notice, event };
      }
    });
    if (disabled) {
      const { notice, event } = disabled;
      this.options.onDisabled?.(notice, event);
    }
  }
}

/** Attempts a message gets before it is given up. */
export const WEBHOOK_MAX_ATTEMPTS = MAX_ATTEMPTS;

interface SubscriptionRow {
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | string | null;
}

interface MessageRow {
  id: string;
  subscription_id: string;
  body: string;
  attempts: number;
}

function toClaimed(row: SubscriptionRow & MessageRow): Claimed {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    body: row.body,
    attempts: Number(row.attempts),
    url: row.url,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil:
      row.previous_secret_until === null ? null : new Date(row.previous_secret_until).getTime(),
  };
}

/**
 * Attempt records and leases need not wait for the disk: a record lost in a database crash only
 * means the message is delivered again, with the same `webhook-id` (at-least-once either way).
 * Outbox rows themselves are always written with a durable commit.
 */
async function relaxedCommit(manager: EntityManager): Promise<void> {
  await manager.query('SET LOCAL synchronous_commit = off');
}

function describe(result: DeliveryResult): string {
  const status = result.statusCode === null ? '' : ` ${result.statusCode}`;
  return `${result.outcome}${status}${result.excerpt ? `: ${result.excerpt.slice(0, 200)}` : ''}`;
}
