import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import {
  StorePolicyVersionEntity,
  recordPolicyVersion,
  SensorEntity,
  StoreEntity,
  ZoneEntity,
} from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import { StoreDirectory } from '../../stores/store-directory.js';
import { ConflictError, DomainValidationError, NotFoundError } from '../../http/domain-errors.js';
import { mergePatch } from '../common/merge-patch.js';
import { sameJson } from '../common/same-json.js';
import {
  STORE_POLICY_VALIDATOR,
  type StorePolicyValidator,
} from '../common/store-policy-validator.js';
import { canonicalTimeZone } from '../common/timezone.js';
import { insertEntity, isUniqueViolation } from '../common/repository-helpers.js';
import type { StoreView } from './dto/store.view.js';
import { floorFitErrors, storeErrors, type StoreFields, type StoreInput } from './store.rules.js';

export interface StoreUpsertResult {
  store: StoreView;
  created: boolean;
  /** Any stored field changed (false: the row already matched). */
  changed: boolean;
  policyChanged: boolean;
}

/**
 * Stores: validation beyond the DTO, persistence, and a `StoreDirectory.changed` call after every
 * successful write. Used by the REST API and the config-file applier.
 */
/** One version of a store's policy document. */
export interface PolicyVersionView {
  version: number;
  document: Record<string, unknown>;
  /** `key:<api key id>`, `config-file`, … */
  changedBy: string;
  changedAt: string;
}

@Injectable()
export class StoresService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Optional()
    @Inject(STORE_POLICY_VALIDATOR)
    private readonly validatePolicy?: StorePolicyValidator,
  ) {}

  /** Every store, or only those in `ids` (a scoped key's stores), by id. */
  async list(filter: { ids?: readonly string[] } = {}): Promise<StoreView[]> {
    const repo = this.dataSource.getRepository(StoreEntity);
    const stores = await repo.find({
      ...(filter.ids ? { where: { id: In([...filter.ids]) } } : {}),
      order: { id: 'ASC' },
    });
    return stores.map(toStoreView);
  }

  async get(id: string): Promise<StoreView> {
    const store = await this.dataSource.getRepository(StoreEntity).findOneBy({ id });
    if (!store) throw new NotFoundError('store', id);
    return toStoreView(store);
  }

  /** The store's policy history, newest first. */
  async policyVersions(storeId: string): Promise<PolicyVersionView[]> {
    await this.get(storeId);
    const rows = await this.dataSource
      .getRepository(StorePolicyVersionEntity)
      .find({ where: { storeId }, order: { version: 'DESC' } });
    return rows.map((r) => ({
      version: r.version,
      document: r.document,
      changedBy: r.changedBy,
      changedAt: r.changedAt.toISOString(),
    }));
  }

  /** Errors of rules the DTO cannot check (the policy document, against the store's zones). */
  validate(
    store: Pick<StoreInput, 'policy'>,
    zones: readonly { id: string; tags: readonly string[] }[] = [],
  ): FieldError[] {
    return storeErrors(store, this.validatePolicy, { zones });
  }

  /** Creates a store; `actor` is recorded with the first policy version (`key:<id>`, …). */
  async create(input: StoreInput, actor = 'api'): Promise<StoreView> {
    const store = normalise(input);
    this.assertValid(store);
    const view = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(StoreEntity);
      if (await repo.existsBy({ id: store.id })) throw duplicate(store.id);
      try {
        await insertEntity(repo, newStore(store));
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(store.id) : error;
      }
      await recordPolicyVersion(manager, {
        storeId: store.id,
        document: store.policy ?? {},
        changedBy: actor,
      });
      return toStoreView(await repo.findOneByOrFail({ id: store.id }));
    });
    await this.directory.changed({ storeId: view.id, what: 'store' });
    return view;
  }

  /** PUT: replaces every field; a missing policy becomes `{}`. The store must exist. */
  replace(id: string, fields: StoreFields, actor = 'api'): Promise<StoreView> {
    return this.update(id, () => ({ ...fields, policy: fields.policy ?? {} }), actor);
  }

  /**
   * PATCH: changes the given fields only; `policy` is merged into the stored one as a JSON Merge
   * Patch (RFC 7396: named members change, `null` removes one, nested objects merge, arrays are
   * replaced), and the merged policy is validated as a whole.
   */
  patch(id: string, fields: Partial<StoreFields>, actor = 'api'): Promise<StoreView> {
    return this.update(
      id,
      (current) => ({
        name: fields.name ?? current.name,
        timezone: fields.timezone ?? current.timezone,
        width: fields.width ?? current.width,
        height: fields.height ?? current.height,
        policy:
          fields.policy === undefined
            ? current.policy
            : (mergePatch(current.policy, fields.policy) as StoreFields['policy']),
      }),
      actor,
    );
  }

  /** Deletes the store with its zones and sensors (sightings and rollups stay). */
  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await manager.getRepository(StoreEntity).existsBy({ id }))) {
        throw new NotFoundError('store', id);
      }
      await manager.getRepository(SensorEntity).delete({ storeId: id });
      await manager.getRepository(ZoneEntity).delete({ storeId: id });
      await manager.getRepository(StoreEntity).delete({ id });
    });
    await this.directory.changed({ storeId: id, what: 'deleted' });
  }

  /**
   * Creates or updates a store inside the caller's transaction, for the config file. A missing
   * `policy` keeps the stored one (`{}` for a new store). Emits nothing: the caller emits after
   * its transaction commits. Validation is the caller's (it reports every error of the file).
   */
  async upsert(
    input: StoreInput,
    manager: EntityManager,
    actor = 'config-file',
  ): Promise<StoreUpsertResult> {
    const store = normalise(input);
    const repo = manager.getRepository(StoreEntity);
    const existing = await repo.findOneBy({ id: store.id });
    if (!existing) {
      await insertEntity(repo, newStore(store));
      await recordPolicyVersion(manager, {
        storeId: store.id,
        document: store.policy ?? {},
        changedBy: actor,
      });
      const created = toStoreView(await repo.findOneByOrFail({ id: store.id }));
      return { store: created, created: true, changed: true, policyChanged: true };
    }
    const next = { ...store, policy: store.policy ?? existing.policy };
    const policyChanged = !sameJson(existing.policy, next.policy);
    const changed =
      policyChanged ||
      existing.name !== next.name ||
      existing.timezone !== next.timezone ||
      existing.width !== next.width ||
      existing.height !== next.height;
    if (!changed) return { store: toStoreView(existing), created: false, changed, policyChanged };
    const saved = await repo.save(repo.merge(existing, next));
    if (policyChanged) {
      await recordPolicyVersion(manager, {
        storeId: store.id,
        document: next.policy,
        changedBy: actor,
      });
    }
    return { store: toStoreView(saved), created: false, changed, policyChanged };
  }

  private async update(
    id: string,
    next: (current: StoreEntity) => StoreFields,
    actor: string,
  ): Promise<StoreView> {
    const result = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(StoreEntity);
      const current = await repo.findOneBy({ id });
      if (!current) throw new NotFoundError('store', id);
      const fields = normalise({ id, ...next(current) });
      const zones = await manager.getRepository(ZoneEntity).findBy({ storeId: id });
      const errors = this.validate(fields, zones);
      if (fields.width < current.width || fields.height < current.height) {
        const sensors = await manager.getRepository(SensorEntity).findBy({ storeId: id });
        errors.push(...floorFitErrors(fields, zones, sensors));
      }
      if (errors.length > 0) throw new DomainValidationError(errors);
      const policyChanged = !sameJson(current.policy, fields.policy);
      const saved = await repo.save(repo.merge(current, fields));
      if (policyChanged) {
        await recordPolicyVersion(manager, {
          storeId: id,
          document: fields.policy ?? {},
          changedBy: actor,
        });
      }
      return { view: toStoreView(saved), policyChanged };
    });
    await this.directory.changed({ storeId: id, what: 'store' });
    if (result.policyChanged) await this.directory.changed({ storeId: id, what: 'policy' });
    return result.view;
  }

  private assertValid(store: StoreInput): void {
    const errors = this.validate(store);
    if (errors.length > 0) throw new DomainValidationError(errors);
  }
}

/** Canonical time-zone spelling (`europe/berlin` → `Europe/Berlin`); only known fields kept. */
function normalise<T extends StoreInput>(input: T): StoreInput {
  return {
    id: input.id,
    name: input.name,
    timezone: canonicalTimeZone(input.timezone) ?? input.timezone,
    width: input.width,
    height: input.height,
    ...(input.policy === undefined ? {} : { policy: { ...input.policy } }),
  };
}

function newStore(store: StoreInput): StoreEntity {
  return Object.assign(new StoreEntity(), { ...store, policy: store.policy ?? {} });
}

function duplicate(id: string): ConflictError {
  return new ConflictError(`store ${JSON.stringify(id)} already exists`, 'id');
}

export function toStoreView(entity: StoreEntity): StoreView {
  return {
    id: entity.id,
    name: entity.name,
    timezone: entity.timezone,
    width: entity.width,
    height: entity.height,
    policy: entity.policy,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
