import { DEMO_REFERENCE_BEACONS } from './demo-store.layout.js';
import { StoreSimulator } from './store-simulator.js';

/** Simulated time run before the demo starts, so the store is already busy when the hub comes up. */
export const DEMO_WARM_UP_MS = 10 * 60_000;
/** A busy afternoon: one shopper every ten seconds. */
export const DEMO_ARRIVALS_PER_MINUTE = 6;

/** The warm-up's last second, left to the first (immediate) step of `runSimulatorOverMqtt`. */
export const DEMO_UNPUBLISHED_MS = 1_000;

/**
 * The simulator behind `npm start`'s demo store: started `DEMO_WARM_UP_MS` in the past and run
 * without publishing up to one second before `now`, so shoppers are already inside and the first
 * step of `runSimulatorOverMqtt` (at once) publishes every sensor's last second.
 * The store's two reference beacons advertise too (they calibrate localisation).
 */
export function createDemoSimulator(params: { seed: number; now: number }): StoreSimulator {
  const simulator = new StoreSimulator({
    seed: params.seed,
    startAt: params.now - DEMO_WARM_UP_MS,
    arrivalsPerMinute: DEMO_ARRIVALS_PER_MINUTE,
    referenceBeacons: DEMO_REFERENCE_BEACONS,
  });
  for (let t = 0; t < DEMO_WARM_UP_MS - DEMO_UNPUBLISHED_MS; t += 1_000) simulator.step(1_000);
  return simulator;
}
