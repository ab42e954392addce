import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { StoreEntity } from '@aisle/persistence';
import type { Sighting } from '@aisle/sdk';
import type { AppConfig, ProcessRoles } from '../config/app-config.js';
import {
  inProcessTransport,
  type HandOff,
  type HandOffTransport,
  type Unsubscribe,
} from '../contracts/hand-off.js';
import { SIGHTING_SCHEMA, type MessageSchema } from '../contracts/messages.js';
import { BusTopology } from './bus-topology.js';
import { BusMetrics, CommitBarrier, SightingHandoff, SightingPublisher } from './chain.js';
import { JetStreamClientProxy } from './jetstream.client.js';
import { JetStreamServer } from './jetstream.server.js';
import { PgStoreOwnership } from './store-ownership.js';

/**
 * How often a worker commits what its stages hold (and so acknowledges the sightings behind it):
 * one second bounds both the redelivery after a crash and the unacknowledged backlog per store.
 */
export const WORKER_COMMIT_INTERVAL_MS = 1_000;

/** The stages a worker feeds, as far as the bus needs them. */
export interface ChainStages {
  /** The store directory: re-read when a store moves here (another process may have changed it). */
  directory: { reload(): Promise<void> };
  aggregation: { tick(): Promise<void> };
  /** The hub's Prometheus registry: the bus counters are served with the rest. */
  registry: Registry;
}

export interface Chain {
  /** The stage hand-offs of this process: sightings over the bus, the rest in process. */
  transport: HandOffTransport;
  handoff?: SightingHandoff;
  publisher?: SightingPublisher;
  server?: JetStreamServer;
  /** Whether this process owns a store's stateful stages now. */
  owns(storeId: string): boolean;
  /** Gives the worker its stages (built after the chain): commits and store loads go to them. */
  connect(stages: ChainStages): void;
  close(): Promise<void>;
}

/**
 * Builds the bus side of a chain process from its roles: an ingest process gets a publisher, a
 * worker a JetStream transport (for `app.connectMicroservice`) with store ownership over
 * PostgreSQL advisory locks and a hand-off into its stages.
 */
/**
 * The sightings hand-off of a chain process: what the gate publishes goes onto the bus (ingest);
 * what the bus delivers to this worker goes to the stages that subscribe (worker). A process with
 * both roles still goes through the bus, so ownership decides who handles a store.
 */
class ChainSightingHandOff implements HandOff<Sighting> {
  readonly schema = SIGHTING_SCHEMA;

  constructor(
    private readonly publisher: SightingPublisher | undefined,
    private readonly handoff: SightingHandoff | undefined,
    private readonly logger: Logger,
  ) {}

  publish(sighting: Sighting): void {
    this.publisher?.publish(sighting);
  }

  subscribe(handler: (sighting: Sighting) => void): Unsubscribe {
    if (!this.handoff) return () => undefined;
    const subscription = this.handoff.sightings.subscribe((sighting) => {
      try {
        handler(sighting);
      } catch (error) {
        this.logger.error(
          { store: sighting.storeId },
          `sighting subscriber failed: ${(error as Error).message}`,
        );
      }
    });
    return () => subscription.unsubscribe();
  }
}

export async function startChain(options: {
  config: AppConfig;
  roles: ProcessRoles;
  dataSource: DataSource;
  logger: Logger;
}): Promise<Chain> {
  const { config, roles, dataSource } = options;
  const logger = options.logger.child({ context: 'bus' });
  const natsUrl = config.NATS_URL;
  const databaseUrl = config.DATABASE_URL;
  if (!natsUrl || !databaseUrl) throw new Error('a chain process needs NATS_URL and DATABASE_URL');
  const topology = new BusTopology(config.AISLE_BUS_PREFIX);
  const metrics = new BusMetrics();
  const closers: (() => Promise<void>)[] = [];

  let publisher: SightingPublisher | undefined;
  if (roles.ingest) {
    const client = new JetStreamClientProxy({ servers: natsUrl, topology });
    await client.connect();
    publisher = new SightingPublisher({ client, metrics, logger });
    const p = publisher;
    closers.push(async () => {
      await p.stop();
      await client.close();
    });
  }

  let stages: ChainStages | undefined;
  let handoff: SightingHandoff | undefined;
  let server: JetStreamServer | undefined;
  if (roles.worker) {
    const barrier = new CommitBarrier({
      commit: async () => {
        if (!stages) throw new Error('worker stages are not connected');
        await stages.aggregation.tick();
      },
      intervalMs: WORKER_COMMIT_INTERVAL_MS,
      onError: (error) => logger.warn(`commit failed (will retry): ${error.message}`),
    });
    handoff = new SightingHandoff(barrier);
    const workerId = config.AISLE_WORKER_ID ?? `${hostname()}-${process.pid}`;
    server = new JetStreamServer({
      servers: natsUrl,
      topology,
      counters: metrics,
      ownership: (listener) =>
        new PgStoreOwnership({
          url: databaseUrl,
          group: topology.prefix,
          workerId,
          listener,
          stores: async () =>
            (await dataSource.getRepository(StoreEntity).find({ select: { id: true } })).map(
              (s) => s.id,
            ),
          onError: (error) => logger.warn(`store ownership: ${error.message}`),
        }),
      onOwnership: async (storeId, owned) => {
        logger.info(
          { store: storeId, worker: workerId },
          owned ? 'store acquired' : 'store released',
        );
        // A store new to this worker: its configuration is loaded before its first message.
        if (owned && stages) await stages.directory.reload();
      },
      onError: (error) => logger.error(`bus: ${error.message}`),
    });
    const h = handoff;
    closers.push(async () => {
      await barrier.stop();
      h.complete();
    });
    logger.info({ worker: workerId }, `worker ${workerId} on ${topology.obsStream}`);
  }

  const s = server;
  const inProcess = inProcessTransport((error, topic) =>
    logger.error({ topic }, `hand-off subscriber failed: ${(error as Error).message}`),
  );
  const sightings = new ChainSightingHandOff(publisher, handoff, logger);
  const transport: HandOffTransport = {
    create: <T>(schema: MessageSchema<T>): HandOff<T> =>
      schema.topic === SIGHTING_SCHEMA.topic
        ? (sightings as unknown as HandOff<T>)
        : inProcess.create(schema),
  };
  return {
    transport,
    ...(handoff ? { handoff } : {}),
    ...(publisher ? { publisher } : {}),
    ...(server ? { server } : {}),
    owns: (storeId) => (s ? s.ownedStores().includes(storeId) : false),
    connect: (given) => {
      stages = given;
      given.registry.registerMetric(metrics.messages);
    },
    close: async () => {
      for (const close of closers.splice(0).reverse()) await close();
      logger.info({ counters: await metrics.snapshot() }, 'bus counters');
    },
  };
}
