import type { IngestGate } from '@aisle/ingest';
import type { SightingWriter } from '@aisle/persistence';
import type { DriverObservation, Observation, Sighting } from '@aisle/sdk';
import type { HandOff } from '../contracts/hand-off.js';

/**
 * Driver observations → ingest gate → (batched) database and the sightings hand-off that
 * localisation, aggregation and occupancy consume. Raw identifiers never get past `ingest`.
 */
export class IngestPipeline {
  constructor(
    private readonly deps: {
      gate: IngestGate;
      writer: SightingWriter;
      sightings: HandOff<Sighting>;
    },
  ) {}

  /**
   * `storeId`/`sensorId`, when given, replace the observation's own (the plugin host's sensor
   * identity): the observation is read, not copied, kept or changed.
   */
  ingest(observation: Observation | DriverObservation, storeId?: string, sensorId?: string): void {
    const result = this.deps.gate.process(observation, storeId, sensorId);
    if (!result.ok) return;
    // In count-only mode nothing per-device is stored: the sighting only feeds in-memory counts.
    // Reference beacons only calibrate localisation: never stored, so never counted as shoppers.
    const reference = result.sighting.kind !== 'camera' && result.sighting.reference !== undefined;
    if (result.retainDevice && !reference) this.deps.writer.enqueue([result.sighting]);
    this.deps.sightings.publish(result.sighting);
  }
}
