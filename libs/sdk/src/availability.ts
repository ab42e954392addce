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
  /** When the silence began: the last `seen()` (or `start()`). */
  private since = 0;

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
    this.since = this.options.clock.now();
    this.arm(this.options.timeoutMs);
  }

  /**
   * Called per message or advertisement: notes the time only. The one timer, when it fires, looks
   * how long the silence has lasted and waits for the rest (no timer made per input).
   */
  seen(): void {
    this.report('available');
    this.since = this.options.clock.now();
    if (this.timer === undefined) this.arm(this.options.timeoutMs);
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

  private arm(delayMs: number): void {
    this.stop();
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      const timeoutMs = this.options.timeoutMs;
      const left = this.since + timeoutMs - this.options.clock.now();
      if (left > timeoutMs) {
        // The clock went back: the silence counts from now.
        this.since = this.options.clock.now();
        this.arm(timeoutMs);
        return;
      }
      if (left > 0) {
        this.arm(left); // something came meanwhile
        return;
      }
      const seconds = Math.round(timeoutMs / 1000);
      this.report('unavailable', this.options.reason ?? `nothing received for ${seconds} s`);
    }, delayMs);
  }

  private report(state: 'available' | 'unavailable', reason = ''): void {
    if (this.reported === state) return;
    this.reported = state;
    if (state === 'available') this.options.status.available();
    else this.options.status.unavailable(reason);
  }
}
