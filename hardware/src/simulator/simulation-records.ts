import type { Observation } from '@aisle/sdk';
import type { StoreLayout } from './store-layout.js';
import type { GroundTruth, StoreSimulator } from './store-simulator.js';

/** First record of a simulation file: the store simulated and how. */
export interface LayoutRecord extends StoreLayout {
  type: 'layout';
  simulation: Record<string, number | string>;
}
/** What a sensor reported (raw identifiers included: simulated, but treat the file like a capture). */
export type ObservationRecord = { type: 'observation' } & Observation;
/** The truth after each step. */
export type TruthRecord = { type: 'truth' } & GroundTruth;
export type SimulationRecord = LayoutRecord | ObservationRecord | TruthRecord;

/**
 * A simulation as records for a JSON-lines file (see hardware/README.md): the layout, then for
 * every step its observations followed by one truth record.
 */
export function* simulationRecords(params: {
  simulator: StoreSimulator;
  seconds: number;
  /** Settings worth keeping with the file (seed, σ, …). */
  settings: Record<string, number | string>;
  stepMs?: number;
}): Generator<SimulationRecord> {
  const { simulator } = params;
  const stepMs = params.stepMs ?? 1_000;
  yield {
    type: 'layout',
    ...simulator.layout,
    simulation: { ...params.settings, startAt: simulator.time, seconds: params.seconds, stepMs },
  };
  const end = simulator.time + params.seconds * 1000;
  while (simulator.time < end) {
    const output = simulator.step(Math.min(stepMs, end - simulator.time));
    for (const observation of output.observations) yield { type: 'observation', ...observation };
    yield { type: 'truth', ...output.groundTruth };
  }
}
