import type { DataSource } from 'typeorm';
import { FixedDeviceEntity } from './entities/fixed-device.entity.js';
import { SensorEntity } from './entities/sensor.entity.js';
import { StoreEntity } from './entities/store.entity.js';
import { ZoneEntity } from './entities/zone.entity.js';

/** Every store's configuration rows, read together. */
export interface StoreConfigRows {
  stores: StoreEntity[];
  zones: ZoneEntity[];
  sensors: SensorEntity[];
  fixedDevices: FixedDeviceEntity[];
}

/** Reads store configuration for the store directory (the only reader of these tables). */
export class StoreConfigRepository {
  constructor(private readonly dataSource: DataSource) {}

  async load(): Promise<StoreConfigRows> {
    const stores = await this.dataSource.getRepository(StoreEntity).find();
    const zones = await this.dataSource.getRepository(ZoneEntity).find();
    const sensors = await this.dataSource.getRepository(SensorEntity).find();
    const fixedDevices = await this.dataSource.getRepository(FixedDeviceEntity).find();
    return { stores, zones, sensors, fixedDevices };
  }
}
