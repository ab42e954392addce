import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { pseudonym, type PseudonymKeyring } from '@aisle/ingest';
import {
  HubSecretEntity,
  OptOutEntity,
  audit,
  deleteSightingsOf,
  type SightingWriter,
} from '@aisle/persistence';
import { OptOutList, deriveStoreDeviceKey, type OptOutSubject } from '@aisle/policy';
import { isLocallyAdministered, isMulticast, normaliseMac, type Clock } from '@aisle/sdk';
import type { StoreDirectory } from '../../stores/store-directory.js';

/** Name of the opt-out key in `hub_secrets`. */
const OPT_OUT_KEY = 'opt-out-key';

export class InvalidOptOutError extends Error {
  override readonly name = 'InvalidOptOutError';
}

export interface OptOutResult {
  /** False when the device was already on the list. */
  added: boolean;
  /** Sightings of the current pseudonym period deleted across all stores. */
  deleted: number;
  /** The address is randomised (private): it will change, and the opt-out will not follow it. */
  randomized: boolean;
}

/**
 * The public opt-out: a device address or beacon id goes on the hub-wide list as an HMAC under a
 * long-term key (created on first start, kept in `hub_secrets`); the gate drops it from then on,
 * and what was stored for it in the current pseudonym period is deleted in every store.
 */
export class OptOutService {
  private constructor(
    readonly list: OptOutList,
    private readonly hubKey: Buffer,
    private readonly deps: {
      dataSource: DataSource;
      keyring: PseudonymKeyring;
      writer: SightingWriter;
      directory: StoreDirectory;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  static async open(deps: OptOutService['deps']): Promise<OptOutService> {
    const secrets = deps.dataSource.getRepository(HubSecretEntity);
    let secret = await secrets.findOneBy({ name: OPT_OUT_KEY });
    if (!secret) {
      await secrets
        .createQueryBuilder()
        .insert()
        .values({ name: OPT_OUT_KEY, value: randomBytes(32) })
        .orIgnore()
        .execute();
      secret = await secrets.findOneByOrFail({ name: OPT_OUT_KEY });
    }
    const hubKey = Buffer.from(secret.value);
    const list = new OptOutList(hubKey);
    for (const row of await deps.dataSource
      .getRepository(OptOutEntity)
      .find({ select: { hash: true } })) {
      list.add(row.hash);
    }
    return new OptOutService(list, hubKey, deps);
  }

  /** An empty device list under the store's derived key (for its fixed devices). */
  storeDeviceList(storeId: string): OptOutList {
    return new OptOutList(deriveStoreDeviceKey(this.hubKey, storeId));
  }

  async optOut(subject: OptOutSubject): Promise<OptOutResult> {
    const own = subject.kind === 'device' ? normaliseMac(subject.address) : null;
    if (own !== null && (isMulticast(own) || /^0+$/.test(own))) {
      // ff:ff:ff:ff:ff:ff and group addresses are destinations, not senders; zero is "none".
      throw new InvalidOptOutError(
        'address must be your device’s own address: broadcast, multicast and all-zero addresses belong to no device',
      );
    }
    const hash = this.list.digest(subject);
    if (hash === null) {
      throw new InvalidOptOutError(
        subject.kind === 'device'
          ? 'address must be a MAC address like aa:bb:cc:dd:ee:ff (as shown in your phone’s Wi-Fi or Bluetooth settings)'
          : 'beaconId must not be empty',
      );
    }
    const added = !this.list.has(hash);
    await this.deps.dataSource
      .getRepository(OptOutEntity)
      .createQueryBuilder()
      .insert()
      .values({ hash })
      .orIgnore()
      .execute();
    this.list.add(hash);
    const deleted = await this.deleteCurrentWindow(subject);
    this.deps.logger.info({ added, deleted }, 'opt-out recorded');
    await audit(this.deps.dataSource, {
      actor: 'public',
      action: 'optout.recorded',
      detail: { added, deleted },
    });
    const mac = subject.kind === 'device' ? normaliseMac(subject.address) : null;
    return { added, deleted, randomized: mac !== null && isLocallyAdministered(mac) };
  }

  /** Deletes the subject's sightings of each store's current pseudonym period. */
  private async deleteCurrentWindow(subject: OptOutSubject): Promise<number> {
    await this.deps.writer.flush();
    const now = this.deps.clock.now();
    let deleted = 0;
    for (const storeId of this.deps.directory.storeIds()) {
      const policy = this.deps.directory.tracking(storeId);
      const key = policy ? this.deps.keyring.keyFor(storeId, now, policy.rotationHours) : null;
      if (!key) continue;
      const subjects: string[] = [];
      if (subject.kind === 'device') {
        const mac = normaliseMac(subject.address);
        if (mac) subjects.push(pseudonym(key.key, 'wifi', mac), pseudonym(key.key, 'ble', mac));
      } else subjects.push(pseudonym(key.key, 'beacon', subject.id.trim().toLowerCase()));
      deleted += await deleteSightingsOf(this.deps.dataSource, { storeId, subjects });
    }
    return deleted;
  }
}
