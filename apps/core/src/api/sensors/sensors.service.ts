import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SensorEntity, StoreEntity } from '@aisle/persistence';
import { SECRET_MASK, maskSecrets, restoreMaskedSecrets, type FieldError } from '@aisle/sdk';
import { StoreDirectory } from '../../stores/store-directory.js';
import { ConflictError, DomainValidationError, NotFoundError } from '../../http/domain-errors.js';
import { PLUGIN_CATALOG, type PluginCatalog } from '../../plugins/plugin-catalog.js';
import type { FloorPlan } from '../common/floor-plan.js';
import { sameJson } from '../common/same-json.js';
import { insertEntity, isUniqueViolation } from '../common/repository-helpers.js';
import type { SyncResult } from '../zones/zones.service.js';
import type { SensorView } from './dto/sensor.view.js';
import {
  DEFAULT_SENSOR_HEIGHT_M,
  sensorErrors,
  type SensorFields,
  type SensorInput,
} from './sensor.rules.js';

/**
 * Sensors of a store: validated against the floor plan and the loaded driver plugins (domain and
 * config), persisted, and announced to the `StoreDirectory` after each successful write so the
 * plugin host starts, restarts or stops the driver. Used by the REST API and the config file.
 *
 * Secrets in a sensor's config (fields the plugin marks `@Secret()`) are write-only: every view
 * shows them as `***`, and `***` sent back (PUT, PATCH) keeps the stored value.
 */
@Injectable()
export class SensorsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(PLUGIN_CATALOG) private readonly catalog: PluginCatalog,
  ) {}

  /** Errors of rules the DTO cannot check (floor plan, plugin domain, plugin config). */
  validate(
    sensor: Pick<SensorInput, 'domain' | 'x' | 'y' | 'config'>,
    floor: FloorPlan,
  ): FieldError[] {
    return sensorErrors(sensor, floor, this.catalog);
  }

  async list(storeId: string): Promise<SensorView[]> {
    await requireStore(this.dataSource.manager, storeId);
    const sensors = await this.dataSource
      .getRepository(SensorEntity)
      .find({ where: { storeId }, order: { id: 'ASC' } });
    return sensors.map((sensor) => this.view(sensor));
  }

  async get(storeId: string, sensorId: string): Promise<SensorView> {
    await requireStore(this.dataSource.manager, storeId);
    const sensor = await this.dataSource
      .getRepository(SensorEntity)
      .findOneBy({ storeId, id: sensorId });
    if (!sensor) throw notFound(storeId, sensorId);
    return this.view(sensor);
  }

  async create(storeId: string, input: SensorInput): Promise<SensorView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const store = await requireStore(manager, storeId);
      const { sensor, errors } = this.withStoredSecrets(normalise(storeId, input), undefined);
      this.assertValid(sensor, store, errors);
      const repo = manager.getRepository(SensorEntity);
      if (await repo.existsBy({ storeId, id: sensor.id })) throw duplicate(storeId, sensor.id);
      try {
        await insertEntity(repo, sensor);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate(storeId, sensor.id) : error;
      }
      return this.view(sensor);
    });
    await this.directory.changed({ storeId, what: 'sensors' });
    return view;
  }

  /** PUT: replaces the sensor's fields (absent optional ones take their defaults). */
  replace(storeId: string, sensorId: string, fields: SensorFields): Promise<SensorView> {
    return this.update(storeId, sensorId, () => fields);
  }

  /** PATCH: changes the given fields; `name: null` clears the name. */
  patch(storeId: string, sensorId: string, fields: Partial<SensorFields>): Promise<SensorView> {
    return this.update(storeId, sensorId, (current) => ({
      domain: fields.domain ?? current.domain,
      name: fields.name === undefined ? current.name : fields.name,
      x: fields.x ?? current.x,
      y: fields.y ?? current.y,
      z: fields.z ?? current.z,
      calibration: fields.calibration ?? current.calibration,
      config: fields.config ?? current.config,
      enabled: fields.enabled ?? current.enabled,
    }));
  }

  async remove(storeId: string, sensorId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await requireStore(manager, storeId);
      const result = await manager.getRepository(SensorEntity).delete({ storeId, id: sensorId });
      if (!result.affected) throw notFound(storeId, sensorId);
    });
    await this.directory.changed({ storeId, what: 'sensors' });
  }

  /**
   * Makes the store's sensors exactly `sensors` inside the caller's transaction (config file):
   * creates and updates those given, deletes the others; unchanged rows are not written. Emits
   * nothing (the caller emits after commit); validation is the caller's.
   */
  async sync(
    storeId: string,
    sensors: readonly SensorInput[],
    manager: EntityManager,
  ): Promise<SyncResult> {
    const repo = manager.getRepository(SensorEntity);
    const existing = new Map((await repo.findBy({ storeId })).map((s) => [s.id, s]));
    const result: SyncResult = { created: [], updated: [], deleted: [] };
    for (const input of sensors) {
      const sensor = normalise(storeId, input);
      const current = existing.get(sensor.id);
      existing.delete(sensor.id);
      if (!current) {
        await insertEntity(repo, sensor);
        result.created.push(sensor.id);
      } else if (!sameJson(storedView(current), storedView(sensor))) {
        await repo.save(sensor);
        result.updated.push(sensor.id);
      }
    }
    for (const id of existing.keys()) {
      await repo.delete({ storeId, id });
      result.deleted.push(id);
    }
    return result;
  }

  private async update(
    storeId: string,
    sensorId: string,
    next: (current: SensorEntity) => SensorFields,
  ): Promise<SensorView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const store = await requireStore(manager, storeId);
      const repo = manager.getRepository(SensorEntity);
      const current = await repo.findOneBy({ storeId, id: sensorId });
      if (!current) throw notFound(storeId, sensorId);
      const { sensor, errors } = this.withStoredSecrets(
        normalise(storeId, { ...next(current), id: sensorId }),
        current,
      );
      this.assertValid(sensor, store, errors);
      await repo.save(sensor);
      return this.view(sensor);
    });
    await this.directory.changed({ storeId, what: 'sensors' });
    return view;
  }

  private assertValid(sensor: SensorEntity, store: StoreEntity, found: FieldError[]): void {
    const errors = [...found, ...this.validate(sensor, store)];
    if (errors.length > 0) throw new DomainValidationError(errors);
  }

  /** What the API shows of a sensor: its config with every set secret masked. */
  private view(entity: SensorEntity): SensorView {
    const view = storedView(entity);
    // A plugin that is not loaded cannot say which fields are secret: hide every value.
    const secrets = this.catalog.secretConfigFields(entity.domain) ?? Object.keys(view.config);
    return { ...view, config: maskSecrets(view.config, secrets) };
  }

  /**
   * Puts the stored value back where a secret field holds the mask (`current` is the sensor as
   * stored, for PUT and PATCH). A mask with nothing of the same plugin to keep is an error and
   * leaves the field out.
   */
  private withStoredSecrets(
    sensor: SensorEntity,
    current: SensorEntity | undefined,
  ): { sensor: SensorEntity; errors: FieldError[] } {
    const secrets = this.catalog.secretConfigFields(sensor.domain) ?? [];
    const stored = current?.domain === sensor.domain ? current.config : undefined;
    const { config, missing } = restoreMaskedSecrets({
      incoming: sensor.config,
      stored,
      secrets,
    });
    for (const field of missing) delete config[field];
    sensor.config = config;
    const errors = missing.map((field) => ({
      field: `config.${field}`,
      value: SECRET_MASK,
      message: `${SECRET_MASK} keeps the stored secret, but this sensor has no ${field} of plugin ${sensor.domain} to keep: send the secret itself`,
    }));
    return { sensor, errors };
  }
}

async function requireStore(manager: EntityManager, storeId: string): Promise<StoreEntity> {
  const store = await manager.getRepository(StoreEntity).findOneBy({ id: storeId });
  if (!store) throw new NotFoundError('store', storeId);
  return store;
}

/** Plain values with defaults applied (DTO instances become plain objects). */
function normalise(storeId: string, input: SensorInput): SensorEntity {
  const calibration = input.calibration ?? {};
  return Object.assign(new SensorEntity(), {
    storeId,
    id: input.id,
    domain: input.domain,
    name: input.name ?? null,
    x: input.x,
    y: input.y,
    z: input.z ?? DEFAULT_SENSOR_HEIGHT_M,
    calibration: {
      ...(calibration.measuredPower === undefined
        ? {}
        : { measuredPower: calibration.measuredPower }),
      ...(calibration.pathLossExponent === undefined
        ? {}
        : { pathLossExponent: calibration.pathLossExponent }),
      ...(calibration.offset === undefined ? {} : { offset: calibration.offset }),
    },
    config: { ...(input.config ?? {}) },
    enabled: input.enabled ?? true,
  });
}

function notFound(storeId: string, sensorId: string): NotFoundError {
  return new NotFoundError('sensor', sensorId, `in store ${JSON.stringify(storeId)}`);
}

function duplicate(storeId: string, sensorId: string): ConflictError {
  return new ConflictError(
    `sensor ${JSON.stringify(sensorId)} already exists in store ${JSON.stringify(storeId)}`,
    'id',
  );
}

/** The sensor as stored, secrets included: never an API response as it is (see `view`). */
function storedView(entity: SensorEntity): SensorView {
  return {
    storeId: entity.storeId,
    id: entity.id,
    domain: entity.domain,
    name: entity.name,
    x: entity.x,
    y: entity.y,
    z: entity.z,
    calibration: { ...entity.calibration },
    config: { ...entity.config },
    enabled: entity.enabled,
  };
}
