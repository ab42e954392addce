import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Clock } from '@aisle/sdk';
import {
  AllowList,
  DEFAULT_SMALL_CELL_K,
  HttpDeliverer,
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
  close(): Promise<void>;
}

/**
 * Wiring only: every bus event goes to the outbox, the dispatcher is woken when rows are
 * written, and a subscription the dispatcher disables becomes an `endpoint.disabled` event.
 */
export function createHubWebhooks(deps: {
  dataSource: DataSource;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  allowHosts: string | undefined;
  resolve?: Resolver;
  /** The store's small-cell threshold k (policy `suppression.minSubjects`). */
  kFor?: (storeId: string | null) => number | undefined;
}): HubWebhooks {
  const allow = AllowList.parse(deps.allowHosts);
  const log = deps.logger.child({ context: 'webhooks' });
  const outbox: WebhookOutbox = new WebhookOutbox({
    dataSource: deps.dataSource,
    clock: deps.clock,
    onWritten: () => dispatcher.wake(),
    ...(deps.kFor
      ? { kFor: (storeId: string | null) => deps.kFor?.(storeId) ?? DEFAULT_SMALL_CELL_K }
      : {}),
    onError: (error) => log.error(`webhook outbox: ${(error as Error).message}`),
  });
  const dispatcher: WebhookDispatcher = new WebhookDispatcher({
    dataSource: deps.dataSource,
    clock: deps.clock,
    deliverer: new HttpDeliverer({ allow, ...(deps.resolve ? { resolve: deps.resolve } : {}) }),
    onDisabled: (notice) => {
      outbox.invalidate();
      log.warn({ subscription: notice.subscriptionId }, `webhook disabled: ${notice.reason}`);
      deps.events.publish('endpoint.disabled', null, notice);
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
    (event) => outbox.handle(event),
    (error) => log.error(`webhook outbox: ${(error as Error).message}`),
  );
  dispatcher.start();
  return {
    subscriptions,
    outbox,
    dispatcher,
    close: async () => {
      unsubscribe();
      await outbox.close();
      await dispatcher.stop();
    },
  };
}
