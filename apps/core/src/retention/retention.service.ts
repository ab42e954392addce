import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { PseudonymKeyring } from '@aisle/ingest';
import {
  purgeAggregates,
  purgeOrphanAggregates,
  purgeOrphanSightings,
  purgeSightings,
  purgeWebhookMessages,
} from '@aisle/persistence';
import type { Clock } from '@aisle/sdk';
import type { StoreDirectory } from '../stores/store-directory.js';

/** The longest any store may keep device data (the policy caps it at a week). */
const MAX_DEVICE_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * The per-minute maintenance: destroys pseudonym keys of ended periods, prepares upcoming ones,
 * and deletes data past each store's retention (and everything of deleted stores). The SQL is in
 * libs/persistence (`purge*`); retention periods come from the store directory's snapshots.
 */
export class RetentionService {
  constructor(
    private readonly deps: {
      dataSource: DataSource;
      directory: StoreDirectory;
      keyring: PseudonymKeyring;
      /** Prepares the keys the gate needs now and at the next tick. */
      prepareKeys: (now: number) => Promise<void>;
      clock: Clock;
      logger: Logger;
      /** Called with the number of rows the retention purge deleted. */
      onPurged?: (count: number) => void;
    },
  ) {}

  async maintain(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.keyring.rotate(now);
    await this.deps.prepareKeys(now);
    const ds = this.deps.dataSource;
    let purged = await purgeOrphanSightings(ds);
    purged += await purgeOrphanAggregates(ds);
    purged += await purgeWebhookMessages(ds, { storelessBefore: now - MAX_DEVICE_RETENTION_MS });
    for (const store of this.deps.directory.all()) {
      const retention = store.policy.retention;
      const horizon = {
        storeId: store.id,
        deviceBefore: now - retention.deviceSightingsHours * 3_600_000,
        countsBefore: now - retention.countsDays * 86_400_000,
      };
      purged += await purgeSightings(ds, horizon);
      // Visit facts are device data; counter facts and rollups are counts.
      purged += await purgeAggregates(ds, horizon);
      // Webhook bodies carry (re-keyed) subject ids: finished ones go with the device data.
      purged += await purgeWebhookMessages(ds, { storeId: store.id, before: horizon.deviceBefore });
    }
    if (purged > 0) {
      this.deps.onPurged?.(purged);
      this.deps.logger.info({ purged }, 'retention purge deleted sightings');
    }
  }
}
