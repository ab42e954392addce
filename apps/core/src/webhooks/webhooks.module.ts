import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { Clock } from '@aisle/sdk';
import { parseRetryDelays } from '@aisle/webhooks';
import type { AppConfig } from '../config/app-config.js';
import { EventBus } from '../events/event-bus.js';
import { EVENT_LOG } from '../events/events.tokens.js';
import { APP_CONFIG, CLOCK, LOGGER } from '../platform/platform.tokens.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { POLICY_MODULES, type PolicyModuleHost } from '../plugins/policy-module-host.js';
import { createHubWebhooks, type HubWebhooks } from './hub-webhooks.js';
import { WebhooksController } from './webhooks.controller.js';
import { HUB_WEBHOOKS } from './webhooks.tokens.js';

/**
 * Stage 4b, webhooks: domain events from the bus → durable outbox → signed deliveries. Also
 * provides the `EVENT_LOG` (the outbox's in-transaction writer) that aggregation and policy
 * write `visit.ended` / `coupon.issued` with; global so they need not import this module.
 */
@Global()
@Module({
  controllers: [WebhooksController],
  providers: [
    {
      provide: HUB_WEBHOOKS,
      inject: [DataSource, CLOCK, EventBus, LOGGER, APP_CONFIG, StoreDirectory, POLICY_MODULES],
      useFactory: (
        dataSource: DataSource,
        clock: Clock,
        events: EventBus,
        logger: Logger,
        config: AppConfig,
        directory: StoreDirectory,
        policyModules: PolicyModuleHost,
      ) =>
        createHubWebhooks({
          dataSource,
          clock,
          events,
          logger,
          allowHosts: config.AISLE_WEBHOOK_ALLOW_HOSTS,
          ...withRetryDelays(parseRetryDelays(config.AISLE_WEBHOOK_RETRY_DELAYS_MS)),
          kFor: (storeId) =>
            storeId === null ? undefined : directory.policy(storeId)?.suppression.minSubjects,
          // A store's policy modules may suppress an event: it then never leaves the hub.
          allowEvent: (event) => policyModules.allowEvent(event),
        }),
    },
    { provide: EVENT_LOG, useExisting: HUB_WEBHOOKS },
  ],
  exports: [HUB_WEBHOOKS, EVENT_LOG],
})
export class WebhooksModule implements OnApplicationShutdown {
  constructor(@Inject(HUB_WEBHOOKS) private readonly webhooks: HubWebhooks) {}

  /** Last of all (global modules shut down after the stages that write events). */
  async onApplicationShutdown(): Promise<void> {
    await this.webhooks.close();
  }
}

function withRetryDelays(delays: readonly number[] | undefined): {
  retryDelaysMs?: readonly number[];
} {
  return delays ? { retryDelaysMs: delays } : {};
}
