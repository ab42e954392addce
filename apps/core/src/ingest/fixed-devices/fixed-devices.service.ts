import type { DataSource } from 'typeorm';
import { FixedDeviceEntity } from '@aisle/persistence';
import type { StoreDirectory } from '../../stores/store-directory.js';
import type { OptOutService } from '../opt-out/opt-out.service.js';

export interface FixedDeviceView {
  /** Keyed digest of the address: the device's id here; it cannot be turned back into the address. */
  id: string;
  label: string | null;
  createdAt: string;
}

export class InvalidFixedDeviceError extends Error {
  override readonly name = 'InvalidFixedDeviceError';
}

/**
 * A store's own devices (staff PCs, printers, access points), excluded at the gate so they are
 * never counted as shoppers. Addresses are digested on arrival and never stored or returned.
 */
export class FixedDevicesService {
  constructor(
    private readonly deps: {
      dataSource: DataSource;
      optOut: OptOutService;
      directory: StoreDirectory;
    },
  ) {}

  async list(storeId: string): Promise<FixedDeviceView[]> {
    const rows = await this.deps.dataSource
      .getRepository(FixedDeviceEntity)
      .find({ where: { storeId }, order: { createdAt: 'ASC' } });
    return rows.map(toView);
  }

  async add(
    storeId: string,
    input: { address: unknown; label: unknown; beaconId?: unknown },
  ): Promise<FixedDeviceView> {
    const list = this.deps.optOut.storeDeviceList(storeId);
    let hash: string | null;
    if (input.beaconId !== undefined) {
      // A store-owned beacon (staff badge): its beacon id, as the BLE driver writes it.
      const id = input.beaconId;
      if (typeof id !== 'string' || id.length > 256 || input.address !== undefined) {
        throw new InvalidFixedDeviceError(
          'beaconId must be a beacon id of at most 256 characters like ibeacon:<uuid>:<major>:<minor>, without address',
        );
      }
      hash = list.digest({ kind: 'beacon', id });
      if (hash === null) throw new InvalidFixedDeviceError('beaconId must not be empty');
    } else {
      const address = typeof input.address === 'string' ? input.address : '';
      hash = list.digest({ kind: 'device', address });
      if (hash === null) {
        throw new InvalidFixedDeviceError(
          'address must be a MAC address like aa:bb:cc:dd:ee:ff (or give beaconId for a beacon)',
        );
      }
    }
    if (
      input.label !== undefined &&
      (typeof input.label !== 'string' || input.label.length > 200)
    ) {
      throw new InvalidFixedDeviceError('label must be a text of at most 200 characters');
    }
    const repo = this.deps.dataSource.getRepository(FixedDeviceEntity);
    await repo
      .createQueryBuilder()
      .insert()
      .values({ storeId, hash, label: typeof input.label === 'string' ? input.label : null })
      .orIgnore()
      .execute();
    await this.deps.directory.changed({ storeId, what: 'policy' });
    return toView(await repo.findOneByOrFail({ storeId, hash }));
  }

  async remove(storeId: string, id: string): Promise<boolean> {
    const result = await this.deps.dataSource
      .getRepository(FixedDeviceEntity)
      .delete({ storeId, hash: id });
    await this.deps.directory.changed({ storeId, what: 'policy' });
    return (result.affected ?? 0) > 0;
  }
}

function toView(row: FixedDeviceEntity): FixedDeviceView {
  return { id: row.hash, label: row.label, createdAt: row.createdAt.toISOString() };
}
