import { DEMO_REFERENCE_BEACONS } from './demo-store.layout.js';
import { StoreSimulator } from './store-simulator.js';

/** Simulated time run before the demo starts, so the store is already busy when the hub comes up. */
export const DEMO_WARM_UP_MS = 10 * 60_000;
/** A busy afternoon: one shopper every ten seconds. */
export const DEMO_ARRIVALS_PER_MINUTE = 6;

/** The warm-up's last second, left to the first (immediate) step of `runSimulatorOverMqtt`. */
export const DEMO_UNPUBLISHED_MS = 1_000;
/**
 * The shortest bucket the hub aggregates into (`1m`; hours and days start on a minute in every
 * time zone): the part left to the first step never reaches into the bucket before the start.
 */
const MINUTE_MS = 60_000;

/**
 * How much of the warm-up the first step of `runSimulatorOverMqtt` publishes for a demo started
 * at `now`: its last second, cut at the start of the current minute, so a hub started within a
 * second after the hour gets no one-second bucket in the hour before it ran.
 */
export function demoUnpublishedMs(now: number): number {
  const intoMinute = ((now % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
  return Math.min(DEMO_UNPUBLISHED_MS, intoMinute);
}

/**
 * The simulator behind `npm start`'s demo store: started `DEMO_WARM_UP_MS` in the past and run
 * without publishing up to {@link demoUnpublishedMs} before `now`, so shoppers are already inside
 * and the first step of `runSimulatorOverMqtt` (at once) publishes every sensor's last moment.
 * The store's two reference beacons advertise too (they calibrate localisation).
 */
export function createDemoSimulator(params: { seed: number; now: number }): StoreSimulator {
  const simulator = new StoreSimulator({
    seed: params.seed,
    startAt: params.now - DEMO_WARM_UP_MS,
    arrivalsPerMinute: DEMO_ARRIVALS_PER_MINUTE,
    referenceBeacons: DEMO_REFERENCE_BEACONS,
  });
  const warmUpEnd = params.now - demoUnpublishedMs(params.now);
  while (simulator.time < warmUpEnd) simulator.step(Math.min(1_000, warmUpEnd - simulator.time));
  return simulator;
}
