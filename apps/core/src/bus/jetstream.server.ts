import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { OBS_PATTERN, type BusTopology } from './bus-topology.js';
import { ensureObsStream } from './obs-stream.js';
import type { SightingMessage } from './sighting-message.js';
import {
  StoreConsumer,
  type ConsumerCounters,
  type Delivery,
  type DeliveryHandler,
} from './store-consumer.js';
import type { OwnershipListener } from './store-ownership.js';

/** What a worker needs from the ownership mechanism (PgStoreOwnership in production). */
export interface Ownership {
  start(): Promise<void>;
  stop(): Promise<void>;
  ownedStores(): string[];
}

/** The context a handler gets with a message: `@Ctx() ctx: JetStreamContext`. */
export class JetStreamContext extends BaseRpcContext<[Delivery]> {
  get delivery(): Delivery {
    return this.args[0];
  }
}

export interface JetStreamServerOptions {
  /** NATS URL(s), comma-separated. */
  servers: string;
  topology: BusTopology;
  /** Builds the ownership for this server (it passes itself as the listener). */
  ownership: (listener: OwnershipListener) => Ownership;
  counters: ConsumerCounters;
  /** Called when a store moves to or from this worker (after its consumer started or stopped). */
  onOwnership?: (storeId: string, owned: boolean) => Promise<void> | void;
  onError?: (error: Error) => void;
  /** Default 20,000: with a commit per second, room for 20k sightings/s per store. */
  maxAckPending?: number;
  /** Default 60 s. */
  ackWaitMs?: number;
  /** Default 2 s. */
  nakDelayMs?: number;
  /** Default 15 s: longer than a commit cycle. */
  settleMs?: number;
}

/**
 * A Nest microservice transport (`app.connectMicroservice({ strategy })`) over NATS JetStream: one
 * durable consumer per store this worker owns, messages delivered to the `@EventPattern(OBS_PATTERN)`
 * handler in stream order, acknowledged when the handler's promise resolves (its effect is
 * committed), sent back with a delay when it rejects, terminated and counted when they fail the
 * schema. The consuming logic is the plain {@link StoreConsumer}; this class only adapts it to Nest.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy, OwnershipListener {
  private nc: NatsConnection | undefined;
  private jsm: JetStreamManager | undefined;
  private ownership: Ownership | undefined;
  private readonly consumers = new Map<string, StoreConsumer>();
  private readonly errorListeners: ((error: Error) => void)[] = [];

  constructor(private readonly options: JetStreamServerOptions) {
    super();
  }

  /** Stores this worker consumes now. */
  ownedStores(): string[] {
    return [...this.consumers.keys()].sort();
  }

  /** In-flight (delivered, not yet committed) messages per store. */
  pending(): Record<string, number> {
    return Object.fromEntries([...this.consumers].map(([id, c]) => [id, c.pending]));
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.nc = await connect({ servers: this.options.servers.split(','), name: 'aisle-worker' });
      this.jsm = await jetstreamManager(this.nc);
      await ensureObsStream(this.jsm, this.options.topology);
      this.ownership = this.options.ownership(this);
      await this.ownership.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.ownership?.stop();
    this.ownership = undefined;
    for (const storeId of [...this.consumers.keys()]) await this.released(storeId);
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's own signature
  on<EventKey extends string = string, EventCallback extends Function = Function>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    if (event === 'error') this.errorListeners.push(callback as unknown as (error: Error) => void);
  }

  unwrap<T>(): T {
    if (!this.nc) throw new Error('JetStreamServer is not listening');
    return this.nc as T;
  }

  async acquired(storeId: string): Promise<void> {
    if (!this.nc || !this.jsm) throw new Error('JetStreamServer is not listening');
    const consumer = new StoreConsumer({
      js: jetstream(this.nc),
      jsm: this.jsm,
      topology: this.options.topology,
      storeId,
      handler: this.deliver,
      counters: this.options.counters,
      maxAckPending: this.options.maxAckPending ?? 20_000,
      ackWaitMs: this.options.ackWaitMs ?? 60_000,
      nakDelayMs: this.options.nakDelayMs ?? 2_000,
      settleMs: this.options.settleMs ?? 15_000,
    });
    // The stage is told first, so it is ready (store loaded) before the first message arrives.
    await this.options.onOwnership?.(storeId, true);
    await consumer.start();
    this.consumers.set(storeId, consumer);
  }

  async released(storeId: string): Promise<void> {
    const consumer = this.consumers.get(storeId);
    if (!consumer) return;
    this.consumers.delete(storeId);
    await consumer.stop();
    await this.options.onOwnership?.(storeId, false);
  }

  /** Hands a message to the Nest handler and resolves when the handler's result settles. */
  private readonly deliver: DeliveryHandler = async (
    message: SightingMessage,
    delivery: Delivery,
  ) => {
    const handler = this.getHandlerByPattern(OBS_PATTERN);
    if (!handler) {
      const error = new Error(`no @EventPattern('${OBS_PATTERN}') handler is registered`);
      for (const listener of this.errorListeners) listener(error);
      this.options.onError?.(error);
      throw error;
    }
    const result: unknown = await handler(message, new JetStreamContext([delivery]));
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  };
}
