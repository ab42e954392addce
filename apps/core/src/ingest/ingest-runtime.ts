import type { PseudonymKeyring } from '@aisle/ingest';
import type { Clock } from '@aisle/sdk';
import type { PolicyModuleHost } from '../plugins/policy-module-host.js';
import type { SensorRecord } from '../plugins/plugin-host.js';
import type { StoreDirectory } from '../stores/store-directory.js';

/** How often keys are rotated/destroyed and the next period's key prepared. */
export const KEY_MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * The ingest stage's view of store configuration, rebuilt from the store directory's snapshots on
 * every `store.changed`: each store's policy modules (built-ins and the plugins its policy
 * selects, run by the {@link PolicyModuleHost}; the gate asks them for every observation) and
 * pseudonym keys prepared ahead of time.
 */
export class IngestRuntime {
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      directory: StoreDirectory;
      keyring: PseudonymKeyring;
      clock: Clock;
      policyModules: PolicyModuleHost;
    },
  ) {}

  /** Applies the directory's current snapshots (serialised: the last call sees the latest). */
  apply(): Promise<void> {
    this.applying = this.applying.then(
      () => this.doApply(),
      () => this.doApply(),
    );
    return this.applying;
  }

  private async doApply(): Promise<void> {
    const stores = this.deps.directory.all();
    await this.deps.policyModules.apply(
      stores.map((store) => ({
        id: store.id,
        timezone: store.timezone,
        zones: store.zones,
        policy: store.policy,
        fixedDevices: store.fixedDevices,
      })),
    );
    await this.prepareKeys(this.deps.clock.now());
  }

  /** Prepares keys for now and for the next maintenance tick, so the gate never waits. */
  async prepareKeys(now: number): Promise<void> {
    for (const store of this.deps.directory.all()) {
      const hours = store.policy.tracking.rotationHours;
      await this.deps.keyring.prepare(store.id, now, hours);
      await this.deps.keyring.prepare(store.id, now + KEY_MAINTENANCE_INTERVAL_MS, hours);
    }
  }
}

/** One driver per enabled sensor of every store, from the store directory's snapshots. */
export function sensorRecords(directory: StoreDirectory): SensorRecord[] {
  return directory.all().flatMap((store) =>
    store.sensors.map((s) => ({
      storeId: s.storeId,
      id: s.id,
      domain: s.domain,
      x: s.x,
      y: s.y,
      z: s.z,
      config: structuredClone(s.config),
      enabled: s.enabled,
    })),
  );
}
