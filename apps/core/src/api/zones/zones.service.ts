import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { StoreEntity, ZoneEntity } from '@aisle/persistence';
import { StoreDirectory } from '../../stores/store-directory.js';
import { ConflictError, DomainValidationError, NotFoundError } from '../../http/domain-errors.js';
import { sameJson } from '../common/same-json.js';
import {
  STORE_POLICY_VALIDATOR,
  type StorePolicyValidator,
} from '../common/store-policy-validator.js';
import { insertEntity, isUniqueViolation } from '../common/repository-helpers.js';
import type { ZoneView } from './dto/zone.view.js';
import { zoneErrors, type ZoneFields, type ZoneInput } from './zone.rules.js';

/** What a sync changed, by zone id. */
export interface SyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

/**
 * Zones of a store: validated against the store's floor plan, persisted, and announced on
 * the `StoreDirectory` after each successful write. Used by the REST API and the config file.
 */
@Injectable()
export class ZonesService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Optional()
    @Inject(STORE_POLICY_VALIDATOR)
    private readonly validatePolicy?: StorePolicyValidator,
  ) {}

  async list(storeId: string): Promise<ZoneView[]> {
    await this.requireStore(this.dataSource.manager, storeId);
    const zones = await this.dataSource
      .getRepository(ZoneEntity)
      .find({ where: { storeId }, order: { id: 'ASC' } });
    return zones.map(toZoneView);
  }

  async get(storeId: string, zoneId: string): Promise<ZoneView> {
    await this.requireStore(this.dataSource.manager, storeId);
    const zone = await this.dataSource.getRepository(ZoneEntity).findOneBy({ storeId, id: zoneId });
    if (!zone) throw notFound(storeId, zoneId);
    return toZoneView(zone);
  }

  async create(storeId: string, input: ZoneInput): Promise<ZoneView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const store = await this.requireStore(manager, storeId);
      const zone = normalise(storeId, input);
      assertValid(zone, store);
      const repo = manager.getRepository(ZoneEntity);
      if (await repo.existsBy({ storeId, id: zone.id })) throw duplicate(storeId, zone.id);
      await this.assertPolicyAllows(manager, store, { put: zone });
      try {
        await insertEntity(repo, zone);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(storeId, zone.id) : error;
      }
      return toZoneView(zone);
    });
    await this.directory.changed({ storeId, what: 'zones' });
    return view;
  }

  /** PUT: replaces the zone's fields; the zone must exist. */
  async replace(storeId: string, zoneId: string, fields: ZoneFields): Promise<ZoneView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const store = await this.requireStore(manager, storeId);
      const repo = manager.getRepository(ZoneEntity);
      if (!(await repo.existsBy({ storeId, id: zoneId }))) throw notFound(storeId, zoneId);
      const zone = normalise(storeId, { ...fields, id: zoneId });
      assertValid(zone, store);
      await this.assertPolicyAllows(manager, store, { put: zone });
      await repo.save(zone);
      return toZoneView(zone);
    });
    await this.directory.changed({ storeId, what: 'zones' });
    return view;
  }

  async remove(storeId: string, zoneId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const store = await this.requireStore(manager, storeId);
      await this.assertPolicyAllows(manager, store, { remove: zoneId });
      const result = await manager.getRepository(ZoneEntity).delete({ storeId, id: zoneId });
      if (!result.affected) throw notFound(storeId, zoneId);
    });
    await this.directory.changed({ storeId, what: 'zones' });
  }

  /**
   * Makes the store's zones exactly `zones` inside the caller's transaction (config file): creates
   * and updates those given, deletes the others. Unchanged zones are not written. Emits nothing
   * (the caller emits after commit); validation is the caller's.
   */
  async sync(
    storeId: string,
    zones: readonly ZoneInput[],
    manager: EntityManager,
  ): Promise<SyncResult> {
    const repo = manager.getRepository(ZoneEntity);
    const existing = new Map((await repo.findBy({ storeId })).map((z) => [z.id, z]));
    const result: SyncResult = { created: [], updated: [], deleted: [] };
    for (const input of zones) {
      const zone = normalise(storeId, input);
      const current = existing.get(zone.id);
      existing.delete(zone.id);
      if (!current) {
        await insertEntity(repo, zone);
        result.created.push(zone.id);
      } else if (!sameJson(toZoneView(current), toZoneView(zone))) {
        await repo.save(zone);
        result.updated.push(zone.id);
      }
    }
    for (const id of existing.keys()) {
      await repo.delete({ storeId, id });
      result.deleted.push(id);
    }
    return result;
  }

  /**
   * The store's policy must stay valid with the zones after this change: a zone that a coupon rule
   * names cannot become sensitive or disappear (remove the rule first).
   */
  private async assertPolicyAllows(
    manager: EntityManager,
    store: StoreEntity,
    change: { put: ZoneEntity } | { remove: string },
  ): Promise<void> {
    if (!this.validatePolicy) return;
    const current = (await manager.getRepository(ZoneEntity).findBy({ storeId: store.id })).map(
      (z) => ({ id: z.id, tags: z.tags }),
    );
    const changedId = 'put' in change ? change.put.id : change.remove;
    const zones = current.filter((z) => z.id !== changedId);
    if ('put' in change) zones.push({ id: change.put.id, tags: change.put.tags });
    // Only what this change breaks: a policy already invalid for other reasons is not its fault.
    const before = new Set(
      this.validatePolicy(store.policy ?? {}, { zones: current }).map((e) => e.field),
    );
    const broken = this.validatePolicy(store.policy ?? {}, { zones }).filter(
      (e) => !before.has(e.field),
    );
    if (broken.length === 0) return;
    throw new DomainValidationError(
      broken.map((e) => ({
        field: 'put' in change ? 'tags' : 'zoneId',
        value: 'put' in change ? change.put.tags : change.remove,
        message: `the store policy's ${e.field} ${e.message}: change the coupon rule first`,
      })),
    );
  }

  private async requireStore(manager: EntityManager, storeId: string): Promise<StoreEntity> {
    const store = await manager.getRepository(StoreEntity).findOneBy({ id: storeId });
    if (!store) throw new NotFoundError('store', storeId);
    return store;
  }
}

function assertValid(zone: ZoneEntity, store: StoreEntity): void {
  const errors = zoneErrors(zone, store);
  if (errors.length > 0) throw new DomainValidationError(errors);
}

/** Plain values only (DTO instances → plain points), tags default `[]`. */
function normalise(storeId: string, input: ZoneInput): ZoneEntity {
  return Object.assign(new ZoneEntity(), {
    storeId,
    id: input.id,
    name: input.name,
    polygon: input.polygon.map(({ x, y }) => ({ x, y })),
    tags: [...(input.tags ?? [])],
  });
}

function notFound(storeId: string, zoneId: string): NotFoundError {
  return new NotFoundError('zone', zoneId, `in store ${JSON.stringify(storeId)}`);
}

function duplicate(storeId: string, zoneId: string): ConflictError {
  return new ConflictError(
    `zone ${JSON.stringify(zoneId)} already exists in store ${JSON.stringify(storeId)}`,
    'id',
  );
}

export function toZoneView(entity: ZoneEntity): ZoneView {
  return {
    storeId: entity.storeId,
    id: entity.id,
    name: entity.name,
    polygon: entity.polygon.map(({ x, y }) => ({ x, y })),
    tags: [...entity.tags],
  };
}
