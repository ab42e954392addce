import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';

/**
 * Runs the built core (`apps/core/dist/main.js`, as `npm start` does) in child processes, for the
 * chain tests and the cluster benchmark: each process is a real separate hub with its own role.
 */
export interface CoreProcess {
  name: string;
  child: ChildProcess;
  /** Every line it wrote (stdout and stderr). */
  lines: string[];
  /** Base URL of its HTTP API (api role only). */
  url: string;
  /** Resolves when a line matching `pattern` has been written (already or later). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startCoreProcess(options: {
  repoRoot: string;
  name: string;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<CoreProcess> {
  const child = spawn(process.execPath, [join(options.repoRoot, 'apps/core/dist/main.js')], {
    cwd: options.repoRoot,
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = once(child, 'exit');
  const waitForLine = (pattern: RegExp, timeoutMs = 60_000): Promise<string> => {
    const found = lines.find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${options.name}: no line matching ${String(pattern)} in time; last lines:\n` +
              lines.slice(-15).join('\n'),
          ),
        );
      }, timeoutMs);
      waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited; last lines:\n${lines.slice(-15).join('\n')}`));
      });
    });
  };
  await waitForLine(/Aisle is running/, options.timeoutMs ?? 90_000);
  const api = lines.find((l) => /^\s+API\s+http/.test(l));
  return {
    name: options.name,
    child,
    lines,
    url: api
      ? api
          .trim()
          .split(/\s+/)[1]!
          .replace(/\/api$/, '')
      : '',
    waitForLine,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** fetch, again on a reset connection (a kept-alive socket the server closed meanwhile). */
export async function fetchRetrying(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A camera counter's report and a radio reading per device, Aisle's native MQTT format. */
export interface StoreFeed {
  storeId: string;
  radioSensors: string[];
  cameraSensor: string;
}

/**
 * Publishes one second of a store's input at `at`: every device seen by every radio sensor and
 * one camera report with `entries` crossings (its interval is the second before `at`).
 */
export async function publishSecond(
  client: MqttClient,
  feed: StoreFeed,
  macs: readonly string[],
  at: number,
  entries: number,
): Promise<void> {
  const sends: Promise<unknown>[] = [];
  feed.radioSensors.forEach((sensor, i) => {
    const observations = macs.map((mac, j) => ({
      kind: 'wifi',
      mac,
      rssi: -50 - ((i * 7 + j * 3) % 25),
      at,
    }));
    sends.push(
      client.publishAsync(
        `aisle/${feed.storeId}/${sensor}/observations`,
        JSON.stringify({ v: 1, observations }),
        { qos: 1 },
      ),
    );
  });
  sends.push(
    client.publishAsync(
      `aisle/${feed.storeId}/${feed.cameraSensor}/observations`,
      JSON.stringify({
        v: 1,
        observations: [
          { kind: 'camera', lineId: 'entrance', entries, exits: 0, intervalStart: at - 1000, at },
        ],
      }),
      { qos: 1 },
    ),
  );
  await Promise.all(sends);
}

export async function connectMqtt(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, clean: true });
}

/** Sets up stores with two radio sensors and a camera each, through the API of `api`. */
export async function createStores(
  url: string,
  adminKey: string,
  feeds: readonly StoreFeed[],
  policy: object,
): Promise<void> {
  const call = async (path: string, body: object): Promise<void> => {
    const response = await fetchRetrying(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) {
      throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    }
  };
  for (const feed of feeds) {
    await call('/api/stores', {
      id: feed.storeId,
      name: feed.storeId,
      timezone: 'UTC',
      width: 20,
      height: 10,
      policy,
    });
    const positions = [
      [2, 5],
      [18, 5],
      [10, 1],
    ];
    for (const [i, sensor] of [...feed.radioSensors, feed.cameraSensor].entries()) {
      const [x, y] = positions[i % positions.length]!;
      await call(`/api/stores/${feed.storeId}/sensors`, {
        id: sensor,
        domain: 'aisle-mqtt',
        x,
        y,
        z: 2.5,
        config: {},
      });
    }
  }
}

/** Figures of a run, read from the shared database. */
export async function readFigures(
  databaseUrl: string,
  schema: string,
  storeIds: readonly string[],
): Promise<{ counts: number; entries: number; visits: number; passersBy: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts = await client.query<{ n: string; entries: string | null }>(
      `SELECT count(*) FILTER (WHERE entries > 0) AS n, sum(entries) AS entries FROM "${schema}".agg_counts
        WHERE store_id = ANY($1)`,
      [storeIds],
    );
    const visits = await client.query<{ n: string; passers: string }>(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE (record::jsonb ->> 'passerBy')::boolean) AS passers
         FROM "${schema}".agg_visits WHERE store_id = ANY($1)`,
      [storeIds],
    );
    return {
      counts: Number(counts.rows[0]?.n ?? 0),
      entries: Number(counts.rows[0]?.entries ?? 0),
      visits: Number(visits.rows[0]?.n ?? 0),
      passersBy: Number(visits.rows[0]?.passers ?? 0),
    };
  } finally {
    await client.end();
  }
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** footfall-in of a store over [from, to) through the API (admin key: never suppressed). */
export async function footfallIn(
  url: string,
  adminKey: string,
  storeId: string,
  from: number,
  to: number,
): Promise<number> {
  const response = await fetchRetrying(
    `${url}/api/stores/${storeId}/metrics/footfall-in?from=${from}&to=${to}&bucket=1d`,
    { headers: { authorization: `Bearer ${adminKey}` } },
  );
  if (response.status !== 200) throw new Error(`footfall-in: ${response.status}`);
  const body = (await response.json()) as { series: { value: number | null }[] };
  return body.series.reduce((sum, b) => sum + (b.value ?? 0), 0);
}
