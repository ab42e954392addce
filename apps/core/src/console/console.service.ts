import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { ApiKeyEntity, StoreEntity, StoreFloorPlanEntity } from '@aisle/persistence';
import type { Principal } from '../auth/principal.js';
import { NotFoundError } from '../http/domain-errors.js';
import type { CheckedFloorPlan } from './floor-plan-image.js';

export interface SessionStore {
  id: string;
  name: string;
}

/** The console's reads and writes: the key's session, the store's floor-plan image. */
@Injectable()
export class ConsoleService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async session(principal: Principal): Promise<{ name: string; stores: SessionStore[] }> {
    const key = await this.dataSource
      .getRepository(ApiKeyEntity)
      .findOneBy({ id: principal.keyId });
    const stores = await this.dataSource.getRepository(StoreEntity).find({
      ...(principal.role === 'admin' ? {} : { where: { id: In(principal.storeIds) } }),
      order: { id: 'ASC' },
    });
    return { name: key?.name ?? '', stores: stores.map((s) => ({ id: s.id, name: s.name })) };
  }

  /** Throws NotFoundError when the store does not exist. */
  async requireStore(storeId: string): Promise<void> {
    const exists = await this.dataSource.getRepository(StoreEntity).existsBy({ id: storeId });
    if (!exists) throw new NotFoundError('store', storeId);
  }

  async floorPlan(storeId: string): Promise<StoreFloorPlanEntity> {
    await this.requireStore(storeId);
    const plan = await this.dataSource.getRepository(StoreFloorPlanEntity).findOneBy({ storeId });
    if (!plan) {
      throw new NotFoundError('floor plan', storeId, `of store ${JSON.stringify(storeId)}`);
    }
    return plan;
  }

  async saveFloorPlan(
    storeId: string,
    plan: CheckedFloorPlan,
    updatedBy: string,
  ): Promise<StoreFloorPlanEntity> {
    await this.requireStore(storeId);
    const repo = this.dataSource.getRepository(StoreFloorPlanEntity);
    await repo.save({ storeId, ...plan, updatedBy });
    return repo.findOneByOrFail({ storeId });
  }

  async removeFloorPlan(storeId: string): Promise<void> {
    await this.requireStore(storeId);
    await this.dataSource.getRepository(StoreFloorPlanEntity).delete({ storeId });
  }
}
