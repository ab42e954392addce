import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ingestHealth, type IngestStatus } from '../health/ingest-status.js';

/** Every Prometheus series the hub exports, on one registry (served at /metrics). */
export class HubMetrics {
  readonly registry = new Registry();

  /**
   * Accepted observations not yet added to {@link observations}, per store and kind: counted here
   * (one map lookup per observation, no label hashing) and added when the counter is collected
   * (every scrape and `get()`). Use {@link countObservation}.
   */
  private readonly pendingObservations = new Map<string, Map<string, number>>();

  readonly observations = new Counter({
    name: 'aisle_observations_total',
    help: 'Observations accepted by the ingest gate',
    labelNames: ['store', 'kind'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [store, byKind] of this.pendingObservations) {
        for (const [kind, count] of byKind) this.observations.inc({ store, kind }, count);
      }
      this.pendingObservations.clear();
    },
  });

  /** One observation accepted by the gate (in `aisle_observations_total` from the next collection). */
  countObservation(storeId: string, kind: string): void {
    let byKind = this.pendingObservations.get(storeId);
    if (byKind === undefined) {
      byKind = new Map();
      this.pendingObservations.set(storeId, byKind);
    }
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }

  readonly dropped = new Counter({
    name: 'aisle_observations_dropped_total',
    help: 'Observations dropped by the ingest gate, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'aisle_input_rejected_total',
    help: 'Malformed device messages rejected by drivers, by plugin and reason',
    labelNames: ['plugin', 'reason'] as const,
    registers: [this.registry],
  });

  readonly pluginStatus = new Gauge({
    name: 'aisle_plugin_status',
    help: 'Plugin state: 1 loaded, 0 failed',
    labelNames: ['plugin', 'state'] as const,
    registers: [this.registry],
  });

  readonly sensorAvailable = new Gauge({
    name: 'aisle_sensor_available',
    help: 'Sensor driver availability: 1 available, 0 unavailable or failed',
    labelNames: ['store', 'sensor', 'plugin'] as const,
    registers: [this.registry],
  });

  readonly sightingsWritten = new Counter({
    name: 'aisle_sightings_written_total',
    help: 'Sightings written to the database',
    registers: [this.registry],
  });

  readonly purged = new Counter({
    name: 'aisle_sightings_purged_total',
    help: 'Sightings deleted by the retention purge (past retention, or of deleted stores)',
    registers: [this.registry],
  });

  readonly sensitiveScrubbed = new Counter({
    name: 'aisle_sensitive_zone_sightings_deleted_total',
    help: 'Sightings deleted because the position they gave was in a sensitive zone',
    registers: [this.registry],
  });

  readonly sightingWriteErrors = new Counter({
    name: 'aisle_sighting_write_errors_total',
    help: 'Failed sighting batch writes (retried)',
    registers: [this.registry],
  });

  readonly sightingsDropped = new Counter({
    name: 'aisle_sightings_dropped_total',
    help: 'Sightings the writer gave up (never stored), by reason: disk-limit, overflow, closed, invalid',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Read at scrape time from the ingest status (see {@link HubMetrics.watchIngest}). */
  private ingest: IngestStatus | undefined;

  readonly ingestBacklog = new Gauge({
    name: 'aisle_ingest_backlog_rows',
    help: 'Sightings held in memory, not yet in the database or the spill file',
    registers: [this.registry],
    collect: () => {
      const status = this.ingest?.();
      this.ingestBacklog.set(status?.backlog ?? 0);
      this.ingestUnacknowledged.set(status?.unacknowledged ?? 0);
      this.ingestSpilledRows.set(status?.spilledRows ?? 0);
      this.ingestSpillBytes.set(status?.spillBytes ?? 0);
      this.ingestInputHeld.set(status?.inputHeld === true ? 1 : 0);
      this.ingestHeldMessages.set(status?.heldMessages ?? 0);
      const oldest = status?.oldestUnstoredAt ?? null;
      this.ingestOldestAge.set(oldest === null ? 0 : Math.max(0, Date.now() - oldest) / 1000);
      this.ingestDegraded.set(
        status ? (ingestHealth(status, Date.now()).status === 'degraded' ? 1 : 0) : 0,
      );
    },
  });

  readonly ingestUnacknowledged = new Gauge({
    name: 'aisle_ingest_unacknowledged_messages',
    help: 'QoS 1 MQTT messages received whose PUBACK waits for their rows to be stored',
    registers: [this.registry],
  });

  readonly ingestInputHeld = new Gauge({
    name: 'aisle_ingest_input_held',
    help: '1 while the MQTT client reads no more messages because the writer is full (back-pressure)',
    registers: [this.registry],
  });

  readonly ingestHeldMessages = new Gauge({
    name: 'aisle_ingest_held_messages',
    help: 'Messages held back on back-pressure since start (the broker queued them meanwhile)',
    registers: [this.registry],
  });

  readonly ingestSpilledRows = new Gauge({
    name: 'aisle_ingest_spill_rows',
    help: 'Sightings in the local spill file, waiting to be replayed into the database',
    registers: [this.registry],
  });

  readonly ingestSpillBytes = new Gauge({
    name: 'aisle_ingest_spill_bytes',
    help: 'Unreplayed bytes in the local spill file',
    registers: [this.registry],
  });

  readonly ingestOldestAge = new Gauge({
    name: 'aisle_ingest_oldest_unstored_age_seconds',
    help: 'Age of the oldest observation not yet in the database (0 when none)',
    registers: [this.registry],
  });

  readonly ingestDegraded = new Gauge({
    name: 'aisle_ingest_degraded',
    help: '1 while /health reports ingest degraded (writes failing, spill in use, or old rows)',
    registers: [this.registry],
  });

  /** Exposes the ingest status (backlog, spill, oldest unstored age) on every scrape. */
  watchIngest(status: IngestStatus): void {
    this.ingest = status;
  }

  readonly policyModuleErrors = new Counter({
    name: 'aisle_policy_module_errors_total',
    help: 'Policy module misbehaviour by module, hook and kind (threw, invalid_verdict, slow, timeout, overloaded, unavailable); the item is restricted, the pipeline goes on',
    labelNames: ['domain', 'hook', 'kind'] as const,
    registers: [this.registry],
  });

  readonly policyModuleRestrictions = new Counter({
    name: 'aisle_policy_module_restrictions_total',
    help: 'Items a policy module restricted, by module and hook (gate: observation dropped, position: dropped, event: suppressed, offer: vetoed)',
    labelNames: ['domain', 'hook'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'aisle_' });
    }
  }
}
