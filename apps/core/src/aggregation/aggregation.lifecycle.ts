import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { HubParts } from '../hub-parts.js';

/** Starts the aggregation service with the app and writes what it holds at shutdown. */
@Injectable()
export class AggregationLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject('HUB_PARTS') private readonly parts: HubParts) {}

  async onApplicationBootstrap(): Promise<void> {
    // In a chain, only workers aggregate (and only the stores they own).
    if (this.parts.roles.worker) await this.parts.aggregation.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.parts.roles.worker) return;
    try {
      await this.parts.aggregation.stop();
    } catch (error) {
      this.parts.logger.error(`aggregation: final flush failed: ${(error as Error).message}`);
    }
  }
}
