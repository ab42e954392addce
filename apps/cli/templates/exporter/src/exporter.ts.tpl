import { appendFile } from 'node:fs/promises';
import type { AisleEvent, Exporter, ExporterContext, TimerHandle } from '@aisle/sdk';
import type { __PASCAL__Config } from './config.js';

/** Events after which the figures are read again at once. */
const TRIGGERS: ReadonlySet<AisleEvent['type']> = new Set([
  'occupancy.changed',
  'aggregate.hourly',
  'sensor.online',
  'sensor.offline',
]);

/**
 * Appends every store's figures (aggregates only, already suppressed under the store's k) to a
 * JSON-lines file: on a timer, and at once after an event that changes them.
 */
export class __PASCAL__Exporter implements Exporter<__PASCAL__Config> {
  private timer: TimerHandle | undefined;
  private ctx: ExporterContext<__PASCAL__Config> | undefined;
  private writing: Promise<void> = Promise.resolve();

  setup(ctx: ExporterContext<__PASCAL__Config>): void {
    this.ctx = ctx;
    ctx.onEvent((event) => {
      if (TRIGGERS.has(event.type)) void this.export();
    });
    this.timer = ctx.clock.setInterval(() => void this.export(), ctx.config.intervalSeconds * 1000);
    void this.export();
  }

  /** Queues one reading of every store; writes never overlap. */
  export(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return this.writing;
    this.writing = this.writing.then(async () => {
      if (ctx.signal.aborted) return;
      try {
        for (const storeId of ctx.figures.storeIds()) {
          const figures = await ctx.figures.read(storeId);
          if (figures) await appendFile(ctx.config.file, `${JSON.stringify(figures)}\n`);
        }
        ctx.status.available();
      } catch (error) {
        ctx.status.unavailable(`writing ${ctx.config.file} failed: ${(error as Error).message}`);
      }
    });
    return this.writing;
  }

  async teardown(): Promise<void> {
    if (this.timer !== undefined) this.ctx?.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    this.ctx = undefined;
  }
}
