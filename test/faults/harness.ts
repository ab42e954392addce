import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { userInfo } from 'node:os';
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
    },
  ) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.log = createWriteStream(options.logPath, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [this.options.main], {
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
      200,
    );
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

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    this.log.end();
  }
}

/**
 * Publishes numbered observations at a fixed rate with QoS 1, in native batches, alternating a
 * radio sensor (Wi-Fi sightings) and a camera sensor (line counts). Number n is stamped
 * `at = base + n` ms, so the database says which numbers it holds. Remembers which numbers the
 * broker acknowledged.
 */
export class Publisher {
  readonly acked = new Set<number>();
  published = 0;
  errors = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void>[] = [];

  private constructor(
    private readonly client: MqttClient,
    readonly options: {
      radioTopic: string;
      cameraTopic: string;
      base: number;
      batch: number;
    },
  ) {}

  static async connect(
    url: string,
    options: { radioTopic: string; cameraTopic: string; base: number; batch?: number },
  ): Promise<Publisher> {
    const client = await connectAsync(url, {
      clientId: `faults-publisher-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 200,
      connectTimeout: 2000,
    });
    client.on('error', () => undefined); // reconnects on its own; errors are counted per publish
    return new Publisher(client, { batch: 50, ...options });
  }

  /** Publishes `perSecond` observations a second for `seconds` (resolves when all are sent). */
  run(perSecond: number, seconds: number): Promise<void> {
    const total = Math.round(perSecond * seconds);
    const start = Date.now();
    let message = 0;
    return new Promise((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * perSecond));
        while (this.published < due) {
          const from = this.published;
          const count = Math.min(this.options.batch, due - from);
          this.send(from, count, message % 2 === 0 ? 'radio' : 'camera');
          message += 1;
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

  /** Waits until every publish has been acknowledged or failed (bounded). */
  async settle(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled(this.sending), sleep(timeoutMs)]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client.endAsync(true);
  }

  private send(from: number, count: number, kind: 'radio' | 'camera'): void {
    const observations = [];
    for (let n = from; n < from + count; n += 1) {
      const at = this.options.base + n;
      observations.push(
        kind === 'radio'
          ? { kind: 'wifi', at, mac: macFor(n), rssi: -55 - (n % 20), channel: 6 }
          : { kind: 'camera', at, lineId: 'door', entries: 1, exits: 0, intervalStart: at - 1000 },
      );
    }
    const topic = kind === 'radio' ? this.options.radioTopic : this.options.cameraTopic;
    const sent = this.client
      .publishAsync(topic, JSON.stringify({ v: 1, observations }), { qos: 1 })
      .then(
        () => {
          for (let n = from; n < from + count; n += 1) this.acked.add(n);
        },
        () => {
          this.errors += 1;
        },
      );
    this.sending.push(sent);
  }
}

/** A universally administered (not randomised) MAC per number, from a pool of 500 devices. */
function macFor(n: number): string {
  const device = n % 500;
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

/** What the database holds of a publisher's numbers (from the scenario's two sensors). */
export async function tally(
  database: PrivateDatabase,
  publisher: Publisher,
  scenario: string,
  sensors: string[],
): Promise<Tally> {
  const rows = await database.query<{ n: string; c: number }>(
    `SELECT ((extract(epoch FROM at) * 1000)::bigint - $1::bigint)::text AS n, count(*)::int AS c
       FROM sightings WHERE store_id = 'faults' AND sensor_id = ANY($2) GROUP BY 1`,
    [publisher.options.base, sensors],
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
