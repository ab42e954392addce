import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock, type Clock, type Sighting, type TimerHandle } from '@aisle/sdk';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { databaseKind, rawPGlite } from './data-source.js';
import { SightingEntity } from './entities/sighting.entity.js';
import { isoTime, sightingProblem, toSightingValues, type SightingValues } from './sighting-row.js';

/**
 * `insert`: multi-row parameterised INSERTs (both databases). `copy`: COPY FROM STDIN through
 * pg-copy-streams on PostgreSQL, COPY from a blob on PGlite. `auto` picks COPY on both: measured
 * 2–3× faster (see README).
 */
export type SightingWriteMethod = 'auto' | 'insert' | 'copy';

export interface SightingWriterOptions {
  /** Rows per write; a full buffer of this many is written at once. Default 1000. */
  batchSize?: number;
  /** A row waits at most about this long before it is written. Default 250 ms. */
  flushIntervalMs?: number;
  /** Rows held (buffered and in flight) before the oldest are dropped. Default 100,000. */
  maxBuffered?: number;
  method?: SightingWriteMethod;
  /** First retry delay after a failed write; doubles per failure. Default 100 ms. */
  retryDelayMs?: number;
  /** Upper bound of the retry delay. Default 30 s. */
  maxRetryDelayMs?: number;
  /** How long `close()` keeps retrying before it drops (and reports) what is left. Default 5 s. */
  closeTimeoutMs?: number;
  /** Timers (unref'd by default, so a writer never keeps the process alive). */
  clock?: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  /** Failed writes (rows kept, retried) and dropped rows. Must not throw. */
  onError?: (error: SightingWriteError | SightingsDroppedError) => void;
  /** Rows written by each successful write. */
  onWritten?: (count: number) => void;
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
 * database would refuse them), `closed` (enqueued after close, or unwritten when close gave up).
 */
export class SightingsDroppedError extends Error {
  override readonly name = 'SightingsDroppedError';
  constructor(
    readonly reason: 'overflow' | 'invalid' | 'closed',
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

/**
 * Buffers sightings and writes them in batches: when `batchSize` rows are waiting, and at the
 * latest `flushIntervalMs` after a row arrived. A failed write keeps its rows and retries with
 * back-off; nothing is thrown into the event loop and no row disappears uncounted: `written`,
 * `failedAttempts`, `dropped` (buffer overflow, oldest first; or left at close) and `rejected`
 * (rows the database would refuse), each drop also reported through `onError`.
 * Delivery is at least once: a write whose acknowledgement was lost is written again.
 */
export class SightingWriter {
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  private readonly method: 'insert' | 'copy';

  /** Rows waiting, oldest first, from index `head`; `headSeq` numbers `waiting[head]`. */
  private waiting: SightingValues[] = [];
  private head = 0;
  private headSeq = 0;
  private nextSeq = 0;
  private inflight: { rows: SightingValues[]; seq: number } | null = null;

  private running: Promise<void> | null = null;
  private drainAll = false;
  private lingerTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private consecutiveFailures = 0;
  private unreportedOverflow = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private shutDownDone = false;
  private waiters: { target: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private insertSql: { rows: number; sql: string } | null = null;

  private counts = { written: 0, failedAttempts: 0, dropped: 0, rejected: 0, writes: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SightingWriterOptions = {},
  ) {
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? 1000);
    this.flushIntervalMs = positiveInteger('flushIntervalMs', options.flushIntervalMs ?? 250);
    this.maxBuffered = positiveInteger('maxBuffered', options.maxBuffered ?? 100_000);
    this.retryDelayMs = positiveInteger('retryDelayMs', options.retryDelayMs ?? 100);
    this.maxRetryDelayMs = positiveInteger('maxRetryDelayMs', options.maxRetryDelayMs ?? 30_000);
    this.closeTimeoutMs = Math.max(0, options.closeTimeoutMs ?? 5000);
    if (this.batchSize > this.maxBuffered) {
      throw new RangeError(
        `batchSize (${this.batchSize}) exceeds maxBuffered (${this.maxBuffered})`,
      );
    }
    this.clock = options.clock ?? systemClock;
    this.method = options.method === 'insert' ? 'insert' : 'copy';
  }

  /** Rows written since start. */
  get written(): number {
    return this.counts.written;
  }

  /** Write attempts that failed (their rows were kept and retried). */
  get failedAttempts(): number {
    return this.counts.failedAttempts;
  }

  /** Rows given up: the oldest on buffer overflow, and those enqueued after or left at close. */
  get dropped(): number {
    return this.counts.dropped;
  }

  /** Rows refused at enqueue because the database would refuse them. */
  get rejected(): number {
    return this.counts.rejected;
  }

  /** Rows held: waiting and in flight. */
  get buffered(): number {
    return this.waitingCount + (this.inflight?.rows.length ?? 0);
  }

  /** Successful write statements (INSERT or COPY batches). */
  get writes(): number {
    return this.counts.writes;
  }

  /** Buffers sightings; never throws, never waits. */
  enqueue(sightings: readonly Sighting[]): void {
    if (this.closed) {
      this.counts.dropped += sightings.length;
      this.report(new SightingsDroppedError('closed', sightings.length, 'enqueued after close'));
      return;
    }
    let invalid = 0;
    let firstProblem = '';
    for (const sighting of sightings) {
      const row = checkedRow(sighting);
      if (typeof row === 'string') {
        invalid += 1;
        firstProblem ||= row;
        continue;
      }
      this.waiting.push(row);
      this.nextSeq += 1;
    }
    if (invalid > 0) {
      this.counts.rejected += invalid;
      this.report(new SightingsDroppedError('invalid', invalid, firstProblem));
    }
    this.trimOverflow();
    this.schedule();
  }

  /**
   * Writes every row buffered now. Rejects when a write fails meanwhile (the rows stay buffered
   * and are retried in the background).
   */
  flush(): Promise<void> {
    const target = this.nextSeq;
    if (this.settled(target)) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
    });
    this.clearRetry(); // asked explicitly: try now
    this.drainAll = true;
    this.kick();
    return done;
  }

  /**
   * Stops the timers and writes what is left, retrying failures, for at most `closeTimeoutMs` (by
   * the writer's clock). Then rows still waiting are dropped and reported; a write still in flight
   * finishes in the background (its rows dropped and reported if it fails). Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.clearLinger();
    const deadline = this.clock.now() + this.closeTimeoutMs;
    for (;;) {
      const outcome = await this.within(this.flush(), deadline - this.clock.now());
      if (outcome !== 'failed') break; // written, or out of time
      this.clearRetry();
      const wait = Math.min(this.backoff(), deadline - this.clock.now());
      if (wait <= 0) break;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
    }
    this.clearRetry();
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
    const left = this.waitingCount;
    if (left === 0) return;
    this.dropOldest(left);
    this.report(new SightingsDroppedError('closed', left, 'still unwritten when close gave up'));
  }

  private get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** Whether every row numbered below `target` has been written or dropped. */
  private settled(target: number): boolean {
    const inflightDone = this.inflight === null || this.inflight.seq >= target;
    return inflightDone && (this.waitingCount === 0 || this.headSeq >= target);
  }

  private trimOverflow(): void {
    const excess = this.buffered - this.maxBuffered;
    if (excess <= 0) return;
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
    if (this.waitingCount === 0 || this.retryTimer !== null) return;
    if (this.waitingCount >= this.batchSize) {
      this.kick();
    } else if (this.lingerTimer === null && !this.closed) {
      this.lingerTimer = this.clock.setTimeout(() => {
        this.lingerTimer = null;
        this.drainAll = true;
        this.kick();
      }, this.flushIntervalMs);
    }
  }

  private kick(): void {
    if (this.running !== null) return;
    this.running = this.run()
      .catch((error: unknown) => {
        // Not a write failure (those are handled in run): a bug or a broken clock. Report it.
        this.report(new SightingWriteError(error, 0, this.consecutiveFailures, null));
        return false;
      })
      .then((ok) => {
        this.running = null;
        if (!ok) return; // the retry timer (or close) decides when to try again
        if (this.drainAll && this.waitingCount > 0 && this.retryTimer === null) this.kick();
        else this.schedule();
      });
  }

  /** Writes batches until there is nothing (due) to write; false when a write failed. */
  private async run(): Promise<boolean> {
    while (this.retryTimer === null) {
      const count = Math.min(this.waitingCount, this.batchSize);
      if (count === 0 || (count < this.batchSize && !this.drainAll)) break;
      const rows = this.waiting.slice(this.head, this.head + count);
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
        await this.write(rows);
      } catch (error) {
        this.failed(error);
        return false;
      }
      this.inflight = null;
      this.consecutiveFailures = 0;
      this.counts.written += rows.length;
      this.counts.writes += 1;
      this.reportOverflow();
      try {
        this.options.onWritten?.(rows.length);
      } catch {
        // A metrics callback must not stop the writer.
      }
      this.settleWaiters();
    }
    if (this.waitingCount === 0) this.drainAll = false;
    return true;
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
    this.trimOverflow();
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
    if (retryInMs !== null) {
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        this.drainAll = true;
        this.kick();
      }, retryInMs);
    }
  }

  /** Exponential back-off with jitter (50–100 % of the nominal delay). */
  private backoff(): number {
    const exponent = Math.min(Math.max(this.consecutiveFailures - 1, 0), 30);
    const nominal = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** exponent);
    return Math.round(nominal * (0.5 + Math.random() * 0.5));
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
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => {
      if (!this.settled(waiter.target)) return true;
      waiter.resolve();
      return false;
    });
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

  private write(rows: SightingValues[]): Promise<void> {
    return this.method === 'copy' ? this.copy(rows) : this.insert(rows);
  }

  private get table(): string {
    const { schema, tableName } = this.dataSource.getMetadata(SightingEntity);
    return schema === undefined ? `"${tableName}"` : `"${schema}"."${tableName}"`;
  }

  /** Multi-row INSERTs; a batch larger than one statement allows is written in a transaction. */
  private async insert(rows: SightingValues[]): Promise<void> {
    if (rows.length <= MAX_ROWS_PER_STATEMENT) {
      await this.dataSource.query(this.insertStatement(rows.length), insertParameters(rows));
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(start, start + MAX_ROWS_PER_STATEMENT);
        await manager.query(this.insertStatement(chunk.length), insertParameters(chunk));
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
  private async copy(rows: SightingValues[]): Promise<void> {
    const text = copyText(rows);
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      const connection = (await queryRunner.connect()) as unknown;
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
    } finally {
      await queryRunner.release();
    }
  }
}

/** The row, or why it cannot be written. */
function checkedRow(sighting: Sighting): SightingValues | string {
  try {
    const row = toSightingValues(sighting);
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

/** COPY text format: tab-separated, `\N` for null, backslash escapes. */
export function copyText(rows: readonly SightingValues[]): string {
  const lines: string[] = new Array<string>(rows.length);
  let i = 0;
  for (const row of rows) {
    const cells: string[] = [];
    for (const [, value] of COLUMNS) cells.push(copyCell(value(row)));
    lines[i++] = cells.join('\t');
  }
  return `${lines.join('\n')}\n`;
}

const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function copyCell(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return value.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer (got ${value})`);
  }
  return value;
}
