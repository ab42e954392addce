import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus series the hub exports, on one registry (served at /metrics). */
export class HubMetrics {
  readonly registry = new Registry();

  readonly observations = new Counter({
    name: 'aisle_observations_total',
    help: 'Observations accepted by the ingest gate',
    labelNames: ['store', 'kind'] as const,
    registers: [this.registry],
  });

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
