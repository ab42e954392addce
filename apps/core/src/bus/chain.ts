import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { Subject, type Observable } from 'rxjs';
import type { Sighting } from '@aisle/sdk';
import type { JetStreamClientProxy } from './jetstream.client.js';
import { BusMessageError, MAX_SIGHTINGS_PER_MESSAGE } from './sighting-message.js';
import type { ConsumerCounters } from './store-consumer.js';

/**
 * The hand-off between ingest and the stateful stages when they run in different processes. Ingest
 * publishes every sighting the gate let through ({@link SightingPublisher}); a worker feeds the
 * sightings of the stores it owns to its stages through {@link SightingHandoff}, whose promise
 * resolves once the stages' next commit has written what the sighting led to.
 */

/** Prometheus counters of the bus, shared by both sides. */
export class BusMetrics implements ConsumerCounters {
  readonly messages: Counter<'direction' | 'result'>;

  constructor(registry?: Registry) {
    this.messages = new Counter({
      name: 'aisle_bus_messages_total',
      help: 'Bus traffic: out = sightings (published, refused, failed); in = messages (delivered, redelivered, acked, naked, terminated)',
      labelNames: ['direction', 'result'] as const,
      registers: registry ? [registry] : [],
    });
  }

  /** Current totals as `direction/result` → count (logged when a process stops). */
  async snapshot(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await this.messages.get()).values) {
      out[`${String(v.labels.direction)}/${String(v.labels.result)}`] = v.value;
    }
    return out;
  }

  delivered(): void {
    this.messages.labels('in', 'delivered').inc();
  }
  redelivered(): void {
    this.messages.labels('in', 'redelivered').inc();
  }
  acked(): void {
    this.messages.labels('in', 'acked').inc();
  }
  naked(): void {
    this.messages.labels('in', 'naked').inc();
  }
  terminated(): void {
    this.messages.labels('in', 'terminated').inc();
  }
}

/** Past this many unconfirmed publishes (messages), full batches wait in order for a slot. */
export const MAX_PUBLISHES_IN_FLIGHT = 64;
/**
 * How long a store's sightings gather into one message: 5 ms adds little latency next to the
 * worker's one-second commit, and at busy rates fills messages (one per sighting cost more CPU
 * than the gate itself).
 */
export const BATCH_LINGER_MS = 5;
/**
 * A publish that got no PubAck is retried (same message id: stored once); at a stop, after this
 * many attempts it is given up on (counted).
 */
const PUBLISH_ATTEMPTS = 5;
/** Longest pause between attempts: the stream is written again within this of NATS coming back. */
const MAX_PUBLISH_RETRY_MS = 2_000;

/**
 * Ingest side: every sighting after the gate goes onto the bus, batched per store (at most
 * MAX_SIGHTINGS_PER_MESSAGE, or what arrived within BATCH_LINGER_MS), in the gate's order.
 */
export class SightingPublisher {
  private stopped = false;
  private readonly buffers = new Map<string, OutgoingBatch>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Batches waiting for a free publish slot, in order. */
  private readonly ready: OutgoingBatch[] = [];
  /** Batches being published (until their PubAck, or given up on). */
  private readonly sending = new Set<OutgoingBatch>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly deps: {
      client: Pick<JetStreamClientProxy, 'publishSightings'>;
      metrics: BusMetrics;
      logger: Logger;
    },
  ) {}

  /** Stops taking sightings and waits for the ones taken to be stored (or given up on). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.flushAll();
    if (this.inFlight === 0 && this.ready.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Resolves once every sighting taken so far is in the stream (its PubAck received) or knowingly
   * given up on (refused, or failed every attempt: counted and logged). Ingest acknowledges an MQTT
   * message only then: the point where the bus, not this process, holds its sightings.
   */
  confirmed(): Promise<void> {
    const open = [...this.buffers.values(), ...this.ready, ...this.sending];
    if (open.length === 0) return Promise.resolve();
    return Promise.all(open.map((batch) => batch.done)).then(() => undefined);
  }

  /** Queues a sighting of the gate for the bus (never throws into the gate). */
  publish(sighting: Sighting): void {
    if (this.stopped) {
      this.deps.metrics.messages.labels('out', 'failed').inc();
      return;
    }
    let batch = this.buffers.get(sighting.storeId);
    if (!batch) {
      batch = outgoingBatch();
      this.buffers.set(sighting.storeId, batch);
    }
    const buffer = batch.sightings;
    buffer.push(sighting);
    if (buffer.length >= MAX_SIGHTINGS_PER_MESSAGE) {
      this.buffers.delete(sighting.storeId);
      this.enqueue(batch);
    } else {
      this.timer ??= setTimeout(() => this.flushAll(), BATCH_LINGER_MS);
    }
  }

  private flushAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const buffer of this.buffers.values()) this.enqueue(buffer);
    this.buffers.clear();
  }

  private enqueue(batch: OutgoingBatch): void {
    this.ready.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < MAX_PUBLISHES_IN_FLIGHT && this.ready.length > 0) {
      const batch = this.ready.shift() as OutgoingBatch;
      this.inFlight += 1;
      this.sending.add(batch);
      void this.send(batch.sightings).finally(() => {
        this.sending.delete(batch);
        batch.resolve();
        this.inFlight -= 1;
        this.pump();
        if (this.inFlight === 0 && this.ready.length === 0) {
          for (const resolve of this.idle.splice(0)) resolve();
        }
      });
    }
  }

  private async send(batch: Sighting[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deps.client.publishSightings(batch);
        this.deps.metrics.messages.labels('out', 'published').inc(batch.length);
        return;
      } catch (error) {
        if (error instanceof BusMessageError) {
          if (batch.length > 1) {
            // One bad sighting must not cost the others: each on its own.
            for (const sighting of batch) await this.send([sighting]);
            return;
          }
          // Never retried: the message itself is wrong (and it is not echoed: it may be raw).
          this.deps.metrics.messages.labels('out', 'refused').inc();
          this.deps.logger.error(
            { store: batch[0]?.storeId, field: error.field },
            `sighting refused by the bus: ${error.message}`,
          );
          return;
        }
        // While running, a publish is retried until the stream takes it: its MQTT messages stay
        // unacknowledged meanwhile (the broker holds the rest). Stopping, it is given up on.
        if (attempt >= PUBLISH_ATTEMPTS && this.stopped) {
          this.deps.metrics.messages.labels('out', 'failed').inc(batch.length);
          this.deps.logger.error(
            { store: batch[0]?.storeId },
            `publishing ${batch.length} sightings failed ${attempt} times: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(MAX_PUBLISH_RETRY_MS, 100 * 2 ** attempt)),
        );
      }
    }
  }
}

/** A store's sightings gathered into one bus message; `done` settles once it is published. */
interface OutgoingBatch {
  sightings: Sighting[];
  done: Promise<void>;
  resolve: () => void;
}

function outgoingBatch(): OutgoingBatch {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { sightings: [], done, resolve };
}

/**
 * Resolves callers after the next successful commit that started after they asked: many messages
 * share one commit (the stages write in batches), and a failed commit is retried, keeping them
 * waiting (so unacknowledged) until one succeeds.
 */
export class CommitBarrier {
  private waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      commit: () => Promise<void>;
      /** How long messages may gather before a commit, ms. */
      intervalMs: number;
      onError: (error: Error) => void;
    },
  ) {}

  /** A promise that resolves once everything handed over before this call is committed. */
  after(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Runs a last commit for whoever waits, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.waiting.length > 0) await this.run();
  }

  private schedule(): void {
    if (this.timer || this.running || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.deps.intervalMs);
  }

  private async run(): Promise<void> {
    this.running = true;
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.deps.commit();
      for (const resolve of batch) resolve();
    } catch (error) {
      this.waiting = [...batch, ...this.waiting];
      this.deps.onError(error as Error);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}

/**
 * Worker side: sightings from the bus into the stages (the same stream shape the in-process
 * pipeline offers), each answered with the promise of its commit.
 */
export class SightingHandoff {
  private readonly subject = new Subject<Sighting>();

  constructor(private readonly barrier: CommitBarrier) {}

  get sightings(): Observable<Sighting> {
    return this.subject.asObservable();
  }

  /** Hands sightings to the stages (in order, synchronously); resolves when they are committed. */
  accept(sightings: readonly Sighting[]): Promise<void> {
    for (const sighting of sightings) this.subject.next(sighting);
    return this.barrier.after();
  }

  complete(): void {
    this.subject.complete();
  }
}
