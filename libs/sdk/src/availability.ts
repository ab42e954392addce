import type { Clock, TimerHandle } from './clock.js';
import type { AvailabilityReporter } from './plugin.js';

/**
 * Marks a driver unavailable when nothing arrived for `timeoutMs`, and available again on the next
 * message (Home Assistant's coordinator pattern). Call `seen()` for every valid input.
 */
export class AvailabilityWatchdog {
  private timer: TimerHandle | undefined;
  private isAvailable = false;

  constructor(
    private readonly options: {
      clock: Clock;
      status: AvailabilityReporter;
      timeoutMs: number;
      reason?: string;
    },
  ) {}

  /** Starts the timer without declaring the driver available (nothing seen yet). */
  start(): void {
    this.arm();
  }

  seen(): void {
    if (!this.isAvailable) {
      this.isAvailable = true;
      this.options.status.available();
    }
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.stop();
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.isAvailable = false;
      const seconds = Math.round(this.options.timeoutMs / 1000);
      this.options.status.unavailable(this.options.reason ?? `nothing received for ${seconds} s`);
    }, this.options.timeoutMs);
  }
}
