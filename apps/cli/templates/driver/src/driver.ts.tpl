import {
  AvailabilityWatchdog,
  PluginConfigError,
  type Driver,
  type DriverContext,
  type Unsubscribe,
} from '@aisle/sdk';
import type { __PASCAL__Config } from './config.js';
import { parseCountsPayload } from './counts.js';

/** One instance per configured sensor: subscribes to the counter's topic, emits its counts. */
export class __PASCAL__Driver implements Driver<__PASCAL__Config> {
  private unsubscribe: Unsubscribe | undefined;
  private watchdog: AvailabilityWatchdog | undefined;

  async setup(ctx: DriverContext<__PASCAL__Config>): Promise<void> {
    const mqtt = ctx.ports.mqtt;
    if (!mqtt) throw new PluginConfigError('the mqtt port is missing (declare it in the manifest)');
    const watchdog = AvailabilityWatchdog.forDriver(ctx, {
      unavailableAfterSeconds: ctx.config.unavailableAfterSeconds,
      silence: 'no counts message',
    });
    this.watchdog = watchdog;
    watchdog.start();
    this.unsubscribe = await mqtt.subscribe(ctx.config.topic, (_topic, payload) => {
      const parsed = parseCountsPayload(payload, ctx.clock.now());
      if (!parsed.ok) {
        ctx.reject(parsed.reason, parsed.detail);
        return;
      }
      watchdog.seen();
      ctx.emit(parsed.observation);
    });
  }

  async teardown(): Promise<void> {
    this.watchdog?.stop();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }
}
