import type { Clock, TimerHandle } from '../clock.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
  every?: number;
}

/** A clock that only moves when told to: `advance(ms)` fires due timers in order. */
export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(private current = Date.UTC(2026, 0, 1, 9, 0, 0)) {}

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const timer = {
      id: this.nextId++,
      due: this.current + Math.max(1, ms),
      fn,
      every: Math.max(1, ms),
    };
    this.timers.push(timer);
    return timer;
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Number of pending timers (a driver that tore down cleanly leaves none). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing every timer that falls due, in due order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers
        .filter((t) => t.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.current = next.due;
      if (next.every !== undefined) next.due += next.every;
      else this.timers = this.timers.filter((t) => t !== next);
      next.fn();
    }
    this.current = target;
  }

  set(epochMs: number): void {
    if (epochMs < this.current) throw new Error('FakeClock cannot go backwards');
    this.advance(epochMs - this.current);
  }
}
