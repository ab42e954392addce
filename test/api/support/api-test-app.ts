import { Global, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { openTestDatabase, type TestDatabase } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import { ApiModule } from '../../../apps/core/src/api/api.module.js';
import { AuthModule } from '../../../apps/core/src/auth/auth.module.js';
import { ApiKeyService } from '../../../apps/core/src/auth/api-key.service.js';
import { DataSource } from 'typeorm';
import {
  StoreDirectory,
  type StoreConfigChange,
} from '../../../apps/core/src/stores/store-directory.js';
import { configureHttp } from '../../../apps/core/src/http/configure-http.js';
import {
  PLUGIN_CATALOG,
  type PluginCatalog,
} from '../../../apps/core/src/plugins/plugin-catalog.js';

/**
 * Drivers the fake catalog knows. `wifi-sniffer` requires `config.interface` (a string), like a
 * real plugin's config schema would, and its `config.secret` is write-only (`@Secret()`).
 */
export class FakePluginCatalog implements PluginCatalog {
  constructor(readonly domains: string[] = ['aisle-mqtt', 'wifi-sniffer']) {}

  hasDriver(domain: string): boolean {
    return this.domains.includes(domain);
  }

  driverDomains(): string[] {
    return [...this.domains];
  }

  validateSensorConfig(domain: string, config: unknown): FieldError[] {
    if (domain !== 'wifi-sniffer') return [];
    const value = (config as Record<string, unknown> | null)?.['interface'];
    return typeof value === 'string'
      ? []
      : [{ field: 'config.interface', value, message: 'must be a network interface name' }];
  }

  sensorKindsOf(domain: string): readonly string[] {
    return domain === 'wifi-sniffer' ? ['wifi'] : [];
  }

  secretConfigFields(domain: string): readonly string[] | undefined {
    if (!this.hasDriver(domain)) return undefined;
    return domain === 'wifi-sniffer' ? ['secret'] : [];
  }
}

export interface ApiTestApp {
  app: INestApplication;
  database: TestDatabase;
  catalog: FakePluginCatalog;
  keys: ApiKeyService;
  /** Every change announced to the store directory. */
  changes: StoreConfigChange[];
  adminKey: string;
  /** supertest with `Authorization: Bearer <key>` (admin by default; `null` sends none). */
  http(key?: string | null): {
    get(path: string): request.Test;
    post(path: string, body?: object): request.Test;
    put(path: string, body?: object): request.Test;
    patch(path: string, body?: object): request.Test;
    delete(path: string): request.Test;
  };
  close(): Promise<void>;
}

/**
 * The API (AuthModule + ApiModule) in a Nest app configured like the hub's (configureHttp), over a
 * fresh migrated database (schema on DATABASE_URL, PGlite otherwise), with a fake plugin catalog.
 */
export async function startApiTestApp(): Promise<ApiTestApp> {
  const database = await openTestDatabase();
  const catalog = new FakePluginCatalog();
  const changes: StoreConfigChange[] = [];
  // Records what the writers announce; the API under test needs no running pipeline.
  const directory: Pick<StoreDirectory, 'changed'> = {
    changed: (change) => {
      if (change) changes.push(change);
      return Promise.resolve();
    },
  };

  @Global()
  @Module({
    providers: [
      { provide: PLUGIN_CATALOG, useValue: catalog },
      { provide: StoreDirectory, useValue: directory },
      { provide: DataSource, useValue: database.dataSource },
    ],
    exports: [PLUGIN_CATALOG, StoreDirectory, DataSource],
  })
  class FakeHubModule {}

  let app: INestApplication;
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [FakeHubModule, AuthModule, ApiModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    configureHttp(app);
    await app.init();
  } catch (error) {
    await database.close();
    throw error;
  }
  const keys = app.get(ApiKeyService);
  const bootstrap = await keys.ensureBootstrapAdmin();
  const adminKey = bootstrap.key ?? '';
  const server = app.getHttpServer() as Parameters<typeof request>[0];
  const withKey = (test: request.Test, key: string | null): request.Test =>
    key === null ? test : test.set('Authorization', `Bearer ${key}`);
  return {
    app,
    database,
    catalog,
    keys,
    changes,
    adminKey,
    http: (key = adminKey) => ({
      get: (path) => withKey(request(server).get(path), key),
      post: (path, body) => withKey(request(server).post(path), key).send(body),
      put: (path, body) => withKey(request(server).put(path), key).send(body),
      patch: (path, body) => withKey(request(server).patch(path), key).send(body),
      delete: (path) => withKey(request(server).delete(path), key),
    }),
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** A 30 m × 20 m store body. */
export function storeBody(id: string, extra: object = {}): object {
  return { id, name: `Store ${id}`, timezone: 'Europe/Berlin', width: 30, height: 20, ...extra };
}

export const SQUARE = [
  { x: 1, y: 1 },
  { x: 5, y: 1 },
  { x: 5, y: 5 },
  { x: 1, y: 5 },
];
