// `npm run bench -- cluster`: observations/s end to end through a chain (api+ingest process + 1
// or 2 worker processes over NATS JetStream, one PostgreSQL schema) and through one process, on
// the same machine in the same run, with the bus's redelivery and loss figures. A third chain
// run SIGKILLs one of the two workers half-way and restarts it.
//
// Needs DATABASE_URL, MQTT_URL and NATS_URL (defaults: the local services). "End to end": from
// the first MQTT publish until every observation has passed the ingest gate, every sighting on the
// bus has been committed by a worker (acknowledged: the work-queue stream is empty) and the last
// camera report is in the database. The load is offered as fast as the broker takes it (QoS 1).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const STORES = 8;
const SENSORS_PER_STORE = 2;
/** Rounds of load per run: each round every sensor sends one batch, as fast as MQTT takes them. */
const ROUNDS = 40;
/** Observations per batch: 100 devices heard by each sensor each second. */
const DEVICES = 100;
const ADMIN_KEY = `ak_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`;

interface Proc {
  child: ChildProcess;
  lines: string[];
  url: string;
  exited: Promise<unknown>;
}

async function startCore(env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, [join(ROOT, 'apps/core/dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      PORT: '0',
      AISLE_DEMO: 'false',
      AISLE_ADMIN_KEY: ADMIN_KEY,
      // Visits from the first instant: the input starts with the processes (and a restarted worker
      // takes over visits the reference run also counts).
      AISLE_START_GRACE_SECONDS: '0',
      // Each process its own data folder (its own MQTT client id); a stop closes open visits.
      AISLE_DATA_DIR: mkdtempSync(join(tmpdir(), 'aisle-bench-')),
      AISLE_RESUME_VISITS: 'false',
      DATABASE_URL,
      MQTT_URL,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => lines.push(l));
  const exited = once(child, 'exit');
  await until(
    'the process started',
    () => lines.some((l) => l.includes('Aisle is running')),
    90_000,
    exited,
  );
  const api = lines.find((l) => /^\s+API\s+http/.test(l));
  return {
    child,
    lines,
    exited,
    url: api
      ? api
          .trim()
          .split(/\s+/)[1]!
          .replace(/\/api$/, '')
      : '',
  };
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
  abort?: Promise<unknown>,
): Promise<void> {
  let aborted = false;
  void abort?.then(() => (aborted = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (aborted) throw new Error(`process exited while waiting until ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

/** fetch, again on a reset connection (a kept-alive socket the server closed meanwhile). */
async function get(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

async function metric(url: string, name: string, label = ''): Promise<number> {
  const text = await (await get(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

async function post(url: string, path: string, body: object): Promise<void> {
  const r = await get(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
}

const NOTICE = {
  controllerName: 'Bench Retail',
  purpose: 'to count visitors',
  signage: { text: 'This store counts visitors.', placement: 'at the entrance' },
  noticeUrl: 'https://example.com/privacy',
  optOutInstructions: 'submit your phone at /opt-out',
  retentionStatement: 'device data is kept for 24 hours',
  dpiaReference: 'DPIA-BENCH',
};

function mac(store: number, device: number): string {
  const hex = (0x020000000000 + store * 0x10000 + device).toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

interface RunFigures {
  observations: number;
  seconds: number;
  observationsPerSecond: number;
  redelivered: number;
  lost: number;
  cameraReports: number;
  /** Seconds after the first publish: all sent over MQTT, all through the gate, bus drained. */
  timeline: { mqttPublishedS: number; gatedS: number; busDrainedS: number; maxBacklog: number };
  killedWorker?: boolean;
}

async function runOnce(workers: number, kill: boolean): Promise<RunFigures> {
  const tag = randomBytes(3).toString('hex');
  const schema = `bench_cluster_${tag}`;
  const prefix = `bench${tag}`;
  const chain = workers > 0;
  const stores = Array.from({ length: STORES }, (_, i) => `b${tag}-${i}`);
  const procs: Proc[] = [];
  const client: MqttClient = await mqtt.connectAsync(MQTT_URL, { clientId: `bench-${tag}` });
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const streamName = `${prefix.toUpperCase()}_OBS`;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const common = { DATABASE_SCHEMA: schema, NATS_URL, AISLE_BUS_PREFIX: prefix };
    const api = await startCore(chain ? { ...common, AISLE_ROLE: 'api,ingest' } : common);
    procs.push(api);
    for (const storeId of stores) {
      await post(api.url, '/api/stores', {
        id: storeId,
        name: storeId,
        timezone: 'UTC',
        width: 20,
        height: 10,
        policy: { mode: 'in-visit', notice: NOTICE },
      });
      for (let s = 0; s < SENSORS_PER_STORE; s += 1) {
        await post(api.url, `/api/stores/${storeId}/sensors`, {
          id: `radio-${s}`,
          domain: 'aisle-mqtt',
          x: 2 + s * 16,
          y: 5,
          z: 2.5,
          config: { maxBatch: 1000 },
        });
      }
      await post(api.url, `/api/stores/${storeId}/sensors`, {
        id: 'cam',
        domain: 'aisle-mqtt',
        x: 10,
        y: 1,
        z: 2.5,
        config: {},
      });
    }
    const workerProcs: Proc[] = [];
    for (let w = 0; w < workers; w += 1) {
      const p = await startCore({ ...common, AISLE_ROLE: 'worker', AISLE_WORKER_ID: `w${w}` });
      procs.push(p);
      workerProcs.push(p);
    }
    if (chain) {
      await until('every store owned', () => {
        const owned = new Set(
          workerProcs.flatMap((p) =>
            p.lines
              .filter((l) => l.includes('"msg":"store acquired"'))
              .map((l) => /"store":"([^"]+)"/.exec(l)?.[1]),
          ),
        );
        return stores.every((s) => owned.has(s));
      });
    }
    // Warm-up: one empty camera report per store until the gate has seen each.
    await until('every store ingests', async () => {
      for (const storeId of stores) {
        await client.publishAsync(
          `aisle/${storeId}/cam/observations`,
          JSON.stringify({
            v: 1,
            observations: [{ kind: 'camera', lineId: 'e', entries: 0, at: Date.now() }],
          }),
          { qos: 1 },
        );
      }
      return (await metric(api.url, 'aisle_observations_total', 'kind="camera"')) >= stores.length;
    });
    const acceptedBefore = await metric(api.url, 'aisle_observations_total');
    const publishedBefore = chain ? (await jsm.streams.info(streamName)).state.last_seq : 0;
    const busPublishedBefore = chain
      ? await metric(api.url, 'aisle_bus_messages_total', 'result="published"')
      : 0;

    let observations = 0;
    let cameraReports = 0;
    const started = Date.now();
    let killed = false;
    for (let t = 0; t < ROUNDS; t += 1) {
      const at = Date.now();
      const sends: Promise<unknown>[] = [];
      stores.forEach((storeId, i) => {
        for (let s = 0; s < SENSORS_PER_STORE; s += 1) {
          const batch = Array.from({ length: DEVICES }, (_, d) => ({
            kind: 'wifi',
            mac: mac(i, d),
            rssi: -50 - ((d + s * 13) % 30),
            at,
          }));
          observations += batch.length;
          sends.push(
            client.publishAsync(
              `aisle/${storeId}/radio-${s}/observations`,
              JSON.stringify({ v: 1, observations: batch }),
              { qos: 1 },
            ),
          );
        }
        observations += 1;
        cameraReports += 1;
        sends.push(
          client.publishAsync(
            `aisle/${storeId}/cam/observations`,
            JSON.stringify({
              v: 1,
              observations: [
                { kind: 'camera', lineId: 'e', entries: 1, exits: 0, intervalStart: at - 1000, at },
              ],
            }),
            { qos: 1 },
          ),
        );
      });
      await Promise.all(sends);
      if (kill && !killed && t === Math.floor(ROUNDS / 2)) {
        killed = true;
        await stop(workerProcs[1]!, 'SIGKILL');
        workerProcs[1] = await startCore({
          ...common,
          AISLE_ROLE: 'worker',
          AISLE_WORKER_ID: 'w1',
        });
        procs.push(workerProcs[1]);
      }
    }
    const publishedS = (Date.now() - started) / 1000;
    await until(
      'the gate has seen every observation',
      async () =>
        (await metric(api.url, 'aisle_observations_total')) - acceptedBefore >= observations,
    );
    const countRows = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".agg_counts WHERE entries > 0`,
          )
        ).rows[0]?.n ?? 0,
      );
    const gatedS = (Date.now() - started) / 1000;
    let maxBacklog = 0;
    if (chain) {
      await until('every bus message committed', async () => {
        const info = await jsm.streams.info(streamName);
        maxBacklog = Math.max(maxBacklog, info.state.messages);
        const published =
          (await metric(api.url, 'aisle_bus_messages_total', 'result="published"')) -
          busPublishedBefore;
        return info.state.messages === 0 && published >= observations;
      });
    }
    const drainedS = (Date.now() - started) / 1000;
    await until(
      'every camera report stored',
      async () => (await countRows()) >= cameraReports,
      60_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const accepted = (await metric(api.url, 'aisle_observations_total')) - acceptedBefore;
    const stored = await countRows();
    let lost = Math.max(0, observations - accepted) + (cameraReports - stored);
    if (chain) {
      const info = await jsm.streams.info(streamName);
      const publishedOnBus = info.state.last_seq - publishedBefore;
      const refusedOrFailed =
        (await metric(api.url, 'aisle_bus_messages_total', 'result="refused"')) +
        (await metric(api.url, 'aisle_bus_messages_total', 'result="failed"'));
      lost += info.state.messages + refusedOrFailed;
      void publishedOnBus;
    }
    // Clean stops: each worker logs its bus counters (the killed one cannot).
    let redelivered = 0;
    for (const p of workerProcs) {
      await stop(p);
      for (const l of p.lines.filter((x) => x.includes('"msg":"bus counters"'))) {
        redelivered += Number(/"in\/redelivered":(\d+)/.exec(l)?.[1] ?? 0);
      }
    }
    return {
      observations,
      seconds: Math.round(seconds * 10) / 10,
      observationsPerSecond: Math.round(observations / seconds),
      redelivered,
      lost,
      cameraReports,
      timeline: { mqttPublishedS: publishedS, gatedS, busDrainedS: drainedS, maxBacklog },
      ...(kill ? { killedWorker: true } : {}),
    };
  } catch (error) {
    for (const [i, p] of procs.entries()) {
      console.error(`--- process ${i} (exit ${String(p.child.exitCode ?? p.child.signalCode)})`);
      console.error(p.lines.slice(-12).join('\n'));
    }
    throw error;
  } finally {
    for (const p of procs) await stop(p, 'SIGKILL').catch(() => undefined);
    await client.endAsync();
    await jsm.streams.delete(streamName).catch(() => false);
    await nc.close();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
  }
}

export default async function run() {
  // BENCH_CLUSTER_ONLY=single|one: one run alone (for debugging the harness).
  const only = process.env.BENCH_CLUSTER_ONLY;
  if (only === 'one') return { chainOneWorker: await runOnce(1, false) };
  const single = await runOnce(0, false);
  console.error(`single process: ${JSON.stringify(single)}`);
  if (only === 'single') return { single };
  const oneWorker = await runOnce(1, false);
  console.error(`one worker: ${JSON.stringify(oneWorker)}`);
  const twoWorkers = await runOnce(2, false);
  console.error(`two workers: ${JSON.stringify(twoWorkers)}`);
  const twoWorkersKill = await runOnce(2, true);
  console.error(`two workers, one killed: ${JSON.stringify(twoWorkersKill)}`);
  return {
    setup: {
      stores: STORES,
      sensorsPerStore: SENSORS_PER_STORE,
      devicesPerBatch: DEVICES,
      rounds: ROUNDS,
      observationsPerRound: STORES * (SENSORS_PER_STORE * DEVICES + 1),
      database: 'PostgreSQL',
      note: 'observations/s = observations ÷ (first publish → all gated, bus drained, camera facts stored); one machine, shared CPUs',
    },
    singleProcess: single,
    chainOneWorker: oneWorker,
    chainTwoWorkers: twoWorkers,
    chainTwoWorkersOneKilled: twoWorkersKill,
    ratios: {
      twoWorkersVsOne:
        Math.round((twoWorkers.observationsPerSecond / oneWorker.observationsPerSecond) * 100) /
        100,
      oneWorkerVsSingleProcess:
        Math.round((oneWorker.observationsPerSecond / single.observationsPerSecond) * 100) / 100,
    },
  };
}
