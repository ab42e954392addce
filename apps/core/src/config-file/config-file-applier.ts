import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FieldError } from '@aisle/sdk';
import {
  STORE_POLICY_VALIDATOR,
  type StorePolicyValidator,
} from '../api/common/store-policy-validator.js';
import type { SensorInput } from '../api/sensors/sensor.rules.js';
import { SensorsService } from '../api/sensors/sensors.service.js';
import type { StoreInput } from '../api/stores/store.rules.js';
import { StoresService } from '../api/stores/stores.service.js';
import type { ZoneInput } from '../api/zones/zone.rules.js';
import { ZonesService, type SyncResult } from '../api/zones/zones.service.js';
import { StoreDirectory, type StoreConfigChange } from '../stores/store-directory.js';
import { PLUGIN_CATALOG, type PluginCatalog } from '../plugins/plugin-catalog.js';
import { ConfigFileError } from './config-file.errors.js';
import { validateConfigFile } from './config-file.validation.js';

/** A store with all its zones and sensors (the demo layout of `@aisle/hardware` fits this). */
export interface StoreSpec {
  store: StoreInput;
  zones: readonly ZoneInput[];
  sensors: readonly SensorInput[];
}

export interface StoreApplyResult {
  storeId: string;
  created: boolean;
  /** The store row changed (or was created). */
  storeChanged: boolean;
  policyChanged: boolean;
  zones: SyncResult;
  sensors: SyncResult;
}

/**
 * Applies config as code (`aisle.yaml`): validates the whole file (every error, with paths), then
 * in ONE transaction upserts each listed store and makes its zones and sensors exactly the listed
 * ones (unlisted ones of that store are deleted; stores not in the file are not touched). Rows
 * that already match are not written, so applying the same file twice changes nothing. After the
 * commit, one `StoreDirectory.changed` call per changed part of each store.
 */
@Injectable()
export class ConfigFileApplier {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StoresService) private readonly stores: StoresService,
    @Inject(ZonesService) private readonly zones: ZonesService,
    @Inject(SensorsService) private readonly sensors: SensorsService,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(PLUGIN_CATALOG) private readonly catalog: PluginCatalog,
    @Optional()
    @Inject(STORE_POLICY_VALIDATOR)
    private readonly validatePolicy?: StorePolicyValidator,
  ) {}

  /** Every error of the file, including plugin domains/configs and the policy. */
  validate(config: unknown): FieldError[] {
    return validateConfigFile(config, this.ruleDeps()).errors;
  }

  /**
   * Validates then applies (see the class). `config` is an `AisleConfigFile` from
   * `loadConfigFile`, or plain parsed YAML/JSON. Throws `ConfigFileError` listing every problem.
   */
  async apply(config: unknown, source = 'config file'): Promise<StoreApplyResult[]> {
    const { value, errors } = validateConfigFile(config, this.ruleDeps());
    if (errors.length > 0) throw new ConfigFileError(source, errors);
    const results = await this.dataSource.transaction(async (manager) => {
      const out: StoreApplyResult[] = [];
      for (const entry of value.stores) {
        const { zones, sensors, ...store } = entry;
        const upserted = await this.stores.upsert(store, manager);
        out.push({
          storeId: store.id,
          created: upserted.created,
          storeChanged: upserted.changed,
          policyChanged: upserted.policyChanged,
          zones: await this.zones.sync(store.id, zones, manager),
          sensors: await this.sensors.sync(store.id, sensors, manager),
        });
      }
      return out;
    });
    for (const result of results) {
      for (const change of changesOf(result)) await this.directory.changed(change);
    }
    return results;
  }

  /**
   * Applies one store with all its zones and sensors (e.g. the demo layout): same rules and
   * semantics as one entry of the file. Fields the API does not know are ignored.
   */
  async applyStore(spec: StoreSpec): Promise<StoreApplyResult> {
    const { store } = spec;
    const entry = {
      id: store.id,
      name: store.name,
      timezone: store.timezone,
      width: store.width,
      height: store.height,
      ...(store.policy === undefined ? {} : { policy: store.policy }),
      zones: spec.zones.map((z) => ({
        id: z.id,
        name: z.name,
        polygon: z.polygon.map(({ x, y }) => ({ x, y })),
        ...(z.tags === undefined ? {} : { tags: z.tags }),
      })),
      sensors: spec.sensors.map((s) => ({
        id: s.id,
        domain: s.domain,
        ...(s.name === undefined ? {} : { name: s.name }),
        x: s.x,
        y: s.y,
        ...(s.z === undefined ? {} : { z: s.z }),
        ...(s.calibration === undefined ? {} : { calibration: s.calibration }),
        ...(s.config === undefined ? {} : { config: s.config }),
        ...(s.enabled === undefined ? {} : { enabled: s.enabled }),
      })),
    };
    const [result] = await this.apply({ stores: [entry] }, `store ${JSON.stringify(store.id)}`);
    if (!result) throw new Error(`applying store ${store.id} returned no result`);
    return result;
  }

  private ruleDeps() {
    return {
      catalog: this.catalog,
      ...(this.validatePolicy ? { validatePolicy: this.validatePolicy } : {}),
    };
  }
}

function changed(sync: SyncResult): boolean {
  return sync.created.length + sync.updated.length + sync.deleted.length > 0;
}

/** The changes to announce for one applied store; none when nothing changed. */
export function changesOf(result: StoreApplyResult): StoreConfigChange[] {
  const storeId = result.storeId;
  const changes: StoreConfigChange[] = [];
  if (result.storeChanged) changes.push({ storeId, what: 'store' });
  if (result.policyChanged) changes.push({ storeId, what: 'policy' });
  if (changed(result.zones)) changes.push({ storeId, what: 'zones' });
  if (changed(result.sensors)) changes.push({ storeId, what: 'sensors' });
  return changes;
}
