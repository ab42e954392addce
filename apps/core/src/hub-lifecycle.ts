import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { HubParts } from './hub-parts.js';
import { KEY_MAINTENANCE_INTERVAL_MS } from './pipeline/store-runtime.js';

/** Starts drivers once the app is up, reloads on configuration changes, rotates keys, stops cleanly. */
@Injectable()
export class HubLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;
  private keyTimer?: NodeJS.Timeout;

  constructor(@Inject('HUB_PARTS') private readonly parts: HubParts) {}

  async onApplicationBootstrap(): Promise<void> {
    const { runtime, configEvents, logger } = this.parts;
    this.subscription = configEvents.changes.subscribe(() => {
      runtime
        .reload()
        .catch((error: unknown) =>
          logger.error(`reloading store configuration failed: ${(error as Error).message}`),
        );
    });
    await runtime.reload();
    await runtime.maintain();
    this.parts.presence.start();
    this.keyTimer = setInterval(() => {
      runtime
        .maintain()
        .catch((error: unknown) =>
          logger.error(`maintenance (keys, retention) failed: ${(error as Error).message}`),
        );
    }, KEY_MAINTENANCE_INTERVAL_MS);
    this.keyTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    if (this.keyTimer) clearInterval(this.keyTimer);
    await this.parts.presence.stop();
    await this.parts.host.stopAll();
    await this.parts.writer.close();
    this.parts.pipeline.complete();
  }
}
