// `npm run bench -- e2e`: Aisle end to end (publisher → Mosquitto → core → PostgreSQL) against
// the same run's baselines, on this machine. The core is the built apps/core/dist/main.js run as
// a child process and driven only through MQTT, /health and /metrics, so the bench measures
// whatever the core does inside. A private Mosquitto (the repository's example conf on a free
// port, as the fault suite starts it) and a database of its own on DATABASE_URL (default: the
// local PostgreSQL). Phases, one run:
//   1. raw COPY of sightings-shaped rows into the same table (1,000-row COPYs, one connection)
//      vs Aisle with 200-observation messages, offered as fast as the broker acknowledges them;
//      rate = observations ÷ (first publish → last acknowledged observation committed), lossless
//      (every observation the broker acknowledged is counted in the database).
//   2. raw broker rate with one observation per QoS 1 message (publisher → Mosquitto → a
//      subscriber doing nothing but PUBACK) vs Aisle with the same messages.
//   3. publish → committed-row latency at half the rate measured in 1 (see `latency`).
//   4. above the ceiling: offered at twice the rate of 1; /health, /metrics and the broker's
//      share of what waits, sampled every second; nothing lost, drop counters.
// Flags: `--profile` (phase 1 only, the core under `--cpu-prof`; prints the .cpuprofile's path and
// its top self time; `--profile --single`: phase 2's one-observation messages instead), `--compare=<checkout> [--single]`
// (A/B of the core's CPU per observation against another built checkout, BENCH_E2E_ROUNDS alternating rounds), `--startup` (cold/warm start on the embedded defaults, median of 5),
// `--memory [--minutes N]` (20,000 devices at 10,000 observations/s, RSS every 5 s).
// Sizes: BENCH_E2E_FLOOD (observations in 1, default 600,000), BENCH_E2E_COPY (rows of the COPY
// baseline, default 600,000), BENCH_E2E_SINGLE (messages in 2, default 60,000),
// BENCH_E2E_SECONDS (length of 3 and 4, default 15), BENCH_E2E_RECEIVE_MAXIMUM (see below),
// BENCH_E2E_MEMORY_RATE (observations/s of --memory, default 10,000), BENCH_E2E_CORE_NODE_ARGS
// (Node.js options for the core of --memory, space-separated, e.g. --max-old-space-size=512),
// BENCH_E2E_MEMORY_SNAPSHOTS (minutes at which --memory has the core write a V8 heap snapshot,
// comma-separated, e.g. 3,5,10: the core runs with --heapsnapshot-signal=SIGUSR2 and writes them
// to BENCH_E2E_SNAPSHOT_DIR, default a fresh folder under the OS temp dir, printed at the end).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  CoreProcess,
  countStored,
  freePort,
  Publisher,
  sleep,
  startRig,
  tally,
  waitFor,
  type FaultRig,
  type PublisherOptions,
} from '../faults/harness.js';

// Compiled to test/bench/.out/e2e.bench.mjs by run.mjs.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'core', 'dist', 'main.js');
const STORE_FILE = join(ROOT, 'test', 'bench', 'e2e-store.yaml');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORE = 'bench';
const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const FLOOD = envInt('BENCH_E2E_FLOOD', 600_000);
const COPY_ROWS = envInt('BENCH_E2E_COPY', 600_000);
const SINGLE = envInt('BENCH_E2E_SINGLE', 60_000);
const SECONDS = envInt('BENCH_E2E_SECONDS', 15);
/** Observations per message in phases 1, 3 and 4. */
const BATCH = 200;
/** Messages the publisher keeps unacknowledged when it floods (200-observation / single). */
const WINDOW_BATCH = 64;
const WINDOW_SINGLE = 500;
/**
 * The core's acknowledge-after-commit window (MQTT_RECEIVE_MAXIMUM; default the core's, 1,000).
 * With 200-observation messages 1,000 messages are 200,000 rows, more than the sighting writer
 * holds in memory (100,000): at the ceiling the core then spills to its file. BENCH_E2E_RECEIVE_MAXIMUM
 * (e.g. 250) shows the ceiling without that.
 */
const RECEIVE_MAXIMUM = envInt('BENCH_E2E_RECEIVE_MAXIMUM', 1000);
const sensors = (group: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${group}-${i + 1}`);
const topic = (sensor: string) => `aisle/${STORE}/${sensor}/observations`;
const round = (x: number, digits = 0) => Number(x.toFixed(digits));
const load = () => loadavg().map((x) => round(x, 2));

/** A private broker, a database of its own and the core (the fault suite's rig), torn down by `close()`. */
type Rig = FaultRig;

function rig(options: { nodeArgs?: string[]; repoRoot?: string } = {}): Promise<Rig> {
  return startRig({
    repoRoot: options.repoRoot ?? ROOT,
    prefix: 'aisle-e2e-bench-',
    databaseUrl: DATABASE_URL,
    config: STORE_FILE,
    nodeArgs: options.nodeArgs,
    env: {
      MQTT_RECEIVE_MAXIMUM: String(RECEIVE_MAXIMUM),
      AISLE_ADMIN_KEY: `ak_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`,
    },
  });
}

/**
 * A publisher to the group's sensors. Number n is stamped `base + n` ms: `span` (the numbers the
 * phase will send) plus two minutes back from now, so no stamp is in the future (the gate drops
 * those) and each phase's numbers are its own.
 */
async function publisher(
  rigged: Rig,
  group: string,
  count: number,
  span: number,
  options: Partial<PublisherOptions> = {},
): Promise<Publisher> {
  const names = sensors(group, count);
  return Publisher.connect(rigged.mosquitto.url, {
    radioTopic: topic(names[0]!),
    radioTopics: names.map(topic),
    cameraTopic: topic(names[0]!), // unused: radio only
    kinds: 'radio',
    batch: BATCH,
    devices: 2000,
    base: Date.now() - 120_000 - span,
    ...options,
  });
}

/** Rows the core has committed so far (its `aisle_sightings_written_total`). */
const written = (rigged: Rig) => rigged.core.metric('aisle_sightings_written_total');

/**
 * Polls the core's committed-rows counter (every 100 ms: cheap for the core, unlike counting a
 * growing table) until `wanted` rows were committed after `before`; returns when. The database
 * itself is counted once afterwards (`loss`), so a wrong counter cannot hide a loss.
 */
async function committed(rigged: Rig, before: number, wanted: number, timeoutMs = 300_000) {
  await waitFor(
    `${wanted} rows committed`,
    async () => (await written(rigged)) - before >= wanted,
    timeoutMs,
    100,
  );
  return performance.now();
}

interface Loss {
  published: number;
  acked: number;
  stored: number;
  duplicates: number;
  lost: number;
}

async function loss(rigged: Rig, pub: Publisher, names: string[]): Promise<Loss> {
  const t = await tally(rigged.database, pub, 'e2e', names, STORE);
  return {
    published: t.published,
    acked: t.acked,
    stored: t.stored,
    duplicates: t.duplicates,
    lost: t.lost,
  };
}

/** Warm-up: 20,000 observations through the flood sensors, stored, then the table emptied. */
async function warmUp(rigged: Rig): Promise<void> {
  const names = sensors('flood', 4);
  const pub = await publisher(rigged, 'flood', 4, 20_000);
  try {
    const before = await written(rigged);
    await pub.flood(20_000, WINDOW_BATCH);
    await committed(rigged, before, pub.ackedCount, 120_000);
    const stored = await countStored(rigged.database, pub, names, STORE);
    if (stored.distinct !== pub.ackedCount) throw new Error(`warm-up: ${stored.distinct} stored`);
  } finally {
    await pub.close();
  }
  await rigged.database.query('TRUNCATE sightings');
}

// ---------------------------------------------------------------------------------------------
// 1. COPY baseline and 200-observation messages

/** Sightings-shaped COPY text (the writer's columns), 1,000 rows a batch, built before timing. */
function copyBatches(rows: number): string[] {
  const t0 = Date.now() - 30 * 60_000;
  const period = new Date(t0 - (t0 % 86_400_000)).toISOString();
  const batches: string[] = [];
  for (let from = 0; from < rows; from += 1000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows, from + 1000); i += 1) {
      const subject = `${(i % 2000).toString(16).padStart(8, '0')}${'a1b2c3d4e5f60718'.repeat(3)}`;
      lines.push(
        [
          'copy-baseline',
          `flood-${(i % 4) + 1}`,
          'wifi',
          new Date(t0 + i).toISOString(),
          period,
          subject,
          String(-55 - (i % 20)),
          'f',
          'f',
          '6',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
        ].join('\t'),
      );
    }
    batches.push(`${lines.join('\n')}\n`);
  }
  return batches;
}

const COPY_COLUMNS =
  'store_id, sensor_id, kind, at, period, subject, rssi, randomized, beacon, channel, tx_power, ' +
  'fingerprint, line_id, zone_id, entries, exits, occupancy, interval_start';

async function copyBaseline(
  rigged: Rig,
): Promise<{ rows: number; seconds: number; perSecond: number }> {
  const batches = copyBatches(COPY_ROWS);
  const client = new pg.Client({ connectionString: rigged.database.url });
  await client.connect();
  try {
    const started = performance.now();
    for (const text of batches) {
      const stream = client.query(copyFrom(`COPY sightings (${COPY_COLUMNS}) FROM STDIN`));
      await pipeline(Readable.from([text]), stream);
    }
    const seconds = (performance.now() - started) / 1000;
    const [row] = await rigged.database.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM sightings WHERE store_id = 'copy-baseline'`,
    );
    if (Number(row?.n) !== COPY_ROWS) throw new Error(`COPY baseline stored ${row?.n} rows`);
    return { rows: COPY_ROWS, seconds: round(seconds, 2), perSecond: round(COPY_ROWS / seconds) };
  } finally {
    await client.end();
    await rigged.database.query('TRUNCATE sightings');
  }
}

interface FloodResult extends Loss {
  seconds: number;
  perSecond: number;
  brokerAckedPerSecond: number;
  /**
   * CPU time (user + system) the core process used from the first publish to the last row
   * committed, per acknowledged observation: unlike the rates, it hardly moves with the machine's
   * load, so it is the figure to compare between versions of the core.
   */
  coreCpuUsPerObservation: number;
  /**
   * The same for the PostgreSQL backends serving the core's database (the server must run on this
   * machine: NaN otherwise): the database's share of the work, e.g. the receipts.
   */
  databaseCpuUsPerObservation: number;
}

/** CPU time (µs) of each PostgreSQL backend connected to the rig's database, by pid. */
async function backendCpu(rigged: Rig): Promise<Map<number, number>> {
  const rows = await rigged.database.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) out.set(pid, await cpuMicros(pid));
  return out;
}

/** CPU the backends used between two {@link backendCpu} readings (a new backend from 0). */
function backendCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** CPU time (user + system, µs) the process `pid` has used so far, from /proc (Linux). */
async function cpuMicros(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, may hold spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / CLOCK_TICKS;
  } catch {
    return Number.NaN; // not Linux
  }
}
/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

async function flood(
  rigged: Rig,
  group: string,
  count: number,
  { total, batch, window }: { total: number; batch: number; window: number },
): Promise<FloodResult> {
  const names = sensors(group, count);
  const pub = await publisher(rigged, group, count, total, { batch });
  try {
    const before = await written(rigged);
    const cpuBefore = await cpuMicros(rigged.core.pid);
    const databaseBefore = await backendCpu(rigged);
    const started = performance.now();
    await pub.flood(total, window);
    const ackedAt = performance.now();
    if (pub.errors > 0) throw new Error(`${pub.errors} publishes failed`);
    const done = await committed(rigged, before, pub.ackedCount);
    const cpu = (await cpuMicros(rigged.core.pid)) - cpuBefore;
    const databaseCpu = backendCpuSpent(databaseBefore, await backendCpu(rigged));
    const seconds = (done - started) / 1000;
    return {
      seconds: round(seconds, 2),
      perSecond: round(pub.ackedCount / seconds),
      brokerAckedPerSecond: round(pub.ackedCount / ((ackedAt - started) / 1000)),
      coreCpuUsPerObservation: round(cpu / pub.ackedCount, 2),
      databaseCpuUsPerObservation: round(databaseCpu / pub.ackedCount, 2),
      ...(await loss(rigged, pub, names)),
    };
  } finally {
    await pub.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. raw broker, one observation per message

async function rawBroker(
  rigged: Rig,
): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const subscriber = await connectAsync(rigged.mosquitto.url, {
    clientId: `bench-sub-${randomBytes(4).toString('hex')}`,
    clean: true,
  });
  let received = 0;
  subscriber.on('message', () => {
    received += 1; // no work: mqtt.js sends the PUBACK
  });
  await subscriber.subscribeAsync('bench-raw/#', { qos: 1 });
  const pub = await Publisher.connect(rigged.mosquitto.url, {
    radioTopic: 'bench-raw/single',
    cameraTopic: 'bench-raw/single',
    kinds: 'radio',
    batch: 1,
    devices: 2000,
    base: Date.now() - 120_000 - SINGLE,
    trackAcked: false,
  });
  try {
    const started = performance.now();
    await pub.flood(SINGLE, WINDOW_SINGLE);
    await waitFor('the subscriber to receive every message', () => received >= SINGLE, 120_000, 5);
    const seconds = (performance.now() - started) / 1000;
    return { messages: SINGLE, seconds: round(seconds, 2), perSecond: round(SINGLE / seconds) };
  } finally {
    await pub.close();
    await subscriber.endAsync();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. latency at half the ceiling

/**
 * Each observation carries its publish time (`at` = Date.now() when the message is built, in the
 * bench process); the `sightings` table gets a column `bench_committed_at DEFAULT clock_timestamp()`
 * for the phase, filled by PostgreSQL as the core's COPY inserts the row. The COPY commits right
 * after its last row (batches of ≤ 1,000 rows), so the column is the commit time to within that
 * COPY's duration (milliseconds). Same machine, same clock. The column is added on the emptied
 * table (no rewrite) and dropped after the phase.
 */
async function latency(
  rigged: Rig,
  perSecond: number,
): Promise<
  Loss & { perSecond: number; seconds: number; p50Ms: number; p99Ms: number; maxMs: number }
> {
  await rigged.database.query('TRUNCATE sightings');
  await rigged.database.query(
    'ALTER TABLE sightings ADD COLUMN bench_committed_at timestamptz DEFAULT clock_timestamp()',
  );
  const names = sensors('latency', 4);
  const pub = await publisher(rigged, 'latency', 4, 0, { stamp: 'now', trackAcked: false });
  try {
    const before = await written(rigged);
    await pub.run(perSecond, SECONDS);
    await pub.settle(60_000);
    await committed(rigged, before, pub.ackedCount, 120_000);
    const [row] = await rigged.database.query<{
      n: string;
      p50: number;
      p99: number;
      max: number;
    }>(
      `SELECT count(*)::text AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              max(ms) AS max
         FROM (SELECT (extract(epoch FROM bench_committed_at - at) * 1000)::float8 AS ms
                 FROM sightings WHERE sensor_id = ANY($1)) t`,
      [names],
    );
    const stored = Number(row?.n ?? 0);
    return {
      perSecond,
      seconds: SECONDS,
      p50Ms: round(row?.p50 ?? Number.NaN),
      p99Ms: round(row?.p99 ?? Number.NaN),
      maxMs: round(row?.max ?? Number.NaN),
      published: pub.published,
      acked: pub.ackedCount,
      stored,
      duplicates: Math.max(0, stored - pub.ackedCount),
      lost: Math.max(0, pub.ackedCount - stored),
    };
  } finally {
    await pub.close();
    await rigged.database.query('ALTER TABLE sightings DROP COLUMN bench_committed_at');
  }
}

// ---------------------------------------------------------------------------------------------
// 4. above the ceiling

interface Sample {
  s: number;
  acked: number;
  stored: number;
  health: string;
  backlogRows: number;
  spilledRows: number;
  unacknowledgedMessages: number;
  oldestUnstoredAgeSeconds: number;
  /** Acknowledged to the publisher, not stored, not held by the core: queued in the broker. */
  inBroker: number;
}

async function overload(rigged: Rig, perSecond: number) {
  const names = sensors('over', 4);
  const pub = await publisher(rigged, 'over', 4, perSecond * SECONDS);
  const samples: Sample[] = [];
  const before = await written(rigged);
  const started = performance.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [health, committedRows] = await Promise.all([rigged.core.health(), written(rigged)]);
      const ingest = (health.details?.['ingest'] ?? {}) as {
        backlogRows?: number;
        spilledRows?: number;
        unacknowledgedMessages?: number;
        oldestUnstoredAgeSeconds?: number;
      };
      const stored = committedRows - before;
      const backlogRows = ingest.backlogRows ?? 0;
      samples.push({
        s: round((performance.now() - started) / 1000, 1),
        acked: pub.ackedCount,
        stored,
        health: health.status,
        backlogRows,
        spilledRows: ingest.spilledRows ?? 0,
        unacknowledgedMessages: ingest.unacknowledgedMessages ?? 0,
        oldestUnstoredAgeSeconds: ingest.oldestUnstoredAgeSeconds ?? 0,
        inBroker: Math.max(0, pub.ackedCount - stored - backlogRows - (ingest.spilledRows ?? 0)),
      });
      await sleep(1000);
    }
  })();
  try {
    await pub.run(perSecond, SECONDS);
    await pub.settle(120_000);
    const publishedS = (performance.now() - started) / 1000;
    const done = await committed(rigged, before, pub.ackedCount);
    sampling = false;
    await sampler;
    const drainedS = (done - started) / 1000;
    const max = (key: keyof Sample) => Math.max(...samples.map((x) => Number(x[key])));
    return {
      offeredPerSecond: perSecond,
      brokerAckedPerSecond: round(pub.ackedCount / publishedS),
      storedPerSecond: round(pub.ackedCount / drainedS),
      publishedS: round(publishedS, 1),
      drainedS: round(drainedS, 1),
      maxInBroker: max('inBroker'),
      maxCoreBacklogRows: max('backlogRows'),
      maxSpilledRows: max('spilledRows'),
      maxUnacknowledgedMessages: max('unacknowledgedMessages'),
      maxOldestUnstoredAgeSeconds: max('oldestUnstoredAgeSeconds'),
      degradedSamples: samples.filter((x) => x.health !== 'ok').length,
      sightingsDroppedTotal: await rigged.core.metric('aisle_sightings_dropped_total'),
      observationsDroppedTotal: await rigged.core.metric('aisle_observations_dropped_total'),
      ...(await loss(rigged, pub, names)),
      samples,
    };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
    await pub.close();
  }
}

// ---------------------------------------------------------------------------------------------
// --profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Self time per function of a .cpuprofile, largest first, as a share of the busy samples (all but
 * `(idle)`), with the idle share beside.
 */
export function topSelfTime(
  profile: { nodes: ProfileNode[]; samples?: number[] },
  n: number,
): { idlePercent: number; top: { fn: string; selfPercent: number }[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const hits = new Map<number, number>();
  if (profile.samples) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  let busy = 0;
  let idle = 0;
  const perFunction = new Map<string, number>();
  for (const [id, count] of hits) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idle += count;
      continue;
    }
    busy += count;
    const file = frame.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    const fn = frame.functionName || '(anonymous)';
    const name = frame.url ? `${fn} ${file}:${frame.lineNumber + 1}` : fn;
    perFunction.set(name, (perFunction.get(name) ?? 0) + count);
  }
  return {
    idlePercent: round((idle / (idle + busy)) * 100, 1),
    top: [...perFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, count]) => ({ fn, selfPercent: round((count / busy) * 100, 1) })),
  };
}

/**
 * The core under `--cpu-prof` at its ceiling: 200-observation messages, or with `single` one
 * observation per QoS 1 message (the per-message costs: packet parse, decode, gate, PUBACK).
 */
async function profileRun(single: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'aisle-e2e-profile-'));
  const rigged = await rig({ nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let ok = false;
  try {
    await warmUp(rigged);
    const phase = single
      ? await flood(rigged, 'single', 2, { total: SINGLE, batch: 1, window: WINDOW_SINGLE })
      : await flood(rigged, 'flood', 4, { total: FLOOD, batch: BATCH, window: WINDOW_BATCH });
    await rigged.core.stop('SIGTERM'); // a clean exit writes the profile
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile in ${dir} (see ${rigged.folder}/core.log)`);
    const path = join(dir, file);
    const { idlePercent, top } = topSelfTime(JSON.parse(await readFile(path, 'utf8')), 25);
    const what = single ? 'one observation per QoS 1 message' : '200-observation messages';
    process.stdout.write(
      `\nCPU profile of the core at its ceiling (${what}, ${phase.perSecond} obs/s, ${phase.coreCpuUsPerObservation} µs CPU per observation under the profiler):\n  ${path}\n` +
        `Top self time, share of the busy samples (whole process lifetime: start-up and warm-up included; idle ${idlePercent} % of all samples):\n` +
        top.map((t) => `  ${String(t.selfPercent).padStart(5)} %  ${t.fn}`).join('\n') +
        '\n\n',
    );
    ok = true;
    return {
      mode: single ? 'profile-single' : 'profile',
      load: load(),
      profile: path,
      underProfiler: phase,
      idlePercent,
      top,
    };
  } finally {
    await rigged.close(!ok);
  }
}

// ---------------------------------------------------------------------------------------------
// --compare

/**
 * A/B of two builds of the core: this checkout's and `other`'s (a checkout with its own
 * node_modules, built), each with a rig of its own, the same phases run alternately (A B B A …) so
 * both see the same machine. The figure compared is the core's CPU time per observation (user +
 * system from /proc), which the machine's load moves far less than the rates.
 */
async function compareRun(other: string, single: boolean, rounds: number) {
  const cores = [
    { name: 'this', rigged: await rig() },
    { name: other, rigged: await rig({ repoRoot: other }) },
  ];
  let ok = false;
  try {
    for (const core of cores) await warmUp(core.rigged);
    const runs: { core: string; round: number; phase: string; result: FloodResult }[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? cores : [...cores].reverse();
      for (const core of order) {
        await core.rigged.database.query('TRUNCATE sightings');
        const phases = single ? (['single'] as const) : (['single', 'batch'] as const);
        for (const phase of phases) {
          const result =
            phase === 'single'
              ? await flood(core.rigged, 'single', 2, {
                  total: SINGLE,
                  batch: 1,
                  window: WINDOW_SINGLE,
                })
              : await flood(core.rigged, 'flood', 4, {
                  total: FLOOD,
                  batch: BATCH,
                  window: WINDOW_BATCH,
                });
          if (result.lost > 0 || result.duplicates > 0) {
            throw new Error(
              `${core.name} ${phase}: lost ${result.lost}, duplicates ${result.duplicates}`,
            );
          }
          runs.push({ core: core.name, round, phase, result });
          console.error(
            `round ${round + 1} ${core.name} ${phase}: ${result.coreCpuUsPerObservation} µs CPU/obs (database ${result.databaseCpuUsPerObservation}), ${result.perSecond} obs/s`,
          );
        }
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    const summary = (phase: string) => {
      const of = (core: string) => runs.filter((r) => r.core === core && r.phase === phase);
      const a = of('this');
      const b = of(other);
      if (a.length === 0) return undefined;
      const cpuA = median(a.map((r) => r.result.coreCpuUsPerObservation));
      const cpuB = median(b.map((r) => r.result.coreCpuUsPerObservation));
      return {
        thisCpuUsPerObservation: round(cpuA, 2),
        otherCpuUsPerObservation: round(cpuB, 2),
        cpuRatio: round(cpuA / cpuB, 3),
        thisDatabaseCpuUsPerObservation: round(
          median(a.map((r) => r.result.databaseCpuUsPerObservation)),
          2,
        ),
        otherDatabaseCpuUsPerObservation: round(
          median(b.map((r) => r.result.databaseCpuUsPerObservation)),
          2,
        ),
        thisPerSecond: round(median(a.map((r) => r.result.perSecond))),
        otherPerSecond: round(median(b.map((r) => r.result.perSecond))),
      };
    };
    const result = {
      mode: 'compare',
      other,
      rounds,
      load: load(),
      single: summary('single'),
      batch: summary('batch'),
      runs: runs.map((r) => ({ core: r.core, round: r.round, phase: r.phase, ...r.result })),
    };
    process.stdout.write(
      `\nCore CPU per observation, this checkout ÷ ${other} (median of ${rounds} alternating rounds):\n` +
        (['single', 'batch'] as const)
          .map((phase) => {
            const x = result[phase];
            return x
              ? `  ${phase === 'single' ? '1 obs/QoS 1 msg' : '200-obs messages'}: ${x.thisCpuUsPerObservation} vs ${x.otherCpuUsPerObservation} µs = ${x.cpuRatio}× (database ${x.thisDatabaseCpuUsPerObservation} vs ${x.otherDatabaseCpuUsPerObservation} µs; rates ${x.thisPerSecond} vs ${x.otherPerSecond} obs/s)`
              : '';
          })
          .filter(Boolean)
          .join('\n') +
        '\n\n',
    );
    ok = true;
    return result;
  } finally {
    for (const core of cores) await core.rigged.close(!ok);
  }
}

// ---------------------------------------------------------------------------------------------
// --startup

async function startupRun() {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const once = async (dataDir: string) => {
    const logPath = join(dataDir, '..', `core-${randomBytes(3).toString('hex')}.log`);
    await mkdir(dirname(logPath), { recursive: true });
    const core = new CoreProcess({
      main: MAIN,
      port: await freePort(),
      logPath,
      pollMs: 20,
      // The embedded defaults (PGlite, aedes, demo store), only the ports and folder our own.
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        AISLE_DATA_DIR: dataDir,
        MQTT_PORT: String(await freePort()),
      },
    });
    try {
      const ms = await core.start();
      await core.stop('SIGTERM');
      const log = await readFile(logPath, 'utf8');
      const inside = /Aisle is running \(([\d.]+) s\)/.exec(log)?.[1];
      return { ms: round(ms), insideMs: inside ? Number(inside) * 1000 : null };
    } finally {
      await core.close();
    }
  };
  const folder = await mkdtemp(join(tmpdir(), 'aisle-e2e-startup-'));
  try {
    const cold: { ms: number; insideMs: number | null }[] = [];
    for (let i = 0; i < 5; i += 1) cold.push(await once(join(folder, `cold-${i}`, 'data')));
    const warmDir = join(folder, 'cold-0', 'data'); // started (and stopped cleanly) once already
    const warm: { ms: number; insideMs: number | null }[] = [];
    for (let i = 0; i < 5; i += 1) warm.push(await once(warmDir));
    const result = {
      mode: 'startup',
      load: load(),
      method:
        'ms from spawn of `node apps/core/dist/main.js` to the first 200 from /health (polled every 20 ms); insideMs = the core\'s own "Aisle is running (x s)"',
      coldMedianMs: median(cold.map((c) => c.ms)),
      warmMedianMs: median(warm.map((c) => c.ms)),
      cold,
      warm,
    };
    process.stdout.write(
      `\nStart to ready (embedded PGlite + aedes + demo), median of 5: cold ${result.coldMedianMs} ms, warm ${result.warmMedianMs} ms\n` +
        `  cold: ${cold.map((c) => c.ms).join(', ')}\n  warm: ${warm.map((c) => c.ms).join(', ')}\n  load: ${result.load.join(' ')}\n\n`,
    );
    return result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// --memory

async function memoryRun(minutes: number) {
  const rate = envInt('BENCH_E2E_MEMORY_RATE', 10_000);
  const devices = 20_000;
  const nodeArgs = (process.env['BENCH_E2E_CORE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const snapshotMinutes = (process.env['BENCH_E2E_MEMORY_SNAPSHOTS'] ?? '')
    .split(',')
    .filter((m) => m.trim() !== '')
    .map((m) => {
      const value = Number(m);
      if (!(value > 0)) throw new Error(`BENCH_E2E_MEMORY_SNAPSHOTS: "${m}" is not a minute`);
      return value;
    })
    .sort((a, b) => a - b);
  let snapshotDir: string | null = null;
  if (snapshotMinutes.length > 0) {
    snapshotDir =
      process.env['BENCH_E2E_SNAPSHOT_DIR'] ?? (await mkdtemp(join(tmpdir(), 'aisle-heap-')));
    await mkdir(snapshotDir, { recursive: true });
    nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`);
  }
  const rigged = await rig({ nodeArgs });
  let ok = false;
  try {
    const names = sensors('memory', 10);
    // Stamped with the publish time: the core sees 20,000 devices in real time.
    const pub = await publisher(rigged, 'memory', 10, 0, {
      devices,
      stamp: 'now',
      trackAcked: false,
    });
    const count = async () =>
      Number(
        (
          await rigged.database.query<{ n: string }>(
            'SELECT count(*)::text AS n FROM sightings WHERE sensor_id = ANY($1)',
            [names],
          )
        )[0]?.n ?? 0,
      );
    const rssMb = async () => {
      const status = await readFile(`/proc/${rigged.core.pid}/status`, 'utf8');
      return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
    };
    /** The core's heap and external memory from its /metrics (prom-client's Node.js figures), MB. */
    const heapFigures = async () => {
      const text = await (await fetch(`${rigged.core.url}/metrics`)).text();
      const value = (name: string, label = '') => {
        let total = 0;
        for (const line of text.split('\n')) {
          if (
            line.startsWith(`${name}{${label}`) ||
            (label === '' && line.startsWith(`${name} `))
          ) {
            total += Number(line.slice(line.lastIndexOf(' ') + 1));
          }
        }
        return round(total / 1048576, 1);
      };
      return {
        heapTotalMb: value('aisle_nodejs_heap_size_total_bytes'),
        heapUsedMb: value('aisle_nodejs_heap_size_used_bytes'),
        oldSpaceMb: value('aisle_nodejs_heap_space_size_total_bytes', 'space="old"'),
        newSpaceMb: value('aisle_nodejs_heap_space_size_total_bytes', 'space="new"'),
        externalMb: value('aisle_nodejs_external_memory_bytes'),
      };
    };
    const samples: {
      s: number;
      rssMb: number;
      heap: Awaited<ReturnType<typeof heapFigures>>;
      acked: number;
      stored: number;
      backlogRows: number;
      health: string;
    }[] = [];
    const before = await written(rigged);
    const started = performance.now();
    let running = true;
    const snapshots: { s: number; rssMbBefore: number }[] = [];
    const sampler = (async () => {
      while (running) {
        const elapsedMinutes = (performance.now() - started) / 60_000;
        if (
          snapshots.length < snapshotMinutes.length &&
          elapsedMinutes >= snapshotMinutes[snapshots.length]!
        ) {
          snapshots.push({ s: round(elapsedMinutes * 60), rssMbBefore: await rssMb() });
          process.kill(rigged.core.pid!, 'SIGUSR2');
        }
        const rss = await rssMb();
        const health = await rigged.core.health();
        const ingest = (health.details?.['ingest'] ?? {}) as { backlogRows?: number };
        samples.push({
          s: round((performance.now() - started) / 1000),
          rssMb: rss,
          heap: await heapFigures(),
          acked: pub.ackedCount,
          stored: (await written(rigged)) - before,
          backlogRows: ingest.backlogRows ?? 0,
          health: health.status,
        });
        await sleep(5000);
      }
    })();
    await pub.run(rate, minutes * 60);
    const sentS = (performance.now() - started) / 1000;
    running = false;
    await sampler;
    await pub.settle(60_000);
    const end = await rssMb();
    await waitFor(
      'every observation stored',
      async () => (await count()) >= pub.ackedCount,
      300_000,
      500,
    ).catch(() => undefined);
    const stored = await count();
    await pub.close();
    const half = samples.length / 2;
    const mean = (xs: typeof samples) => xs.reduce((a, b) => a + b.rssMb, 0) / xs.length;
    const firstHalf = samples.slice(1, Math.floor(half)); // the first sample is before any load
    const secondHalf = samples.slice(Math.ceil(half));
    const flatness = secondHalfFlatness(samples, minutes * 60);
    const result = {
      mode: 'memory',
      load: load(),
      minutes,
      devices,
      offeredPerSecond: rate,
      brokerAckedPerSecond: round(pub.ackedCount / sentS),
      /** Committed while the load ran: below the offered rate, the broker queued the rest. */
      storedPerSecondDuringLoad: round((samples.at(-1)?.stored ?? 0) / (samples.at(-1)?.s || 1)),
      endRssMb: end,
      maxRssMb: Math.max(...samples.map((x) => x.rssMb), end),
      firstHalfMeanRssMb: round(mean(firstHalf), 1),
      secondHalfMeanRssMb: round(mean(secondHalf), 1),
      secondHalfGrowthMb: round(secondHalf.at(-1)!.rssMb - secondHalf[0]!.rssMb, 1),
      /**
       * Flatness of the second half: mean RSS of its first and second quarter of the run
       * (minutes 5–7.5 and 7.5–10 of a 10-minute run), their difference, and the least-squares
       * slope of RSS over the second half in MB per minute.
       */
      ...flatness,
      heapSnapshots: snapshotDir === null ? undefined : { dir: snapshotDir, taken: snapshots },
      acked: pub.ackedCount,
      stored,
      /** Acknowledged but not committed 5 minutes after the load stopped (spill file still replaying). */
      notStoredAfterWait: Math.max(0, pub.ackedCount - stored),
      degradedSamples: samples.filter((x) => x.health !== 'ok').length,
      samples,
    };
    process.stdout.write(
      `\nMemory: ${devices} devices at ${rate} obs/s offered (${result.brokerAckedPerSecond} acknowledged/s, ${result.storedPerSecondDuringLoad} committed/s while loaded) for ${minutes} min: ` +
        `RSS at end ${end} MB, max ${result.maxRssMb} MB; mean ${result.firstHalfMeanRssMb} MB (first half) → ${result.secondHalfMeanRssMb} MB (second half), ` +
        `growth within the second half ${result.secondHalfGrowthMb} MB; ` +
        `flatness: mean ${flatness.thirdQuarterMeanRssMb} MB (3rd quarter) → ${flatness.fourthQuarterMeanRssMb} MB (4th quarter), ${flatness.quarterDifferenceMb} MB, ` +
        `slope of the second half ${flatness.secondHalfSlopeMbPerMinute} MB/min; acknowledged but not yet stored 5 min after the load: ${result.notStoredAfterWait}; load ${result.load.join(' ')}\n` +
        `  RSS every 5 s: ${samples.map((x) => x.rssMb).join(' ')}\n` +
        `  V8 heap (total/used) every 5 s: ${samples.map((x) => `${x.heap.heapTotalMb}/${x.heap.heapUsedMb}`).join(' ')}\n` +
        `  external every 5 s: ${samples.map((x) => x.heap.externalMb).join(' ')}\n` +
        (snapshotDir === null
          ? ''
          : `  heap snapshots (${snapshots.map((x) => `${round(x.s / 60, 1)} min`).join(', ')}) in ${snapshotDir}\n`) +
        '\n',
    );
    ok = true;
    return result;
  } finally {
    await rigged.close(!ok);
  }
}

/**
 * How flat RSS is in the second half of a run of `seconds`: the mean of the samples in its third
 * quarter and in its fourth, their difference, and the least-squares slope over the second half
 * (MB per minute). Samples taken after the load (s > seconds) are left out.
 */
export function secondHalfFlatness(
  samples: readonly { s: number; rssMb: number }[],
  seconds: number,
) {
  const within = (from: number, to: number) => samples.filter((x) => x.s >= from && x.s < to);
  const mean = (xs: readonly { rssMb: number }[]) =>
    xs.length === 0 ? NaN : xs.reduce((a, b) => a + b.rssMb, 0) / xs.length;
  const third = within(seconds / 2, (seconds * 3) / 4);
  const fourth = within((seconds * 3) / 4, seconds + 1);
  const half = [...third, ...fourth];
  const mx = half.reduce((a, b) => a + b.s, 0) / half.length;
  const my = mean(half);
  let sxy = 0;
  let sxx = 0;
  for (const x of half) {
    sxy += (x.s - mx) * (x.rssMb - my);
    sxx += (x.s - mx) ** 2;
  }
  return {
    thirdQuarterMeanRssMb: round(mean(third), 1),
    fourthQuarterMeanRssMb: round(mean(fourth), 1),
    quarterDifferenceMb: round(mean(fourth) - mean(third), 1),
    secondHalfSlopeMbPerMinute: sxx === 0 ? NaN : round((sxy / sxx) * 60, 2),
  };
}

// ---------------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');

async function mainRun() {
  const loadBefore = load();
  const rigged = await rig();
  let ok = false;
  try {
    await warmUp(rigged);
    const copy = await copyBaseline(rigged);
    console.error(`COPY baseline: ${JSON.stringify(copy)}`);
    const batch = await flood(rigged, 'flood', 4, {
      total: FLOOD,
      batch: BATCH,
      window: WINDOW_BATCH,
    });
    console.error(`200-observation messages: ${JSON.stringify(batch)}`);
    const raw = await rawBroker(rigged);
    console.error(`raw broker: ${JSON.stringify(raw)}`);
    const single = await flood(rigged, 'single', 2, {
      total: SINGLE,
      batch: 1,
      window: WINDOW_SINGLE,
    });
    console.error(`one observation per message: ${JSON.stringify(single)}`);
    const half = Math.round(batch.perSecond / 2);
    const lat = await latency(rigged, half);
    console.error(`latency: ${JSON.stringify(lat)}`);
    const over = await overload(rigged, batch.perSecond * 2);
    const { samples, ...overSummary } = over;
    console.error(`above the ceiling: ${JSON.stringify(overSummary)}`);
    const ratios = {
      batchVsCopy: round(batch.perSecond / copy.perSecond, 2),
      singleVsBroker: round(single.perSecond / raw.perSecond, 2),
    };
    const loadAfter = load();
    process.stdout.write(
      `\nEnd to end on this machine (load average ${loadBefore.join(' ')} → ${loadAfter.join(' ')}):\n` +
        table([
          ['path', 'observations', 'seconds', 'obs/s', 'ratio', 'acked', 'stored', 'lost'],
          [
            'raw COPY (1,000-row COPYs)',
            n(copy.rows),
            String(copy.seconds),
            n(copy.perSecond),
            '',
            '',
            '',
            '',
          ],
          [
            'Aisle, 200-obs messages',
            n(batch.acked),
            String(batch.seconds),
            n(batch.perSecond),
            `${ratios.batchVsCopy}× COPY`,
            n(batch.acked),
            n(batch.stored),
            n(batch.lost),
          ],
          [
            'raw broker, 1 obs/QoS 1 msg',
            n(raw.messages),
            String(raw.seconds),
            n(raw.perSecond),
            '',
            '',
            '',
            '',
          ],
          [
            'Aisle, 1 obs/QoS 1 msg',
            n(single.acked),
            String(single.seconds),
            n(single.perSecond),
            `${ratios.singleVsBroker}× broker`,
            n(single.acked),
            n(single.stored),
            n(single.lost),
          ],
        ]) +
        `\n\nLatency publish → committed row at ${n(half)} obs/s (half the ceiling) for ${SECONDS} s: ` +
        `p50 ${lat.p50Ms} ms, p99 ${lat.p99Ms} ms, max ${lat.maxMs} ms (acked ${n(lat.acked)}, stored ${n(lat.stored)}, lost ${lat.lost})\n` +
        `Above the ceiling: offered ${n(over.offeredPerSecond)} obs/s for ${SECONDS} s, the broker acknowledged ${n(over.brokerAckedPerSecond)}/s, ` +
        `stored ${n(over.storedPerSecond)}/s (all stored ${over.drainedS} s after the first publish); waiting at most ${n(over.maxInBroker)} in the broker, ` +
        `${n(over.maxCoreBacklogRows)} rows in memory + ${n(over.maxSpilledRows)} in the spill file / ${n(over.maxUnacknowledgedMessages)} unacknowledged messages in the core; ` +
        `/health degraded in ${over.degradedSamples}/${samples.length} samples (oldest unstored ${over.maxOldestUnstoredAgeSeconds} s); ` +
        `acked ${n(over.acked)}, stored ${n(over.stored)}, lost ${over.lost}, dropped counters ${over.sightingsDroppedTotal} + ${over.observationsDroppedTotal}\n\n`,
    );
    const lost = batch.lost + single.lost + lat.lost + over.lost;
    if (lost > 0) {
      console.error(`LOST ${lost} acknowledged observations (core log: ${rigged.folder}/core.log)`);
    }
    ok = lost === 0;
    return {
      mode: 'throughput',
      load: { before: loadBefore, after: loadAfter },
      setup: {
        database: 'PostgreSQL (a database of its own)',
        broker: 'private Mosquitto, deploy/mosquitto/mosquitto.conf',
        batch: BATCH,
        publisherWindow: { batch: WINDOW_BATCH, single: WINDOW_SINGLE },
        receiveMaximum: RECEIVE_MAXIMUM,
        note: 'obs/s = acknowledged observations ÷ (first publish → last one committed, polled every 100 ms); raw broker: ÷ (first publish → last message at the subscriber)',
      },
      copy,
      batch,
      rawBroker: raw,
      single,
      ratios,
      latency: lat,
      overload: over,
    };
  } finally {
    await rigged.close(!ok);
  }
}

export default async function run() {
  const args = process.argv.slice(2);
  if (args.includes('--startup')) return startupRun();
  if (args.includes('--memory')) {
    const at = args.indexOf('--minutes');
    const minutes = at >= 0 ? Number(args[at + 1]) : 10;
    if (!(minutes > 0)) {
      throw new Error(`--minutes needs a number of minutes (got ${args[at + 1]})`);
    }
    return memoryRun(minutes);
  }
  const compare = args.find((a) => a.startsWith('--compare'));
  if (compare !== undefined) {
    const other = compare.slice('--compare='.length);
    if (!compare.startsWith('--compare=') || other === '') {
      throw new Error('--compare=<path> needs the path of another checkout whose core is built');
    }
    return compareRun(other, args.includes('--single'), envInt('BENCH_E2E_ROUNDS', 3));
  }
  if (args.includes('--profile')) return profileRun(args.includes('--single'));
  return mainRun();
}
