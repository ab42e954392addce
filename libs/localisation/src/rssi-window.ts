/**
 * The recent readings of one link (subject ↔ sensor): a small ring of (time, RSSI), bounded in
 * length, smoothed on demand.
 */
export interface LinkWindow {
  at: number[];
  rssi: number[];
}

export function pushReading(
  window: LinkWindow,
  at: number,
  rssi: number,
  maxSamples: number,
): void {
  const times = window.at;
  const levels = window.rssi;
  const n = times.length;
  if (n > 0 && n >= maxSamples) {
    // Full: the oldest reading goes by moving the rest down in place (`push` + `shift` would
    // give the arrays a new backing store every few readings).
    for (let i = 1; i < n; i += 1) {
      times[i - 1] = times[i]!;
      levels[i - 1] = levels[i]!;
    }
    times[n - 1] = at;
    levels[n - 1] = rssi;
    return;
  }
  times.push(at);
  levels.push(rssi);
  if (times.length > maxSamples) {
    times.shift();
    levels.shift();
  }
}

/** Drops readings older than `from` (ms); true when the window is empty afterwards. */
export function pruneWindow(window: LinkWindow, from: number): boolean {
  let k = 0;
  while (k < window.at.length && (window.at[k] as number) < from) k += 1;
  if (k > 0) {
    window.at.splice(0, k);
    window.rssi.splice(0, k);
  }
  return window.at.length === 0;
}

/**
 * Smoothed RSSI of the readings in the window: the mean in dB (the ML estimate of the mean under
 * log-normal shadowing), trimmed of the lowest and highest readings when there are five or more
 * (a body blocking the path for one frame, a reflection). `weight` = readings used; `meanAt` =
 * the readings' mean time (what a fix from the window describes).
 */
export function smoothLink(
  window: LinkWindow,
): { rssi: number; weight: number; meanAt: number } | null {
  const n = window.rssi.length;
  if (n === 0) return null;
  let sumAt = 0;
  for (const t of window.at) sumAt += t;
  const meanAt = sumAt / n;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of window.rssi) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n >= 5) return { rssi: (sum - min - max) / (n - 2), weight: n - 2, meanAt };
  return { rssi: sum / n, weight: n, meanAt };
}
