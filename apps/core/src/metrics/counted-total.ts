import { Counter, type Registry } from 'prom-client';

/**
 * A counter that follows a running total kept elsewhere (a pure library's count of what it
 * dropped at a bound), read when the metrics are collected.
 */
export function countedTotal(
  name: string,
  help: string,
  registers: Registry[],
  total: () => number,
): Counter {
  let seen = 0;
  return new Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

/**
 * A counter with one label whose increments, on a per-observation path, are tallied in a small
 * map (one lookup, no label hashing, nothing allocated) and added to the prom-client counter
 * when it is collected (every scrape and `get()`), as `aisle_observations_total` is.
 */
export class TalliedCounter<L extends string> {
  private readonly pending = new Map<string, number>();
  readonly counter: Counter<L>;

  constructor(config: { name: string; help: string; labelName: L; registers: Registry[] }) {
    const pending = this.pending;
    const label = config.labelName;
    this.counter = new Counter<L>({
      name: config.name,
      help: config.help,
      labelNames: [label],
      registers: config.registers,
      collect() {
        for (const [value, count] of pending) {
          this.inc({ [label]: value } as Partial<Record<L, string>>, count);
        }
        pending.clear();
      },
    });
  }

  /** One more of `value` (in the counter from its next collection). */
  inc(value: string): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + 1);
  }
}
