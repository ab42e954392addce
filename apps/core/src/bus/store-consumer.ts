import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { BusTopology } from './bus-topology.js';
import {
  BusMessageError,
  decodeSightingMessage,
  type SightingMessage,
} from './sighting-message.js';

/** Where a message came from: handed to the handler with it. */
export interface Delivery {
  storeId: string;
  subject: string;
  /** Stream sequence: a store's messages are delivered in increasing sequence. */
  seq: number;
  /** Delivered before (to this consumer or to a worker that died holding it). */
  redelivered: boolean;
}

/**
 * The handler: takes the message in delivery order (synchronously or in its first microtasks) and
 * returns a promise that resolves once the message's effect is committed. The message is
 * acknowledged then; a rejection sends it back (nak with a delay) for a later delivery.
 */
export type DeliveryHandler = (message: SightingMessage, delivery: Delivery) => Promise<unknown>;

export interface ConsumerCounters {
  delivered(storeId: string): void;
  redelivered(storeId: string): void;
  acked(storeId: string): void;
  naked(storeId: string, error: Error): void;
  terminated(storeId: string, error: BusMessageError): void;
}

export interface StoreConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  topology: BusTopology;
  storeId: string;
  handler: DeliveryHandler;
  counters: ConsumerCounters;
  /** Unacknowledged messages the store may have outstanding: the backpressure bound. */
  maxAckPending: number;
  /** Redelivery of a message not acknowledged in this time (to the same worker). */
  ackWaitMs: number;
  /** Delay before a failed message is delivered again. */
  nakDelayMs: number;
  /** How long a release waits for in-flight messages to commit before leaving them to redelivery. */
  settleMs: number;
}

/** Messages pulled per request from the server. */
const PULL_BATCH = 1_000;

/**
 * One store's durable JetStream consumer, owned by this worker. On start the consumer is created
 * afresh (deleting the one a dead owner left), so everything not acknowledged — the work-queue
 * stream keeps only that — is delivered again at once, in stream order, rather than after the dead
 * owner's ack wait; it also fences a stale owner, whose pulls then fail.
 */
export class StoreConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  /** Messages handed to the handler and not settled yet, by stream sequence. */
  private readonly inFlight = new Map<number, { msg: JsMsg; done: Promise<void> }>();
  /**
   * Messages up to this stream sequence were in the stream when this worker took the store over
   * from a previous consumer: they may have been delivered to the previous owner (redeliveries).
   */
  private takeoverSeq = 0;

  constructor(private readonly options: StoreConsumerOptions) {}

  get pending(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const { jsm, js, topology, storeId } = this.options;
    const stream = topology.obsStream;
    const name = topology.obsConsumer(storeId);
    const previous = await jsm.consumers.delete(stream, name).catch(() => false);
    if (previous) this.takeoverSeq = (await jsm.streams.info(stream)).state.last_seq;
    await jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: topology.obsSubject(storeId),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.options.ackWaitMs * 1_000_000,
      max_ack_pending: this.options.maxAckPending,
      max_deliver: -1,
    });
    const consumer = await js.consumers.get(stream, name);
    const messages = await consumer.consume({
      max_messages: Math.min(PULL_BATCH, this.options.maxAckPending),
    });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) this.onMessage(msg);
    })().catch(() => undefined);
  }

  /** Stops pulling, then waits (bounded) for in-flight messages to commit and be acknowledged. */
  async stop(): Promise<void> {
    const messages = this.messages;
    this.messages = undefined;
    if (messages) {
      messages.stop();
      await this.loop;
    }
    const pending = [...this.inFlight.values()].map((f) => f.done);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.options.settleMs);
        timer.unref();
      }),
    ]);
    if (timer) clearTimeout(timer);
    // What did not commit in time stays unacknowledged: the next owner gets it again.
    this.inFlight.clear();
  }

  private onMessage(msg: JsMsg): void {
    const { storeId, counters } = this.options;
    const seq = msg.seq;
    const current = this.inFlight.get(seq);
    if (current) {
      // Redelivered while still being committed here (a commit slower than the ack wait): the
      // handler already has it; the fresher handle is the one to acknowledge.
      current.msg = msg;
      counters.redelivered(storeId);
      return;
    }
    if (msg.redelivered || seq <= this.takeoverSeq) counters.redelivered(storeId);
    let message: SightingMessage;
    try {
      message = decodeSightingMessage(msg.data);
      if (message.sightings[0]?.storeId !== storeId) {
        throw new BusMessageError(
          'sightings[0].storeId',
          `does not match the subject's store "${storeId}"`,
        );
      }
    } catch (error) {
      const bad =
        error instanceof BusMessageError
          ? error
          : new BusMessageError('message', (error as Error).message);
      msg.term(bad.message.slice(0, 200));
      // Nothing will ever process it: out of the work queue (older servers keep terminated ones).
      this.options.jsm.streams
        .deleteMessage(this.options.topology.obsStream, seq, false)
        .catch(() => undefined);
      counters.terminated(storeId, bad);
      return;
    }
    counters.delivered(storeId);
    const entry = { msg, done: Promise.resolve() };
    this.inFlight.set(seq, entry);
    let result: Promise<unknown>;
    try {
      result = this.options.handler(message, {
        storeId,
        subject: msg.subject,
        seq,
        redelivered: msg.redelivered,
      });
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    entry.done = result.then(
      () => {
        if (this.inFlight.get(seq) !== entry) return;
        this.inFlight.delete(seq);
        entry.msg.ack();
        counters.acked(storeId);
      },
      (error: unknown) => {
        if (this.inFlight.get(seq) !== entry) return;
        this.inFlight.delete(seq);
        entry.msg.nak(this.options.nakDelayMs);
        counters.naked(storeId, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
