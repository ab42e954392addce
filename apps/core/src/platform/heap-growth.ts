import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept alive, in per
 * cent, unless the process was started with a heap option of its own (see {@link heapGrowthFlag}).
 *
 * V8 picks the growth factor itself (up to ×4 on a machine with gigabytes to spare), so a core
 * with ~200 MB live at 20,000 devices settled at 1.2 GB RSS, nearly all of it garbage not yet
 * collected. ×1.2 keeps the old generation at live data + 20 %, at the cost of more frequent full
 * collections (they are mostly concurrent; README "Memory").
 */
export const HEAP_GROWING_PERCENT = 20;

/** Options that say the operator chose the heap's size or growth: then Aisle leaves V8 alone. */
const OWN_HEAP_OPTIONS = /--(heap-growing-percent|max-old-space-size|max-heap-size)\b/;

/**
 * The V8 flag the core sets at start, or null when the process was given a heap option of its own
 * (`node --max-old-space-size=…`, or in `NODE_OPTIONS`). The growth factor is read by V8 at every
 * full collection (unlike `--max-old-space-size`, fixed when the heap is made), so setting it from
 * inside the running process works for `npm start` and `node apps/core/dist/main.js` alike,
 * without re-executing Node.js.
 */
export function heapGrowthFlag(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
): string | null {
  if (execArgv.some((a) => OWN_HEAP_OPTIONS.test(a))) return null;
  if (nodeOptions !== undefined && OWN_HEAP_OPTIONS.test(nodeOptions)) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Applies {@link heapGrowthFlag}; returns the flag set, or null. */
export function limitHeapGrowth(): string | null {
  const flag = heapGrowthFlag();
  if (flag !== null) setFlagsFromString(flag);
  return flag;
}
