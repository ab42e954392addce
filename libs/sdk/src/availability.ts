import type { Clock, TimerHandle } from './clock.js';
import type { AvailabilityReporter, DriverContext } from './plugin.js';

/**
 * Marks a driver unavailable when nothing arrived for `timeoutMs`, and available again on the next
 * message (Home Assistant's coordinator pattern). Call `seen()` for every valid input, and
 * `unavailable(reason)` when the device itself says it is gone (a last will, a lost adapter).
 * Only changes are reported: never "available" or "unavailable" twice in a row.
 */
export class AvailabilityWatchdog {
  private timer: TimerHandle | undefined;
  private reported: 'nothing' | 'available' | 'unavailable' = 'nothing';

  constructor(
    private readonly options: {
      clock: Clock;
      status: AvailabilityReporter;
      timeoutMs: number;
      reason?: string;
    },
  ) {}

  /**
   * A watchdog for a driver: `unavailableAfterSeconds` of silence, reported as
   * `<silence> for <n> s` (e.g. "no BLE advertisement for 30 s").
   */
  static forDriver(
    ctx: Pick<DriverContext, 'clock' | 'status'>,
    options: { unavailableAfterSeconds: number; silence?: string },
  ): AvailabilityWatchdog {
    const seconds = options.unavailableAfterSeconds;
    return new AvailabilityWatchdog({
      clock: ctx.clock,
      status: ctx.status,
      timeoutMs: seconds * 1000,
      reason: `${options.silence ?? 'nothing received'} for ${seconds} s`,
    });
  }

  /** Starts the timer without declaring the driver available (nothing seen yet). */
  start(): void {
    this.arm();
  }

  seen(): void {
    this.report('available');
    this.arm();
  }

  /**
   * Reports the driver unavailable now (unless it already is), without waiting for the timeout;
   * the next `seen()` reports it available again.
   */
  unavailable(reason: string): void {
    this.stop();
    this.report('unavailable', reason);
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.stop();
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      const seconds = Math.round(this.options.timeoutMs / 1000);
      this.report('unavailable', this.options.reason ?? `nothing received for ${seconds} s`);
    }, this.options.timeoutMs);
  }

  private report(state: 'available' | 'unavailable', reason = ''): void {
    if (this.reported === state) return;
    this.reported = state;
    if (state === 'available') this.options.status.available();
    else this.options.status.unavailable(reason);
  }
}
