import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { openTestDatabase, SightingWriter } from '@aisle/persistence';
import type { AisleEvent, Clock } from '@aisle/sdk';
import { createHub, REPO_ROOT, type Hub, EventBus } from '@aisle/core';
import { DataSource } from 'typeorm';

export interface TestHub {
  hub: Hub;
  /** Every log line the hub wrote (JSON lines, after redaction). */
  logs: string[];
  /** Every event published on the internal bus. */
  events: AisleEvent[];
  adminKey: string;
  /** Sightings of a store in the database, after flushing the writer. */
  storedRows(storeId: string): Promise<number>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** supertest against the running server, with the admin key. */
  get(path: string, key?: string): request.Test;
  post(path: string, body: object, key?: string): request.Test;
  patch(path: string, body: object, key?: string): request.Test;
  put(path: string, body: object, key?: string): request.Test;
  delete(path: string, key?: string): request.Test;
  stop(): Promise<void>;
}

export const FIXTURE_PLUGINS = join(REPO_ROOT, 'test', 'fixtures', 'plugins');

/**
 * Starts a whole hub for a test: a fresh database (schema on DATABASE_URL, PGlite otherwise), the
 * broker from MQTT_URL or an embedded one on a free port, plugins from source, logs captured.
 */
export async function startTestHub(
  options: {
    demo?: boolean;
    pluginDirs?: string[];
    /** Plugin folders as `npm start` finds them: `plugins/` plus AISLE_PLUGIN_DIRS from `env`. */
    pluginDirsFromEnv?: boolean;
    /** Load plugins from their built entry (default: from `src/index.ts`). */
    built?: boolean;
    env?: Record<string, string>;
    clock?: Clock;
    /** `AISLE_START_GRACE_SECONDS` (0: count visits from the hub's first instant). */
    startGraceSeconds?: number;
  } = {},
): Promise<TestHub> {
  const database = await openTestDatabase();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const env: NodeJS.ProcessEnv = {
    PORT: '0',
    MQTT_PORT: '0',
    AISLE_DEMO: options.demo ? 'true' : 'false',
    LOG_LEVEL: 'debug',
    ...(process.env['MQTT_URL'] ? { MQTT_URL: process.env['MQTT_URL'] } : {}),
    ...(options.startGraceSeconds === undefined
      ? {}
      : { AISLE_START_GRACE_SECONDS: String(options.startGraceSeconds) }),
    ...options.env,
  };
  let hub: Hub;
  try {
    hub = await createHub({
      env,
      dataSource: database.dataSource,
      logDestination: { write: (line: string) => destination.write(line) },
      ...(options.pluginDirsFromEnv
        ? {}
        : { pluginDirs: options.pluginDirs ?? [join(REPO_ROOT, 'plugins')] }),
      preferSource: !options.built,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const events: AisleEvent[] = [];
  const subscription = hub.get(EventBus).events.subscribe((e) => events.push(e));
  const adminKey = hub.generatedAdminKey ?? '';
  return {
    hub,
    logs,
    events,
    adminKey,
    storedRows: async (storeId) => {
      await hub.get(SightingWriter).flush();
      const rows = await hub
        .get(DataSource)
        .query<{ n: number }[]>('SELECT count(*)::int AS n FROM sightings WHERE store_id = $1', [
          storeId,
        ]);
      return rows[0]?.n ?? 0;
    },
    metrics: async () => (await request(hub.url).get('/metrics')).text,
    get: (path, key = adminKey) => request(hub.url).get(path).set('Authorization', `Bearer ${key}`),
    delete: (path, key = adminKey) =>
      request(hub.url).delete(path).set('Authorization', `Bearer ${key}`),
    patch: (path, body, key = adminKey) =>
      request(hub.url).patch(path).set('Authorization', `Bearer ${key}`).send(body),
    put: (path, body, key = adminKey) =>
      request(hub.url).put(path).set('Authorization', `Bearer ${key}`).send(body),
    post: (path, body, key = adminKey) =>
      request(hub.url).post(path).set('Authorization', `Bearer ${key}`).send(body),
    stop: async () => {
      subscription.unsubscribe();
      await hub.close();
      await database.close();
    },
  };
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with `what`). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads one Prometheus sample (sum over series whose labels include `labels`). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
