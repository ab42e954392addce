import type { Logger } from 'pino';
import { DEFAULT_MIN_SUBJECTS } from '@aisle/aggregation';
import type { DataSource } from 'typeorm';
import type { PseudonymKeyring, TrackingPolicy } from '@aisle/ingest';
import {
  TrackingHours,
  fixedDeviceModule,
  parseStorePolicy,
  type OptOutList,
  trackingHoursModule,
  trackingOffPolicy,
  type StorePolicy,
} from '@aisle/policy';
import type { PolicyModule } from '@aisle/sdk';
import {
  FixedDeviceEntity,
  SensorEntity,
  StoreEntity,
  purgeAggregates,
  purgeOrphanAggregates,
  purgeOrphanSightings,
  purgeSightings,
  purgeWebhookMessages,
} from '@aisle/persistence';
import type { Clock } from '@aisle/sdk';
import type { PluginHost } from '../plugins/plugin-host.js';

/** How often keys are rotated/destroyed and the next period's key prepared. */
export const KEY_MAINTENANCE_INTERVAL_MS = 60_000;
/** The longest any store may keep device data (the policy caps it at a week). */
const MAX_DEVICE_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * The running view of store configuration: each store's tracking policy (read synchronously by the
 * gate for every observation: no database round trip), pseudonym keys prepared ahead of time, and
 * one driver per enabled sensor. `reload()` re-reads the database after any change.
 */
export class StoreRuntime {
  private policies = new Map<string, StorePolicy>();
  private hours = new Map<string, TrackingHours>();
  private modules = new Map<string, readonly PolicyModule[]>();
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      dataSource: DataSource;
      host: PluginHost;
      keyring: PseudonymKeyring;
      clock: Clock;
      logger: Logger;
      /** An empty device list under a store's derived key (for its fixed devices). */
      storeDeviceList?: (storeId: string) => OptOutList;
      /** Called with the number of rows the retention purge deleted. */
      onPurged?: (count: number) => void;
      /** Whether this process runs drivers (AISLE_ROLE has `ingest`); default true. */
      runDrivers?: boolean;
    },
  ) {}

  /** The tracking policy the gate applies (undefined: not a store of this hub). */
  policyFor(storeId: string): TrackingPolicy | undefined {
    return this.policies.get(storeId)?.tracking;
  }

  /** The store's own built-in policy modules (tracking hours), consulted by the gate. */
  modulesFor(storeId: string): readonly PolicyModule[] {
    return this.modules.get(storeId) ?? [];
  }

  /** Whether the store's tracking hours include `at` (true when it sets none). */
  isOpen(storeId: string, at: number): boolean {
    return this.hours.get(storeId)?.isOpen(at) ?? true;
  }

  /** The store's small-cell threshold k (policy `suppression.minSubjects`, else the default). */
  minSubjects(storeId: string): number {
    return this.storePolicy(storeId)?.suppression.minSubjects ?? DEFAULT_MIN_SUBJECTS;
  }

  /** The whole store policy, notice included. */
  storePolicy(storeId: string): StorePolicy | undefined {
    return this.policies.get(storeId);
  }

  storeIds(): string[] {
    return [...this.policies.keys()];
  }

  /** Serialised: concurrent calls run one after another, the last one sees the latest rows. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(
      () => this.doReload(),
      () => this.doReload(),
    );
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    const stores = await this.deps.dataSource.getRepository(StoreEntity).find();
    const sensors = await this.deps.dataSource.getRepository(SensorEntity).find();
    const policies = new Map<string, StorePolicy>();
    for (const store of stores) {
      try {
        policies.set(store.id, parseStorePolicy(store.policy ?? {}));
      } catch (error) {
        // A policy that does not validate must not track: the store is treated as `off`.
        this.deps.logger.error(
          { store: store.id },
          `invalid tracking policy, tracking is off: ${(error as Error).message}`,
        );
        policies.set(store.id, trackingOffPolicy());
      }
    }
    const fixed = await this.deps.dataSource.getRepository(FixedDeviceEntity).find();
    const hours = new Map<string, TrackingHours>();
    const modules = new Map<string, readonly PolicyModule[]>();
    for (const store of stores) {
      const policy = policies.get(store.id);
      const own: PolicyModule[] = [];
      const devices = fixed.filter((d) => d.storeId === store.id);
      if (devices.length > 0 && this.deps.storeDeviceList) {
        const list = this.deps.storeDeviceList(store.id);
        for (const device of devices) list.add(device.hash);
        own.push(fixedDeviceModule(list));
      }
      if (policy && policy.hours.length > 0) {
        const windows = new TrackingHours(policy.hours, store.timezone);
        hours.set(store.id, windows);
        own.push(trackingHoursModule(windows));
      }
      if (own.length > 0) modules.set(store.id, own);
    }
    this.policies = policies;
    this.hours = hours;
    this.modules = modules;
    await this.prepareKeys(this.deps.clock.now());
    await this.deps.host.syncSensors(
      sensors.map((s) => ({
        storeId: s.storeId,
        id: s.id,
        domain: s.domain,
        x: s.x,
        y: s.y,
        z: s.z,
        config: s.config ?? {},
        enabled: s.enabled && policies.has(s.storeId) && this.deps.runDrivers !== false,
      })),
    );
  }

  /** Prepares keys for now and for the next maintenance tick, so the gate never waits. */
  async prepareKeys(now: number): Promise<void> {
    for (const [storeId, policy] of this.policies) {
      await this.deps.keyring.prepare(storeId, now, policy.tracking.rotationHours);
      await this.deps.keyring.prepare(
        storeId,
        now + KEY_MAINTENANCE_INTERVAL_MS,
        policy.tracking.rotationHours,
      );
    }
  }

  /**
   * The per-minute maintenance: destroys keys of ended periods, prepares upcoming ones, and deletes
   * data past each store's retention (and everything of deleted stores).
   */
  async maintain(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.keyring.rotate(now);
    await this.prepareKeys(now);
    let purged = await purgeOrphanSightings(this.deps.dataSource);
    purged += await purgeOrphanAggregates(this.deps.dataSource);
    purged += await purgeWebhookMessages(this.deps.dataSource, {
      storelessBefore: now - MAX_DEVICE_RETENTION_MS,
    });
    for (const [storeId, policy] of this.policies) {
      const horizon = {
        storeId,
        deviceBefore: now - policy.retention.deviceSightingsHours * 3_600_000,
        countsBefore: now - policy.retention.countsDays * 86_400_000,
      };
      purged += await purgeSightings(this.deps.dataSource, horizon);
      // Visit facts are device data; counter facts and rollups are counts.
      purged += await purgeAggregates(this.deps.dataSource, horizon);
      // Webhook bodies carry (re-keyed) subject ids: finished ones go with the device data.
      purged += await purgeWebhookMessages(this.deps.dataSource, {
        storeId,
        before: horizon.deviceBefore,
      });
    }
    if (purged > 0) {
      this.deps.onPurged?.(purged);
      this.deps.logger.info({ purged }, 'retention purge deleted sightings');
    }
  }
}
