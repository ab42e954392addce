import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock, type Clock, type Sighting, type TimerHandle } from '@aisle/sdk';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { databaseKind, rawPGlite } from './data-source.js';
import { SightingEntity } from './entities/sighting.entity.js';
import { receiptStatements, type MessageReceipt } from './message-receipts.js';
import {
  isoMinutePrefix,
  isoTime,
  sightingProblem,
  toSightingValues,
  type SightingValues,
} from './sighting-row.js';
import { SpillFile, type QueuedRow } from './spill-file.js';

/**
 * `insert`: multi-row parameterised INSERTs (both databases). `copy`: COPY FROM STDIN through
 * pg-copy-streams on PostgreSQL, COPY from a blob on PGlite. `auto` picks COPY on both: measured
 * 2–3× faster (see README).
 */
export type SightingWriteMethod = 'auto' | 'insert' | 'copy';

export interface SightingWriterOptions {
  /** Rows per write; a full buffer of this many is written at once. Default 1000. */
  batchSize?: number;
  /**
   * Rows per write while at least this many wait: a backlog (the database is behind, or the input
   * comes faster than one batch per round trip) is written in larger COPYs, so a transaction's
   * round trips and its commit are paid once per this many rows. Between `batchSize` and
   * `maxBuffered`; default 4 × `batchSize` (at most `maxBuffered`).
   */
  backlogBatchSize?: number;
  /** A row waits at most about this long before it is written. Default 250 ms. */
  flushIntervalMs?: number;
  /**
   * Rows held in memory (buffered and in flight). Beyond it the rows go to the spill file when one
   * is configured, else the oldest are dropped (counted). Default 100,000.
   */
  maxBuffered?: number;
  method?: SightingWriteMethod;
  /**
   * First retry delay after a failed write; doubles per failure, with jitter. Default 25 ms: the
   * first retries catch a blip, and the cap keeps recovery quick.
   */
  retryDelayMs?: number;
  /** Upper bound of the retry delay: the database is written again at most this long after it is back. Default 1 s. */
  maxRetryDelayMs?: number;
  /**
   * A local append-only file for when the database is down or too slow: rows are appended and
   * fsynced there (and count as stored), then replayed in order once writes succeed again.
   */
  spill?: SpillOptions;
  /** How long `close()` keeps retrying before it drops (and reports) what is left. Default 5 s. */
  closeTimeoutMs?: number;
  /** Timers (unref'd by default, so a writer never keeps the process alive). */
  clock?: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  /** Failed writes (rows kept, retried) and dropped rows. Must not throw. */
  onError?: (error: SightingWriteError | SightingsDroppedError) => void;
  /** Rows written by each successful write. */
  onWritten?: (count: number) => void;
}

export interface SpillOptions {
  /** The file (created with its folder; `<path>.offset` next to it keeps the replay position). */
  path: string;
  /** Beyond this many bytes in the file, further rows are dropped, counted and reported. */
  maxBytes: number;
  /**
   * How long writes must have been failing before rows go to the file; until then they wait in
   * memory (and their messages stay unacknowledged, so the broker holds the rest). Default 2 s.
   */
  afterMs?: number;
}

/** What the writer holds that is not in the database yet, for /health and /metrics. */
export interface SightingWriterStatus {
  /** Rows in memory: waiting, in flight, or on their way to the spill file. */
  backlog: number;
  /** Rows in the spill file not yet replayed into the database. */
  spilledRows: number;
  /** Bytes in the spill file not yet replayed. */
  spillBytes: number;
  /** When the oldest row not yet in the database was handed to the writer (null: none). */
  oldestUnstoredAt: number | null;
  /** Writes are failing (since the first failure of a run of them). */
  failingSince: number | null;
  /** Rows given up (all reasons), since start. */
  dropped: number;
}

/** A write failed; its rows are kept and retried after `retryInMs` (null: writer closing). */
export class SightingWriteError extends Error {
  override readonly name = 'SightingWriteError';
  constructor(
    cause: unknown,
    readonly rows: number,
    readonly attempt: number,
    readonly retryInMs: number | null,
  ) {
    super(
      `writing ${rows} sightings failed (attempt ${attempt}${retryInMs === null ? '' : `, retry in ${retryInMs} ms`}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Rows that will never be written: `overflow` (buffer full, the oldest went), `invalid` (the
 * database would refuse them), `closed` (enqueued after close, or unwritten when close gave up),
 * `disk-limit` (the spill file is at its size limit).
 */
export class SightingsDroppedError extends Error {
  override readonly name = 'SightingsDroppedError';
  constructor(
    readonly reason: 'overflow' | 'invalid' | 'closed' | 'disk-limit',
    readonly count: number,
    detail?: string,
  ) {
    super(`${count} sightings dropped (${reason})${detail === undefined ? '' : `: ${detail}`}`);
  }
}

// PostgreSQL's wire protocol counts bind parameters in 16 bits.
const MAX_PARAMETERS = 65535;

type Cell = string | number | boolean | null;

/** Column order of every INSERT and COPY. */
const COLUMNS: readonly (readonly [name: string, value: (row: SightingValues) => Cell])[] = [
  ['store_id', (r) => r.storeId],
  ['sensor_id', (r) => r.sensorId],
  ['kind', (r) => r.kind],
  ['at', (r) => isoTime(r.at)],
  ['period', (r) => isoTime(r.period)],
  ['subject', (r) => r.subject],
  ['rssi', (r) => r.rssi],
  ['randomized', (r) => r.randomized],
  ['beacon', (r) => r.beacon],
  ['channel', (r) => r.channel],
  ['tx_power', (r) => r.txPower],
  ['fingerprint', (r) => r.fingerprint],
  ['line_id', (r) => r.lineId],
  ['zone_id', (r) => r.zoneId],
  ['entries', (r) => r.entries],
  ['exits', (r) => r.exits],
  ['occupancy', (r) => r.occupancy],
  ['interval_start', (r) => (r.intervalStart === null ? null : isoTime(r.intervalStart))],
];
const COLUMN_LIST = COLUMNS.map(([name]) => `"${name}"`).join(', ');
const MAX_ROWS_PER_STATEMENT = Math.floor(MAX_PARAMETERS / COLUMNS.length);

/** What {@link SightingWriter.stored} returns when nothing is pending (one object, not one per call). */
const STORED: Promise<void> = Promise.resolve();

/** Callers of `stored()` sharing one promise: rows from `from` up to `target` (see `stored`). */
interface StoredWaiter {
  from: number;
  target: number;
  resolve: () => void;
  promise: Promise<void>;
}

/**
 * Buffers sightings and writes them in batches: when `batchSize` rows are waiting, and at the
 * latest `flushIntervalMs` after a row arrived. A failed write keeps its rows and retries with
 * capped, jittered back-off; nothing is thrown into the event loop and no row disappears uncounted:
 * `written`, `failedAttempts`, `dropped` and `rejected` (rows the database would refuse), each drop
 * also reported through `onError`.
 *
 * With a spill file, writes that keep failing (or a backlog beyond `maxBuffered`) send the rows to
 * the file instead (appended and fsynced); every later row follows them there until replay has
 * written the whole file to the database, so the order is kept. Only past the file's size limit are
 * rows dropped. `stored()` tells a caller when what it enqueued is safe: in the database, in the
 * synced spill file, or knowingly dropped (counted) — the point at which a message may be
 * acknowledged to its broker. Delivery is at least once: a write whose acknowledgement was lost is
 * written again.
 */
export class SightingWriter {
  private readonly batchSize: number;
  private readonly backlogBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly spillAfterMs: number;
  private readonly clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  private readonly method: 'insert' | 'copy';

  /** Rows waiting, oldest first, from index `head`; `headSeq` numbers `waiting[head]`. */
  private waiting: QueuedRow[] = [];
  private head = 0;
  private headSeq = 0;
  private nextSeq = 0;
  private inflight: { rows: QueuedRow[]; seq: number } | null = null;

  /** Spill mode: rows go to the file (in order) until replay has emptied it. */
  private spilling = false;
  private spillFile: SpillFile | null = null;
  private spillOpening: Promise<SpillFile> | null = null;
  /** Rows on their way to the file; `spillQueueSeq` numbers the first. */
  private spillQueue: QueuedRow[] = [];
  private spillQueueSeq = 0;
  private appending: { rows: number; seq: number } | null = null;
  private appendRunning: Promise<void> | null = null;
  private replayRunning: Promise<void> | null = null;
  private replayTimer: TimerHandle | null = null;
  private spillWanted = false;

  private running: Promise<void> | null = null;
  private drainAll = false;
  private lingerTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private consecutiveFailures = 0;
  private failingSince: number | null = null;
  private unreportedOverflow = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private shutDownDone = false;
  private waiters: { target: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  /**
   * Callers of {@link stored}, from index `storedHead`: their targets never decrease (each is the
   * row count at its call) and rows settle in order, so the settled ones are always a prefix.
   */
  private storedWaiters: StoredWaiter[] = [];
  private storedHead = 0;
  private pressureWaiters: (() => void)[] = [];
  /**
   * Receipts of messages, in order: `seq` is the row count when the message's rows were enqueued,
   * so a receipt is committed with the batch that holds the message's last row.
   */
  private receipts: { start: number; seq: number; receipt: MessageReceipt }[] = [];
  /** The row count at the last `stored()` call: where the next message's rows begin (at most). */
  private markSeq = 0;
  private kickQueued = false;
  private insertSql: { rows: number; sql: string } | null = null;

  private counts = { written: 0, failedAttempts: 0, dropped: 0, rejected: 0, writes: 0, held: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SightingWriterOptions = {},
  ) {
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? 1000);
    this.flushIntervalMs = positiveInteger('flushIntervalMs', options.flushIntervalMs ?? 250);
    this.maxBuffered = positiveInteger('maxBuffered', options.maxBuffered ?? 100_000);
    this.retryDelayMs = positiveInteger('retryDelayMs', options.retryDelayMs ?? 25);
    this.maxRetryDelayMs = positiveInteger('maxRetryDelayMs', options.maxRetryDelayMs ?? 1000);
    this.closeTimeoutMs = Math.max(0, options.closeTimeoutMs ?? 5000);
    this.spillAfterMs = Math.max(0, options.spill?.afterMs ?? 2000);
    if (options.spill) positiveInteger('spill.maxBytes', options.spill.maxBytes);
    if (this.batchSize > this.maxBuffered) {
      throw new RangeError(
        `batchSize (${this.batchSize}) exceeds maxBuffered (${this.maxBuffered})`,
      );
    }
    this.backlogBatchSize = positiveInteger(
      'backlogBatchSize',
      options.backlogBatchSize ?? Math.min(4 * this.batchSize, this.maxBuffered),
    );
    if (this.backlogBatchSize < this.batchSize || this.backlogBatchSize > this.maxBuffered) {
      throw new RangeError(
        `backlogBatchSize (${this.backlogBatchSize}) must be between batchSize (${this.batchSize}) and maxBuffered (${this.maxBuffered})`,
      );
    }
    this.clock = options.clock ?? systemClock;
    this.method = options.method === 'insert' ? 'insert' : 'copy';
  }

  /**
   * Opens the spill file (when configured) and, if an earlier run left rows in it, replays them
   * before anything newer: call before the first `enqueue`. Without a spill file it does nothing.
   */
  async open(): Promise<void> {
    if (!this.options.spill) return;
    const file = await this.openSpill();
    if (file.pendingBytes > 0 && !this.spilling) {
      if (this.inflight !== null || this.waitingCount > 0) {
        throw new Error('SightingWriter.open() must be called before rows are enqueued');
      }
      this.spilling = true;
      this.spillQueueSeq = this.nextSeq;
      this.scheduleReplay(0);
    }
  }

  /** Rows written since start. */
  get written(): number {
    return this.counts.written;
  }

  /** Write attempts that failed (their rows were kept and retried). */
  get failedAttempts(): number {
    return this.counts.failedAttempts;
  }

  /** Rows given up: overflow without a spill file, past the spill limit, or at close. */
  get dropped(): number {
    return this.counts.dropped;
  }

  /** Rows refused at enqueue because the database would refuse them. */
  get rejected(): number {
    return this.counts.rejected;
  }

  /** Rows held in memory: waiting, in flight, and on their way to the spill file. */
  get buffered(): number {
    return (
      this.waitingCount +
      (this.inflight?.rows.length ?? 0) +
      this.spillQueue.length +
      (this.appending?.rows ?? 0)
    );
  }

  /** Successful write statements (INSERT or COPY batches, including replayed ones). */
  get writes(): number {
    return this.counts.writes;
  }

  /** Whether rows are going to the spill file now. */
  get isSpilling(): boolean {
    return this.spilling;
  }

  /**
   * Back-pressure for a source that can wait (the MQTT client stops reading, so the broker queues):
   * null while the writer takes more, else a promise that resolves when it does. The writer is
   * full when more than `maxBuffered` rows wait in memory for a database that accepts writes
   * (it is slower than the input: the file would not help), until they are down to three
   * quarters; and while the spill file is being replayed into a database that accepts writes,
   * each held message waits for the next replayed batch, so the replay gains on the input
   * instead of the input growing the file. While the database refuses writes nothing is held:
   * rows go to the spill file (its size limit bounds them).
   */
  pressure(): Promise<void> | null {
    if (this.closed || !this.underPressure()) return null;
    this.counts.held += 1;
    return new Promise<void>((resolve) => this.pressureWaiters.push(resolve));
  }

  /** Messages a source held back on {@link pressure} so far. */
  get held(): number {
    return this.counts.held;
  }

  private underPressure(): boolean {
    if (this.consecutiveFailures > 0) return false;
    if (this.spilling) return this.replayRunning !== null && (this.spillFile?.rows ?? 0) > 0;
    return this.buffered > this.maxBuffered;
  }

  /** Lets held sources go: on each replayed batch, or once memory is down to three quarters. */
  private releasePressure(replayed = false): void {
    if (this.pressureWaiters.length === 0) return;
    const full = this.spilling
      ? !replayed && this.underPressure()
      : this.consecutiveFailures === 0 && this.buffered > (this.maxBuffered * 3) / 4;
    if (full && !this.closed) return;
    for (const resolve of this.pressureWaiters.splice(0)) resolve();
  }

  status(): SightingWriterStatus {
    const candidates = [
      this.spillFile?.oldestQueuedAt ?? null,
      this.inflight?.rows[0]?.queuedAt ?? null,
      this.waiting[this.head]?.queuedAt ?? null,
      this.spillQueue[0]?.queuedAt ?? null,
    ].filter((t): t is number => t !== null);
    return {
      backlog: this.buffered,
      spilledRows: this.spillFile?.rows ?? 0,
      spillBytes: this.spillFile?.pendingBytes ?? 0,
      oldestUnstoredAt: candidates.length > 0 ? Math.min(...candidates) : null,
      failingSince: this.failingSince,
      dropped: this.counts.dropped,
    };
  }

  /** Buffers sightings; never throws, never waits. */
  enqueue(sightings: readonly Sighting[]): void {
    if (this.closed) {
      this.counts.dropped += sightings.length;
      this.report(new SightingsDroppedError('closed', sightings.length, 'enqueued after close'));
      return;
    }
    const queuedAt = this.clock.now();
    const target = this.spilling ? this.spillQueue : this.waiting;
    let invalid = 0;
    let firstProblem = '';
    for (const sighting of sightings) {
      const row = checkedRow(sighting, queuedAt);
      if (typeof row === 'string') {
        invalid += 1;
        firstProblem ||= row;
        continue;
      }
      target.push(row);
      this.nextSeq += 1;
    }
    if (invalid > 0) {
      this.counts.rejected += invalid;
      this.report(new SightingsDroppedError('invalid', invalid, firstProblem));
    }
    if (this.spilling) {
      this.kickAppend();
      return;
    }
    this.trimOverflow();
    this.schedule();
  }

  /**
   * Resolves once every row enqueued so far is stored: written to the database, appended and
   * synced to the spill file, or dropped and counted. Never rejects; while the database is down
   * and nothing can spill, it waits (that is the back-pressure).
   */
  stored(receipt?: MessageReceipt): Promise<void> {
    const target = this.nextSeq;
    const start = this.markSeq;
    this.markSeq = target;
    if (this.settled(target)) return STORED;
    // Committed in the transaction of the batch that holds the message's last row (a message
    // without rows pending needs none: a redelivery of it stores nothing either).
    if (receipt) this.receipts.push({ start, seq: target, receipt });
    // One promise for consecutive callers while none of their rows has been taken into a write,
    // up to a batch of rows: it settles once the last of them is stored (so never before any
    // caller's own rows), and a flood of one-row messages makes one promise per batch, not one
    // per message. Past a cut the group closes, so a caller waits at most for the next batch.
    const stored = this.storedWaiters;
    const last = stored.length > this.storedHead ? stored[stored.length - 1]! : undefined;
    if (last !== undefined && last.from >= this.headSeq && target - last.from <= this.batchSize) {
      last.target = target;
      return last.promise;
    }
    let resolve!: () => void;
    const promise = new Promise<void>((settle) => {
      resolve = settle;
    });
    stored.push({ from: start, target, resolve, promise });
    return promise;
  }

  /**
   * Starts writing every row buffered now, as {@link flush} does, with nothing to wait on: for a
   * caller that asks once per message (no promise, no waiter each time).
   */
  writeNow(): void {
    if (this.spilling || this.settled(this.nextSeq)) return;
    this.clearRetry(); // asked explicitly: try now
    this.drainAll = true;
    this.kick();
  }

  /**
   * Writes every row buffered now (to the database, or to the spill file while spilling). Rejects
   * when a write fails meanwhile (the rows stay buffered and are retried in the background).
   */
  flush(): Promise<void> {
    const target = this.nextSeq;
    if (this.settled(target)) return STORED;
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
    });
    if (!this.spilling) {
      this.clearRetry(); // asked explicitly: try now
      this.drainAll = true;
      this.kick();
    }
    return done;
  }

  /**
   * Stops the timers and writes what is left, retrying failures, for at most `closeTimeoutMs` (by
   * the writer's clock). Then, with a spill file, what is left goes there (for the next start);
   * without one, rows still waiting are dropped and reported. A write still in flight finishes in
   * the background (its rows dropped and reported if it fails). Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.releasePressure();
    this.clearLinger();
    const deadline = this.clock.now() + this.closeTimeoutMs;
    if (!this.spilling) {
      for (;;) {
        const outcome = await this.within(this.flush(), deadline - this.clock.now());
        if (outcome !== 'failed') break; // written, or out of time
        this.clearRetry();
        if (this.options.spill && this.inflight === null) break; // to the spill file below
        const wait = Math.min(this.backoff(), deadline - this.clock.now());
        if (wait <= 0) break;
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
      }
      this.clearRetry();
      if (this.options.spill && this.running !== null) {
        // A write still in flight: its outcome decides whether its rows go to the file.
        const running = this.running.then(() => undefined);
        await this.within(running, Math.max(1000, this.closeTimeoutMs));
      }
      if (this.options.spill && this.inflight === null && this.waitingCount > 0) {
        await this.enterSpill().catch(() => undefined);
      }
    }
    if (this.spilling) {
      this.clearReplayTimer();
      await this.replayRunning;
      while (this.appendRunning !== null) await this.appendRunning;
      this.clearReplayTimer();
    }
    this.clearReplayTimer();
    await this.replayRunning;
    await this.resetting?.catch(() => undefined);
    await this.spillFile?.close().catch(() => undefined);
    this.shutDownDone = true;
    this.dropLeftovers();
  }

  /** Waits for `promise` at most `ms` (by the writer's clock). */
  private within(promise: Promise<void>, ms: number): Promise<'done' | 'failed' | 'timeout'> {
    const settled = promise.then(
      () => 'done' as const,
      () => 'failed' as const,
    );
    if (ms <= 0) return Promise.race([settled, Promise.resolve('timeout' as const)]);
    let timer: TimerHandle | null = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('timeout'), ms);
    });
    return Promise.race([settled, timeout]).finally(() => {
      if (timer !== null) this.clock.clearTimeout(timer);
    });
  }

  /** After close: whatever is still waiting will never be written. */
  private dropLeftovers(): void {
    this.reportOverflow();
    const left = this.waitingCount + this.spillQueue.length;
    if (left === 0) return;
    if (this.waitingCount > 0) this.dropOldest(this.waitingCount);
    if (this.spillQueue.length > 0) {
      this.counts.dropped += this.spillQueue.length;
      this.spillQueueSeq += this.spillQueue.length;
      this.spillQueue = [];
      this.settleWaiters();
    }
    this.report(new SightingsDroppedError('closed', left, 'still unwritten when close gave up'));
  }

  private get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** Whether every row numbered below `target` has been written, spilled or dropped. */
  private settled(target: number): boolean {
    if (this.inflight !== null && this.inflight.rows.length > 0 && this.inflight.seq < target) {
      return false;
    }
    if (this.waitingCount > 0 && this.headSeq < target) return false;
    if (this.appending !== null && this.appending.rows > 0 && this.appending.seq < target) {
      return false;
    }
    return this.spillQueue.length === 0 || this.spillQueueSeq >= target;
  }

  private trimOverflow(): void {
    const excess = this.buffered - this.maxBuffered;
    if (excess <= 0) return;
    if (this.options.spill) {
      // A database that takes writes but is slower than the input: sources that can wait are
      // held (pressure); the file takes the rows only past twice the bound (a source that cannot).
      if (this.consecutiveFailures === 0 && excess <= this.maxBuffered) return;
      // Too much held in memory: the file takes it (as soon as no write is in flight).
      if (this.inflight === null) void this.enterSpill();
      else this.spillWanted = true;
      return;
    }
    const count = Math.min(excess, this.waitingCount);
    this.dropOldest(count);
    this.unreportedOverflow += count;
    if (this.consecutiveFailures === 0 && this.inflight === null) this.reportOverflow();
  }

  private dropOldest(count: number): void {
    this.head += count;
    this.headSeq += count;
    this.counts.dropped += count;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    }
    this.settleWaiters();
  }

  /** Starts a write when a batch is full, or arms the timer that writes a partial one. */
  private schedule(): void {
    if (this.waitingCount === 0 || this.retryTimer !== null || this.spilling) return;
    if (this.waitingCount >= this.batchSize) {
      // After the handlers of the message being handled now have run, so its receipt is known
      // and the batch is not cut inside it (see toMessageEnd).
      if (!this.kickQueued) {
        this.kickQueued = true;
        queueMicrotask(() => {
          this.kickQueued = false;
          this.kick();
        });
      }
    } else if (this.lingerTimer === null && !this.closed) {
      this.lingerTimer = this.clock.setTimeout(() => {
        this.lingerTimer = null;
        this.drainAll = true;
        this.kick();
      }, this.flushIntervalMs);
    }
  }

  private kick(): void {
    if (this.running !== null || this.spilling) return;
    this.running = this.run()
      .catch((error: unknown) => {
        // Not a write failure (those are handled in run): a bug or a broken clock. Report it.
        this.report(new SightingWriteError(error, 0, this.consecutiveFailures, null));
        return false;
      })
      .then((ok) => {
        this.running = null;
        if (this.spillWanted && this.inflight === null && !this.spilling) {
          this.spillWanted = false;
          if (this.buffered > this.maxBuffered * (this.consecutiveFailures === 0 ? 2 : 1)) {
            void this.enterSpill();
            return;
          }
        }
        if (!ok) return; // the retry timer (or close) decides when to try again
        if (this.drainAll && this.waitingCount > 0 && this.retryTimer === null) this.kick();
        else this.schedule();
      });
  }

  /** Writes batches until there is nothing (due) to write; false when a write failed. */
  private async run(): Promise<boolean> {
    while (this.retryTimer === null && !this.spilling) {
      const waiting = this.waitingCount;
      let count =
        waiting >= this.backlogBatchSize
          ? this.backlogBatchSize
          : Math.min(waiting, this.batchSize);
      if (count === 0 || (count < this.batchSize && !this.drainAll)) break;
      count = this.toMessageEnd(count);
      const rows = this.waiting.slice(this.head, this.head + count);
      const receipts = this.receiptsUpTo(this.headSeq + count);
      this.inflight = { rows, seq: this.headSeq };
      this.head += count;
      this.headSeq += count;
      if (this.head === this.waiting.length) {
        this.waiting = [];
        this.head = 0;
      } else if (this.head > 4096 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      try {
        await this.write(rows, receipts);
      } catch (error) {
        this.failed(error);
        return false;
      }
      this.receipts.splice(0, receipts.length);
      this.inflight = null;
      this.succeeded(rows.length);
      this.settleWaiters();
      if (this.spillWanted) break;
    }
    if (this.waitingCount === 0) this.drainAll = false;
    return true;
  }

  private succeeded(rows: number): void {
    this.consecutiveFailures = 0;
    this.failingSince = null;
    this.counts.written += rows;
    this.counts.writes += 1;
    this.reportOverflow();
    try {
      this.options.onWritten?.(rows);
    } catch {
      // A metrics callback must not stop the writer.
    }
  }

  private failed(error: unknown): void {
    const inflight = this.inflight;
    this.inflight = null;
    if (inflight !== null) {
      // Back at the head, in order.
      this.waiting = inflight.rows.concat(this.waiting.slice(this.head));
      this.head = 0;
      this.headSeq = inflight.seq;
    }
    this.clearLinger(); // the retry timer takes over
    this.counts.failedAttempts += 1;
    this.consecutiveFailures += 1;
    this.failingSince ??= this.clock.now();
    this.releasePressure(); // a failing database: rows go to the file, nothing is held
    const spillNow =
      this.options.spill !== undefined &&
      !this.closed &&
      (this.clock.now() - this.failingSince >= this.spillAfterMs ||
        this.buffered > this.maxBuffered);
    if (!spillNow) this.trimOverflow();
    const retryInMs = this.closed ? null : this.backoff();
    const failure = new SightingWriteError(
      error,
      inflight?.rows.length ?? 0,
      this.consecutiveFailures,
      retryInMs,
    );
    for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
    this.report(failure);
    this.reportOverflow();
    if (this.shutDownDone) this.dropLeftovers(); // a write that outlived close()
    if (spillNow) {
      // Replay (from the file) takes over retrying the database.
      void this.enterSpill();
      return;
    }
    if (retryInMs !== null) {
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        this.drainAll = true;
        this.kick();
      }, retryInMs);
    }
  }

  /** Moves what waits in memory to the spill file; later rows follow until replay empties it. */
  private async enterSpill(): Promise<void> {
    if (this.spilling || this.inflight !== null) return;
    this.clearLinger();
    this.clearRetry();
    this.spilling = true;
    this.spillWanted = false;
    this.spillQueueSeq = this.headSeq;
    this.spillQueue = this.waiting.slice(this.head).concat(this.spillQueue);
    this.waiting = [];
    this.head = 0;
    this.kickAppend();
    if (!this.closed) this.scheduleReplay(this.consecutiveFailures > 0 ? this.backoff() : 0);
    await this.appendRunning;
  }

  private openSpill(): Promise<SpillFile> {
    const spill = this.options.spill;
    if (!spill) return Promise.reject(new Error('no spill file configured'));
    this.spillOpening ??= SpillFile.open(spill.path).then((file) => {
      this.spillFile = file;
      return file;
    });
    return this.spillOpening;
  }

  /** Appends the spill queue (group commit: one write + fsync per round), one round at a time. */
  private kickAppend(): void {
    if (this.appendRunning !== null || this.spillQueue.length === 0) return;
    this.appendRunning = this.appendRounds().finally(() => {
      this.appendRunning = null;
      if (this.spillQueue.length > 0 && this.appendRetry === null) this.kickAppend();
    });
  }

  private appendRetry: TimerHandle | null = null;
  /** The file being emptied after replay: an append waits for it. */
  private resetting: Promise<void> | null = null;

  private async appendRounds(): Promise<void> {
    while (this.spillQueue.length > 0) {
      const rows = this.spillQueue;
      const seq = this.spillQueueSeq;
      this.spillQueue = [];
      this.spillQueueSeq = seq + rows.length;
      this.appending = { rows: rows.length, seq };
      try {
        const file = await this.openSpill();
        await this.resetting;
        const text = SpillFile.encode(rows);
        const maxBytes = this.options.spill?.maxBytes ?? 0;
        if (file.size + Buffer.byteLength(text, 'utf8') > maxBytes) {
          this.counts.dropped += rows.length;
          this.report(
            new SightingsDroppedError(
              'disk-limit',
              rows.length,
              `the spill file ${file.path} would exceed ${maxBytes} bytes`,
            ),
          );
        } else {
          await file.append(text, rows.length, rows[0]?.queuedAt ?? this.clock.now());
        }
      } catch (error) {
        // Could not write the file: the rows wait (unacknowledged) and the append is retried.
        this.spillQueue = rows.concat(this.spillQueue);
        this.spillQueueSeq = seq;
        this.appending = null;
        this.report(new SightingWriteError(error, rows.length, 1, this.maxRetryDelayMs));
        if (!this.closed) {
          this.appendRetry = this.clock.setTimeout(() => {
            this.appendRetry = null;
            this.kickAppend();
          }, this.maxRetryDelayMs);
        }
        return;
      }
      this.appending = null;
      // Spilled rows are acknowledged without a receipt (see README, Operations).
      this.forgetReceiptsUpTo(seq + rows.length);
      this.settleWaiters();
    }
  }

  /**
   * A batch never splits a message that has a receipt: its first rows would commit without the
   * receipt, and a redelivery would store them again. The batch grows to the message's end.
   */
  private toMessageEnd(count: number): number {
    const end = this.headSeq + count;
    const next = this.receipts.find((r) => r.seq > end);
    if (next === undefined || next.start >= end) return count;
    return Math.min(this.waitingCount, next.seq - this.headSeq);
  }

  /** The receipts of the messages whose last row is below `end` (a prefix, in order). */
  private receiptsUpTo(end: number): MessageReceipt[] {
    const out: MessageReceipt[] = [];
    for (const entry of this.receipts) {
      if (entry.seq > end) break;
      out.push(entry.receipt);
    }
    return out;
  }

  private forgetReceiptsUpTo(end: number): void {
    let n = 0;
    while (n < this.receipts.length && this.receipts[n]!.seq <= end) n += 1;
    if (n > 0) this.receipts.splice(0, n);
  }

  private scheduleReplay(delayMs: number): void {
    if (this.replayTimer !== null || this.replayRunning !== null || this.closed) return;
    this.replayTimer = this.clock.setTimeout(() => {
      this.replayTimer = null;
      this.startReplay();
    }, delayMs);
  }

  private startReplay(): void {
    if (this.replayRunning !== null || this.closed) return;
    let retry = false;
    this.replayRunning = this.replay()
      .catch((error: unknown) => {
        // The file could not be read or its offset saved: report, and try again later.
        this.report(
          new SightingWriteError(error, 0, this.consecutiveFailures, this.maxRetryDelayMs),
        );
        retry = true;
      })
      .finally(() => {
        this.replayRunning = null;
        this.releasePressure(); // not replaying now: nothing to hold for
        if (retry) this.scheduleReplay(this.maxRetryDelayMs);
      });
  }

  private clearReplayTimer(): void {
    if (this.replayTimer !== null) this.clock.clearTimeout(this.replayTimer);
    this.replayTimer = null;
  }

  /** Writes the spill file to the database batch by batch; leaves spill mode at its end. */
  private async replay(): Promise<void> {
    const file = await this.openSpill();
    while (!this.closed) {
      const { rows, next } = await file.read(this.batchSize);
      if (rows.length === 0) {
        if (next > 0 && file.pendingBytes > 0) {
          await file.commit(next, 0, undefined); // only unreadable lines were left
          continue;
        }
        if (this.spillQueue.length > 0 || this.appendRunning !== null) {
          await this.appendRunning;
          continue;
        }
        // Everything in the file is in the database: back to memory (state first, then the file).
        this.spilling = false;
        this.releasePressure(true);
        this.resetting = file.reset();
        try {
          await this.resetting;
        } finally {
          this.resetting = null;
        }
        this.schedule();
        return;
      }
      try {
        await this.write(rows);
      } catch (error) {
        this.counts.failedAttempts += 1;
        this.consecutiveFailures += 1;
        this.failingSince ??= this.clock.now();
        const retryInMs = this.backoff();
        this.releasePressure();
        this.report(
          new SightingWriteError(error, rows.length, this.consecutiveFailures, retryInMs),
        );
        for (const waiter of this.waiters.splice(0)) {
          waiter.reject(
            new SightingWriteError(error, rows.length, this.consecutiveFailures, retryInMs),
          );
        }
        this.scheduleReplayAfter(retryInMs);
        return;
      }
      this.succeeded(rows.length);
      await file.commit(next, rows.length, undefined);
      await file.refreshHead();
      this.releasePressure(true);
    }
  }

  private scheduleReplayAfter(delayMs: number): void {
    // Called from inside replay(): the timer fires after replayRunning has been cleared.
    this.replayTimer = this.clock.setTimeout(() => {
      this.replayTimer = null;
      this.startReplay();
    }, delayMs);
  }

  /** Exponential back-off with jitter (50–100 % of the nominal delay). */
  private backoff(): number {
    return backoffDelay({
      failures: this.consecutiveFailures,
      baseMs: this.retryDelayMs,
      maxMs: this.maxRetryDelayMs,
    });
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearLinger(): void {
    if (this.lingerTimer !== null) this.clock.clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
  }

  private settleWaiters(): void {
    this.releasePressure();
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((waiter) => {
        if (!this.settled(waiter.target)) return true;
        waiter.resolve();
        return false;
      });
    }
    const stored = this.storedWaiters;
    let head = this.storedHead;
    while (head < stored.length && this.settled(stored[head]!.target)) stored[head++]!.resolve();
    if (head === stored.length) {
      if (head > 0) this.storedWaiters = [];
      head = 0;
    } else if (head > 1024 && head * 2 > stored.length) {
      this.storedWaiters = stored.slice(head);
      head = 0;
    }
    this.storedHead = head;
  }

  private reportOverflow(): void {
    if (this.unreportedOverflow === 0) return;
    const count = this.unreportedOverflow;
    this.unreportedOverflow = 0;
    this.report(
      new SightingsDroppedError('overflow', count, `more than ${this.maxBuffered} rows held`),
    );
  }

  private report(error: SightingWriteError | SightingsDroppedError): void {
    try {
      if (this.options.onError) this.options.onError(error);
      else process.emitWarning(error);
    } catch {
      // An error callback that throws must not stop the writer.
    }
  }

  /** Writes `rows`, and with them (same transaction) the receipts of their messages. */
  private write(rows: SightingValues[], receipts: readonly MessageReceipt[] = []): Promise<void> {
    return this.method === 'copy' ? this.copy(rows, receipts) : this.insert(rows, receipts);
  }

  private get table(): string {
    const { schema, tableName } = this.dataSource.getMetadata(SightingEntity);
    return schema === undefined ? `"${tableName}"` : `"${schema}"."${tableName}"`;
  }

  /** Multi-row INSERTs; a batch larger than one statement allows is written in a transaction. */
  private async insert(rows: SightingValues[], receipts: readonly MessageReceipt[]): Promise<void> {
    if (rows.length <= MAX_ROWS_PER_STATEMENT && receipts.length === 0) {
      await this.dataSource.query(this.insertStatement(rows.length), insertParameters(rows));
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(start, start + MAX_ROWS_PER_STATEMENT);
        await manager.query(this.insertStatement(chunk.length), insertParameters(chunk));
      }
      for (const { sql, parameters } of receiptStatements(this.dataSource, receipts)) {
        await manager.query(sql, parameters);
      }
    });
  }

  private insertStatement(rowCount: number): string {
    if (this.insertSql?.rows !== rowCount) {
      const width = COLUMNS.length;
      const tuples: string[] = [];
      for (let r = 0; r < rowCount; r += 1) {
        const placeholders: string[] = [];
        for (let c = 1; c <= width; c += 1) placeholders.push(`$${r * width + c}`);
        tuples.push(`(${placeholders.join(', ')})`);
      }
      const sql = `INSERT INTO ${this.table} (${COLUMN_LIST}) VALUES ${tuples.join(', ')}`;
      this.insertSql = { rows: rowCount, sql };
    }
    return this.insertSql.sql;
  }

  /** One COPY per batch: PostgreSQL through pg-copy-streams, PGlite from a blob. */
  private async copy(rows: SightingValues[], receipts: readonly MessageReceipt[]): Promise<void> {
    const text = copyBuffer(rows);
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      const connection = (await queryRunner.connect()) as unknown;
      // With receipts: one transaction, so a message's rows and its receipt commit together.
      if (receipts.length > 0) await queryRunner.startTransaction();
      if (databaseKind(this.dataSource) === 'pglite') {
        // Holding the query runner is holding the PGlite session.
        await (
          await rawPGlite()
        ).query(`COPY ${this.table} (${COLUMN_LIST}) FROM '/dev/blob'`, [], {
          blob: new Blob([text]),
        });
      } else {
        const { from: copyFrom } = await import('pg-copy-streams');
        const stream = (connection as PoolClient).query(
          copyFrom(`COPY ${this.table} (${COLUMN_LIST}) FROM STDIN`),
        );
        await pipeline(Readable.from([text]), stream);
      }
      if (receipts.length > 0) {
        for (const { sql, parameters } of receiptStatements(this.dataSource, receipts)) {
          await queryRunner.query(sql, parameters);
        }
        await queryRunner.commitTransaction();
      }
    } catch (error) {
      if (queryRunner.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      await queryRunner.release();
    }
  }
}

/** The row, or why it cannot be written. */
function checkedRow(sighting: Sighting, queuedAt: number): SightingValues | string {
  try {
    const row = toSightingValues(sighting, queuedAt);
    return sightingProblem(row) ?? row;
  } catch (error) {
    return error instanceof Error ? error.message : String(error); // not even a Sighting
  }
}

function insertParameters(rows: readonly SightingValues[]): Cell[] {
  const parameters: Cell[] = new Array<Cell>(rows.length * COLUMNS.length);
  let i = 0;
  for (const row of rows) {
    for (const [, value] of COLUMNS) parameters[i++] = value(row);
  }
  return parameters;
}

/** COPY text format: tab-separated, `\N` for null, backslash escapes (see {@link copyBuffer}). */
export function copyText(rows: readonly SightingValues[]): string {
  return copyBuffer(rows).toString('utf8');
}

/** Bytes per row reserved up front: the timestamps, ids and pseudonym of a typical row fit. */
const COPY_ROW_BYTES = 256;
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/**
 * A batch's rows in COPY text format (tab-separated, `\N` for null, backslash escapes), written
 * straight into one buffer: no string or array per row or cell, one allocation per batch unless a
 * batch outgrows its estimate (then the buffer doubles).
 */
export function copyBuffer(rows: readonly SightingValues[]): Buffer {
  let buffer = Buffer.allocUnsafe(Math.max(COPY_ROW_BYTES, rows.length * COPY_ROW_BYTES));
  let at = 0;
  for (const row of rows) {
    for (let c = 0; c < COLUMNS.length; c++) {
      const time = COPY_TIMES[c];
      if (time !== undefined) {
        const ms = time(row);
        if (ms !== null && Number.isInteger(ms)) {
          // `YYYY-MM-DDTHH:MM:SS.mmmZ` written in place (the cached minute, then digits): no string.
          if (at + 32 > buffer.length) {
            const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, at + 32));
            buffer.copy(grown, 0, 0, at);
            buffer = grown;
          }
          if (c > 0) buffer[at++] = TAB;
          at = writeTime(buffer, at, ms);
          continue;
        }
      }
      const value = COLUMNS[c]![1](row);
      // Worst case: every UTF-16 unit as 3 UTF-8 bytes, escaped (×2), plus the separator.
      const room = typeof value === 'string' ? value.length * 6 + 1 : 32;
      if (at + room > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, at + room));
        buffer.copy(grown, 0, 0, at);
        buffer = grown;
      }
      if (c > 0) buffer[at++] = TAB;
      if (value === null) {
        buffer[at++] = BACKSLASH;
        buffer[at++] = 0x4e; // N
      } else if (typeof value === 'boolean') {
        buffer[at++] = value ? 0x74 : 0x66; // t / f
      } else if (typeof value === 'number') {
        at = Number.isSafeInteger(value)
          ? writeInteger(buffer, at, value)
          : at + buffer.write(String(value), at, 'latin1');
      } else if (value.length <= SHORT_TEXT && plainAscii(value)) {
        // Ids and pseudonyms: plain ASCII, copied unit by unit (no native call, no regex).
        for (let i = 0; i < value.length; i++) buffer[at++] = value.charCodeAt(i);
      } else if (COPY_SPECIAL_TEST.test(value)) {
        at += buffer.write(
          value.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch] ?? ch),
          at,
          'utf8',
        );
      } else {
        at += buffer.write(value, at, 'utf8');
      }
    }
    if (at + 1 > buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, at);
      buffer = grown;
    }
    buffer[at++] = NEWLINE;
  }
  return buffer.subarray(0, at);
}

/** The time columns as epoch ms (null for none), by column index; undefined for the others. */
const COPY_TIMES: readonly (((row: SightingValues) => number | null) | undefined)[] = COLUMNS.map(
  ([name]) =>
    name === 'at'
      ? (r: SightingValues) => r.at
      : name === 'period'
        ? (r: SightingValues) => r.period
        : name === 'interval_start'
          ? (r: SightingValues) => r.intervalStart
          : undefined,
);

/** Strings up to this length are checked and copied in JS; longer ones by `Buffer.write`. */
const SHORT_TEXT = 64;

/** Printable ASCII and space only: nothing to escape, one byte per unit. */
function plainAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return false;
  }
  return true;
}

/** A safe integer's decimal digits (as `String(value)` gives them) at `at`; returns the end. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  let v = value;
  if (v < 0) {
    buffer[at++] = 0x2d; // -
    v = -v;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits += 1;
  for (let i = digits - 1; i >= 0; i--) {
    buffer[at + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/** `isoTime(ms)`'s characters at `at` (whole ms, years 1..9999, as the rows are checked); returns the end. */
function writeTime(buffer: Buffer, at: number, ms: number): number {
  const minute = Math.floor(ms / 60_000);
  const prefix = isoMinutePrefix(minute);
  for (let i = 0; i < prefix.length; i++) buffer[at++] = prefix.charCodeAt(i);
  const rest = ms - minute * 60_000; // 0 … 59999
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  buffer[at++] = 0x30 + Math.floor(seconds / 10);
  buffer[at++] = 0x30 + (seconds % 10);
  buffer[at++] = 0x2e; // .
  buffer[at++] = 0x30 + Math.floor(millis / 100);
  buffer[at++] = 0x30 + (Math.floor(millis / 10) % 10);
  buffer[at++] = 0x30 + (millis % 10);
  buffer[at++] = 0x5a; // Z
  return at;
}

const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_SPECIAL_TEST = /[\\\n\r\t]/;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Capped exponential back-off with jitter: 50–100 % of `baseMs × 2^(failures − 1)`, at most
 * `maxMs`. Starts small so a blip costs little; the cap bounds how long after the service is back
 * the next attempt comes.
 */
export function backoffDelay({
  failures,
  baseMs,
  maxMs,
  random = Math.random,
}: {
  failures: number;
  baseMs: number;
  maxMs: number;
  random?: () => number;
}): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const nominal = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(nominal * (0.5 + random() * 0.5));
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer (got ${value})`);
  }
  return value;
}
