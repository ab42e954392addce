export interface TransitionCell {
  from: string;
  to: string;
  count: number;
}

/** `from>to` counts → a sorted list (most frequent first) and the zones seen, for a matrix. */
export function transitionMatrix(counts: Readonly<Record<string, number>>): {
  zones: string[];
  cells: TransitionCell[];
} {
  const zones = new Set<string>();
  const cells: TransitionCell[] = [];
  for (const [key, count] of Object.entries(counts)) {
    const [from, to] = key.split('>');
    if (from === undefined || to === undefined) continue;
    zones.add(from);
    zones.add(to);
    cells.push({ from, to, count });
  }
  cells.sort(
    (a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to),
  );
  return { zones: [...zones].sort(), cells };
}

/** The `limit` most frequent paths of `a>b>c` counts. */
export function topPaths(
  counts: Readonly<Record<string, number>>,
  limit = 20,
): { path: string[]; count: number }[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([key, count]) => ({ path: key.split('>'), count }));
}

/** Adds count maps (hour rows into a range). */
export function addCounts(
  into: Record<string, number>,
  more: Readonly<Record<string, number>>,
): void {
  for (const [k, n] of Object.entries(more)) into[k] = (into[k] ?? 0) + n;
}
