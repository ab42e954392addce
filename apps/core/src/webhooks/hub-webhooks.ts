import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { databaseKind } from '@aisle/persistence';
import type { AisleEvent, Clock } from '@aisle/sdk';
import {
  AllowList,
  DEFAULT_SMALL_CELL_K,
  HttpDeliverer,
  PgOutboxChannel,
  WebhookDispatcher,
  WebhookOutbox,
  WebhookSubscriptions,
  type Resolver,
} from '@aisle/webhooks';
import type { EventBus } from '../events/event-bus.js';

/** The webhook parts of a hub: subscriptions (API), outbox (fed by the bus), dispatcher. */
export interface HubWebhooks {
  subscriptions: WebhookSubscriptions;
  outbox: WebhookOutbox;
  dispatcher: WebhookDispatcher;
  /**
   * Writes the outbox rows of events caused by a database change in that change's transaction
   * (the event types the catalog marks `with-state-change`); publish the events on the bus after
   * the commit, as usual.
   */
  enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * Wiring only: bus events go to the outbox (except those written with their state change), rows
 * are handed to the dispatcher once committed, a subscription the dispatcher disables becomes an
 * `endpoint.disabled` event, and on PostgreSQL dispatchers of other hubs are woken by NOTIFY.
 */
export function createHubWebhooks(deps: {
  dataSource: DataSource;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  allowHosts: string | undefined;
  /** Delay before each retry (AISLE_WEBHOOK_RETRY_DELAYS_MS); default the library's schedule. */
  retryDelaysMs?: readonly number[];
  resolve?: Resolver;
  /** The store's small-cell threshold k (policy `suppression.minSubjects`). */
  kFor?: (storeId: string | null) => number | undefined;
  /** False when the store's policy modules suppress the event (it is then not delivered). */
  allowEvent?: (event: AisleEvent) => boolean;
}): HubWebhooks {
  const allowed = (event: AisleEvent): boolean => deps.allowEvent?.(event) ?? true;
  const allow = AllowList.parse(deps.allowHosts);
  const log = deps.logger.child({ context: 'webhooks' });
  const outbox: WebhookOutbox = new WebhookOutbox({
    dataSource: deps.dataSource,
    clock: deps.clock,
    onWritten: (messages) => dispatcher.offer(messages),
    ...(deps.kFor
      ? { kFor: (storeId: string | null) => deps.kFor?.(storeId) ?? DEFAULT_SMALL_CELL_K }
      : {}),
    onError: (error) => log.error(`webhook outbox: ${(error as Error).message}`),
  });
  let channel: PgOutboxChannel | null = null;
  const dispatcher: WebhookDispatcher = new WebhookDispatcher({
    dataSource: deps.dataSource,
    clock: deps.clock,
    deliverer: new HttpDeliverer({ allow, ...(deps.resolve ? { resolve: deps.resolve } : {}) }),
    ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}),
    outbox,
    channel: { notify: () => channel?.notify() ?? Promise.resolve() },
    onDisabled: (notice, event) => {
      outbox.invalidate();
      log.warn({ subscription: notice.subscriptionId }, `webhook disabled: ${notice.reason}`);
      deps.events.emit(event); // already in the outbox, written with the subscription change
    },
    onError: (error) => log.error(`webhook dispatcher: ${(error as Error).message}`),
  });
  const subscriptions = new WebhookSubscriptions({
    dataSource: deps.dataSource,
    clock: deps.clock,
    allow,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    onChange: () => outbox.invalidate(),
  });
  const unsubscribe = deps.events.subscribe(
    (event) => (allowed(event) ? outbox.handle(event) : undefined),
    (error) => log.error(`webhook outbox: ${(error as Error).message}`),
  );
  const url = (deps.dataSource.options as { url?: string }).url;
  const opening =
    databaseKind(deps.dataSource) === 'postgres' && url
      ? PgOutboxChannel.open({
          dataSource: deps.dataSource,
          url,
          onWake: () => dispatcher.wake(),
          onError: (error) => log.error(`webhook channel: ${(error as Error).message}`),
          onReconnect: () => log.info('webhook channel: LISTEN re-established'),
        }).then(
          (opened) => {
            channel = opened;
          },
          (error: unknown) =>
            log.warn(`webhook channel (LISTEN) unavailable: ${(error as Error).message}`),
        )
      : Promise.resolve();
  dispatcher.start();
  return {
    subscriptions,
    outbox,
    dispatcher,
    enqueueIn: (manager, events) => outbox.enqueueIn(manager, events.filter(allowed)),
    close: async () => {
      unsubscribe();
      await outbox.close();
      await dispatcher.stop();
      await opening;
      await channel?.close();
    },
  };
}
