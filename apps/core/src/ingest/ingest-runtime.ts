import type { PseudonymKeyring } from '@aisle/ingest';
import { fixedDeviceModule, trackingHoursModule, type OptOutList } from '@aisle/policy';
import type { Clock, PolicyModule } from '@aisle/sdk';
import type { SensorRecord } from '../plugins/plugin-host.js';
import type { StoreDirectory } from '../stores/store-directory.js';

/** How often keys are rotated/destroyed and the next period's key prepared. */
export const KEY_MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * The ingest stage's view of store configuration, rebuilt from the store directory's snapshots on
 * every `store.changed`: each store's gate modules (fixed devices, tracking hours; read
 * synchronously by the gate for every observation) and pseudonym keys prepared ahead of time.
 */
export class IngestRuntime {
  private modules = new Map<string, readonly PolicyModule[]>();
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      directory: StoreDirectory;
      keyring: PseudonymKeyring;
      clock: Clock;
      /** An empty device list under a store's derived key (for its fixed devices). */
      storeDeviceList?: (storeId: string) => OptOutList;
    },
  ) {}

  /** The store's own built-in policy modules (fixed devices, tracking hours), consulted by the gate. */
  modulesFor(storeId: string): readonly PolicyModule[] {
    return this.modules.get(storeId) ?? [];
  }

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
    const modules = new Map<string, readonly PolicyModule[]>();
    for (const store of stores) {
      const own: PolicyModule[] = [];
      if (store.fixedDevices.length > 0 && this.deps.storeDeviceList) {
        const list = this.deps.storeDeviceList(store.id);
        for (const hash of store.fixedDevices) list.add(hash);
        own.push(fixedDeviceModule(list));
      }
      if (store.hours) own.push(trackingHoursModule(store.hours));
      if (own.length > 0) modules.set(store.id, own);
    }
    this.modules = modules;
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
