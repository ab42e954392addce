import { Subject, type Observable } from 'rxjs';
import type { IngestGate } from '@aisle/ingest';
import type { SightingWriter } from '@aisle/persistence';
import type { Observation, Sighting } from '@aisle/sdk';

/**
 * Driver observations → ingest gate → (batched) database and the in-process sighting stream that
 * localisation and aggregation consume. Raw identifiers never get past `ingest`.
 */
export class IngestPipeline {
  private readonly subject = new Subject<Sighting>();

  constructor(private readonly deps: { gate: IngestGate; writer: SightingWriter }) {}

  /** Sightings after the gate, in arrival order. */
  get sightings(): Observable<Sighting> {
    return this.subject.asObservable();
  }

  ingest(observation: Observation): void {
    const result = this.deps.gate.process(observation);
    if (!result.ok) return;
    // In count-only mode nothing per-device is stored: the sighting only feeds in-memory counts.
    // Reference beacons only calibrate localisation: never stored, so never counted as shoppers.
    const reference = result.sighting.kind !== 'camera' && result.sighting.reference !== undefined;
    if (result.retainDevice && !reference) this.deps.writer.enqueue([result.sighting]);
    this.subject.next(result.sighting);
  }

  complete(): void {
    this.subject.complete();
  }
}
