import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';

/** Resolves with a TCP port nothing listens on right now (loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs: number,
  intervalMs = 100,
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
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A Mosquitto of the test's own: the repository's example `deploy/mosquitto/mosquitto.conf`
 * with the listener moved to a free port and the persistence folder to the test's, so it can be
 * stopped and started without touching the machine's broker.
 */
export class PrivateMosquitto {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;

  private constructor(
    readonly port: number,
    private readonly conf: string,
    private readonly logPath: string,
  ) {}

  static available(): boolean {
    return spawnSync('mosquitto', ['-h']).error === undefined;
  }

  static async create(folder: string, exampleConf: string): Promise<PrivateMosquitto> {
    const port = await freePort();
    const persistence = join(folder, 'mosquitto');
    await mkdir(persistence, { recursive: true });
    const text = (await readFile(exampleConf, 'utf8'))
      .split('\n')
      .map((line) => {
        if (line.startsWith('persistence_location ')) return `persistence_location ${persistence}/`;
        if (line.startsWith('listener ')) return `listener ${port} 127.0.0.1`;
        return line;
      })
      .join('\n')
      // Started as root, Mosquitto would switch to the `mosquitto` user, who cannot write here.
      .concat(`\nuser ${userInfo().username}\n`);
    const conf = join(folder, 'mosquitto.conf');
    await writeFile(conf, text);
    return new PrivateMosquitto(port, conf, join(folder, 'mosquitto.log'));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.log ??= createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn('mosquitto', ['-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    await waitFor(
      'Mosquitto to accept connections',
      async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode})`);
        const probe = await connectAsync(this.url, {
          clientId: `probe-${randomBytes(4).toString('hex')}`,
          reconnectPeriod: 0,
          connectTimeout: 1000,
        });
        await probe.endAsync();
        return true;
      },
      10_000,
    );
  }

  /** SIGTERM (Mosquitto writes its persistence file) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGTERM');
    await exited(child);
  }

  async close(): Promise<void> {
    await this.stop();
    this.log?.end();
  }
}

/** A database of the test's own on the CI PostgreSQL, created and dropped from `postgres`. */
export class PrivateDatabase {
  private constructor(
    readonly name: string,
    private readonly admin: pg.Client,
    private readonly base: URL,
  ) {}

  static async create(serverUrl: string): Promise<PrivateDatabase> {
    const base = new URL(serverUrl);
    const adminUrl = new URL(serverUrl);
    adminUrl.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    const name = `aisle_faults_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    return new PrivateDatabase(name, admin, base);
  }

  get url(): string {
    const url = new URL(this.base.toString());
    url.pathname = `/${this.name}`;
    return url.toString();
  }

  /** Refuses new connections and terminates the existing ones (the outage of scenario 3). */
  async takeAway(): Promise<number> {
    await this.admin.query(`ALTER DATABASE "${this.name}" ALLOW_CONNECTIONS false`);
    const result = await this.admin.query<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [this.name],
    );
    return result.rowCount ?? 0;
  }

  async bringBack(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.name}" ALLOW_CONNECTIONS true`);
  }

  /** A query on the test database (a fresh connection each time, so it works after an outage). */
  async query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await this.bringBack().catch(() => undefined);
    await this.admin.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
    await this.admin.end();
  }
}

/** The built core (`apps/core/dist/main.js`) as a child process. */
export class CoreProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream;
  readonly url: string;

  constructor(
    private readonly options: {
      main: string;
      env: NodeJS.ProcessEnv;
      port: number;
      logPath: string;
      /** Node.js options before the script (e.g. `--cpu-prof`). */
      nodeArgs?: string[];
      /** How often start() asks /health (ms; default 200). */
      pollMs?: number;
    },
  ) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.log = createWriteStream(options.logPath, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The process id of the running core (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the core; resolves with the milliseconds from spawn until /health answered 200. */
  async start(): Promise<number> {
    const spawned = performance.now();
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), this.options.main], {
      env: { ...this.options.env, PORT: String(this.options.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    await waitFor(
      'the core to answer /health',
      async () => {
        if (child.exitCode !== null) throw new Error(`the core exited (${child.exitCode})`);
        const response = await fetch(`${this.url}/health`);
        return response.status === 200;
      },
      60_000,
      this.options.pollMs ?? 200,
    );
    return performance.now() - spawned;
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill(signal);
    await exited(child);
  }

  /** The `ingest` part of /health (backlog, spill, unacknowledged messages). */
  async ingest(): Promise<{ state: string; backlogRows: number; spilledRows: number } | null> {
    const response = await fetch(`${this.url}/health`);
    const body = (await response.json()) as {
      details?: { ingest?: { state: string; backlogRows: number; spilledRows: number } };
    };
    return body.details?.ingest ?? null;
  }

  async health(): Promise<{ status: string; details?: Record<string, unknown> }> {
    const response = await fetch(`${this.url}/health`);
    return (await response.json()) as { status: string; details?: Record<string, unknown> };
  }

  /** The sum of every series of the Prometheus metric `name` on /metrics (0 when absent). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    this.log.end();
  }
}

/**
 * Publishes numbered observations with QoS 1, in native batches: at a fixed rate (`run`) or as
 * fast as the broker acknowledges them with a bounded number of messages in flight (`flood`).
 * By default it alternates a radio sensor (Wi-Fi sightings) and a camera sensor (line counts) and
 * number n is stamped `at = base + n` ms, so the database says which numbers it holds; with
 * `stamp: 'now'` each observation carries its publish time instead (latency). Remembers which
 * numbers the broker acknowledged (`acked`; only `ackedCount` with `trackAcked: false`).
 */
export class Publisher {
  readonly acked = new Set<number>();
  ackedCount = 0;
  published = 0;
  errors = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void>[] = [];
  private message = 0;

  private constructor(
    private readonly client: MqttClient,
    readonly options: PublisherOptions &
      Required<Pick<PublisherOptions, 'batch' | 'devices' | 'kinds' | 'stamp' | 'trackAcked'>>,
  ) {}

  static async connect(url: string, options: PublisherOptions): Promise<Publisher> {
    const client = await connectAsync(url, {
      clientId: `faults-publisher-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 200,
      connectTimeout: 2000,
    });
    client.on('error', () => undefined); // reconnects on its own; errors are counted per publish
    return new Publisher(client, {
      batch: 50,
      devices: 500,
      kinds: 'alternate',
      stamp: 'number',
      trackAcked: true,
      ...options,
    });
  }

  /** Publishes `perSecond` observations a second for `seconds` (resolves when all are sent). */
  run(perSecond: number, seconds: number): Promise<void> {
    const total = this.published + Math.round(perSecond * seconds);
    const first = this.published;
    const start = Date.now();
    return new Promise((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, first + Math.floor(((Date.now() - start) / 1000) * perSecond));
        while (this.published < due) {
          const from = this.published;
          const count = Math.min(this.options.batch, due - from);
          this.sending.push(this.send(from, count));
          this.published += count;
        }
        if (this.published >= total) {
          if (this.timer) clearInterval(this.timer);
          this.timer = null;
          resolve();
        }
      };
      this.timer = setInterval(tick, 20);
    });
  }

  /**
   * Publishes `count` more observations as fast as the broker acknowledges them, with at most
   * `window` messages unacknowledged; resolves when the last one is acknowledged (or failed).
   */
  async flood(count: number, window: number): Promise<void> {
    const total = this.published + count;
    const lane = async (): Promise<void> => {
      while (this.published < total) {
        const from = this.published;
        const n = Math.min(this.options.batch, total - from);
        this.published += n;
        await this.send(from, n);
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
  }

  /** Waits until every publish has been acknowledged or failed (bounded). */
  async settle(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled(this.sending), sleep(timeoutMs)]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client.endAsync(true);
  }

  private send(from: number, count: number): Promise<void> {
    const { kinds, radioTopic, cameraTopic, stamp, base } = this.options;
    const kind = kinds === 'radio' || this.message % 2 === 0 ? 'radio' : 'camera';
    const radioTopics = this.options.radioTopics ?? [radioTopic];
    const topic =
      kind === 'radio'
        ? radioTopics[Math.floor(this.message / (kinds === 'radio' ? 1 : 2)) % radioTopics.length]!
        : cameraTopic;
    this.message += 1;
    const now = Date.now();
    const observations = [];
    for (let n = from; n < from + count; n += 1) {
      const at = stamp === 'now' ? now : base + n;
      observations.push(
        kind === 'radio'
          ? {
              kind: 'wifi',
              at,
              mac: macFor(n % this.options.devices),
              rssi: -55 - (n % 20),
              channel: 6,
            }
          : { kind: 'camera', at, lineId: 'door', entries: 1, exits: 0, intervalStart: at - 1000 },
      );
    }
    return this.client.publishAsync(topic, JSON.stringify({ v: 1, observations }), { qos: 1 }).then(
      () => {
        this.ackedCount += count;
        if (this.options.trackAcked) for (let n = from; n < from + count; n += 1) this.acked.add(n);
      },
      () => {
        this.errors += 1;
      },
    );
  }
}

export interface PublisherOptions {
  radioTopic: string;
  cameraTopic: string;
  /** Number n is stamped `base + n` ms (with `stamp: 'number'`). */
  base: number;
  /** Observations per message (default 50). */
  batch?: number;
  /** Radio messages go round these topics in turn (default: `radioTopic` alone). */
  radioTopics?: string[];
  /** Distinct devices (MAC addresses) the radio observations cycle through (default 500). */
  devices?: number;
  /** `alternate` (default): radio and camera messages in turn; `radio`: radio messages only. */
  kinds?: 'alternate' | 'radio';
  /** `number` (default): `at = base + n`; `now`: `at` = the time of publishing. */
  stamp?: 'number' | 'now';
  /** Keep every acknowledged number in `acked` (default true); false: `ackedCount` only. */
  trackAcked?: boolean;
}

/** A universally administered (not randomised) MAC per device number (< 65,536). */
function macFor(device: number): string {
  return `00:16:3e:00:${(device >> 8).toString(16).padStart(2, '0')}:${(device & 0xff).toString(16).padStart(2, '0')}`;
}

export interface Tally {
  scenario: string;
  published: number;
  acked: number;
  stored: number;
  duplicates: number;
  lost: number;
}

/** What the database holds of a publisher's numbers (from the scenario's sensors). */
export async function tally(
  database: PrivateDatabase,
  publisher: Publisher,
  scenario: string,
  sensors: string[],
  storeId = 'faults',
): Promise<Tally> {
  const rows = await database.query<{ n: string; c: number }>(
    `SELECT ((extract(epoch FROM at) * 1000)::bigint - $1::bigint)::text AS n, count(*)::int AS c
       FROM sightings WHERE store_id = $3 AND sensor_id = ANY($2) GROUP BY 1`,
    [publisher.options.base, sensors, storeId],
  );
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(Number(row.n), row.c);
  let duplicates = 0;
  for (const c of counts.values()) duplicates += c - 1;
  let lost = 0;
  for (const n of publisher.acked) if (!counts.has(n)) lost += 1;
  return {
    scenario,
    published: publisher.published,
    acked: publisher.acked.size,
    stored: counts.size,
    duplicates,
    lost,
  };
}

/**
 * Rows and distinct numbers the database holds of a publisher's numbers (`at = base + n`), counted
 * by the database: for runs too large to list every number. When every published number was
 * acknowledged, `acked - distinct` is exactly the number lost.
 */
export async function countStored(
  database: PrivateDatabase,
  publisher: Publisher,
  sensors: string[],
  storeId: string,
): Promise<{ rows: number; distinct: number }> {
  const base = publisher.options.base;
  const [row] = await database.query<{ rows: string; distinct: string }>(
    `SELECT count(*)::text AS rows, count(DISTINCT at)::text AS distinct
       FROM sightings
      WHERE store_id = $1 AND sensor_id = ANY($2)
        AND at >= to_timestamp($3::double precision / 1000)
        AND at < to_timestamp($4::double precision / 1000)`,
    [storeId, sensors, base, base + publisher.published],
  );
  return { rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0) };
}

export function formatTable(rows: Tally[]): string {
  const header = ['scenario', 'published', 'acked', 'stored', 'duplicates', 'lost'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.published),
    String(r.acked),
    String(r.stored),
    String(r.duplicates),
    String(r.lost),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
}

/**
 * A webhook receiver on a fixed port that can misbehave: `reset` resets every connection's second
 * request before answering (a keep-alive socket it "closed"), `stop()` takes it away (connections
 * refused) until `start()`.
 */
export class WebhookReceiver {
  readonly received: { id: string; at: number }[] = [];
  /** The webhook-id of every request it reset. */
  readonly resetIds: string[] = [];
  mode: 'ok' | 'reset' = 'ok';
  resets = 0;
  private server: HttpServer | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly port: number) {}

  static async create(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    const perSocket = new WeakMap<Socket, number>();
    const server = createHttpServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      req.resume();
      req.on('end', () => {
        if (this.mode === 'reset' && n >= 2) {
          this.resets += 1;
          this.resetIds.push(String(req.headers['webhook-id']));
          req.socket.resetAndDestroy();
          return;
        }
        this.received.push({ id: String(req.headers['webhook-id']), at: Date.now() });
        res.writeHead(200, { connection: 'keep-alive' });
        res.end('ok');
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.resetAndDestroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A private Mosquitto, a database of its own and the built core on them, in one temp folder. */
export interface FaultRig {
  folder: string;
  mosquitto: PrivateMosquitto;
  database: PrivateDatabase;
  core: CoreProcess;
  /** Stops all three; the folder (the core's log) stays when `keepFolder`. */
  close(keepFolder?: boolean): Promise<void>;
}

/**
 * Starts a rig: Mosquitto with the repository's example `mosquitto.conf` on a free port, a fresh
 * database on `databaseUrl`, and `apps/core/dist/main.js` with the store file `config` (demo off,
 * logs to `<folder>/core.log`); `env` adds to or overrides the core's environment.
 */
export async function startRig(options: {
  repoRoot: string;
  prefix: string;
  databaseUrl: string;
  config: string;
  env?: NodeJS.ProcessEnv;
  /** Node.js options of the core (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<FaultRig> {
  const folder = await mkdtemp(join(tmpdir(), options.prefix));
  const mosquitto = await PrivateMosquitto.create(
    folder,
    join(options.repoRoot, 'deploy', 'mosquitto', 'mosquitto.conf'),
  );
  await mosquitto.start();
  const database = await PrivateDatabase.create(options.databaseUrl);
  const core = new CoreProcess({
    main: join(options.repoRoot, 'apps', 'core', 'dist', 'main.js'),
    port: await freePort(),
    logPath: join(folder, 'core.log'),
    nodeArgs: options.nodeArgs,
    env: {
      PATH: process.env['PATH'],
      TZ: 'UTC',
      DATABASE_URL: database.url,
      MQTT_URL: mosquitto.url,
      AISLE_DATA_DIR: join(folder, 'data'),
      AISLE_DEMO: 'false',
      AISLE_CONFIG: options.config,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  await core.start();
  return {
    folder,
    mosquitto,
    database,
    core,
    async close(keepFolder = false) {
      await core.close();
      await mosquitto.close();
      await database.drop();
      if (!keepFolder) await rm(folder, { recursive: true, force: true });
    },
  };
}
