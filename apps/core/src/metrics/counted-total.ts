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
