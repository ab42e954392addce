/**
 * Fault suite (`npm run test:faults`): an observation the broker acknowledged to its sensor is in
 * the database exactly once, through a broker restart, a core crash, a database outage, a webhook
 * receiver outage and a shutdown under load. Real Mosquitto (a private one, so it can be
 * restarted), the CI PostgreSQL (a database of its own), the built core as a child process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreProcess,
  formatTable,
  freePort,
  PrivateDatabase,
  PrivateMosquitto,
  Publisher,
  sleep,
  tally,
  waitFor,
  type Tally,
} from './harness.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CI = process.env['CI'] === 'true';
const DATABASE_URL = process.env['DATABASE_URL'];
const haveServices = PrivateMosquitto.available() && DATABASE_URL !== undefined;
if (CI && !haveServices) {
  throw new Error(
    `the fault suite needs ${PrivateMosquitto.available() ? '' : 'the mosquitto binary '}${DATABASE_URL ? '' : 'DATABASE_URL (PostgreSQL)'}: with CI=true it fails rather than skips`,
  );
}
const describeWithServices = haveServices ? describe : describe.skip;

/** Observations a second in the scenarios without a rate of their own. */
const RATE = 2000;
/** How long the core may take to store everything the broker acknowledged, after the fault. */
const CATCH_UP_MS = 90_000;

describeWithServices('durability under faults', () => {
  let folder: string;
  let mosquitto: PrivateMosquitto;
  let database: PrivateDatabase;
  let core: CoreProcess;
  const table: Tally[] = [];
  /** The folder (logs) is kept unless every scenario passed. */
  let passed = 0;
  const expected = 4;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aisle-faults-'));
    mosquitto = await PrivateMosquitto.create(
      folder,
      join(REPO_ROOT, 'deploy', 'mosquitto', 'mosquitto.conf'),
    );
    await mosquitto.start();
    database = await PrivateDatabase.create(DATABASE_URL!);
    core = new CoreProcess({
      main: join(REPO_ROOT, 'apps', 'core', 'dist', 'main.js'),
      port: await freePort(),
      logPath: join(folder, 'core.log'),
      env: {
        PATH: process.env['PATH'],
        TZ: 'UTC',
        DATABASE_URL: database.url,
        MQTT_URL: mosquitto.url,
        AISLE_DATA_DIR: join(folder, 'data'),
        AISLE_DEMO: 'false',
        AISLE_CONFIG: join(REPO_ROOT, 'test', 'faults', 'faults-store.yaml'),
        AISLE_ADMIN_KEY: `ak_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`,
        AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
    });
    await core.start();
  }, 120_000);

  afterAll(async () => {
    process.stdout.write(
      `\nFault suite: every number the broker acknowledged must be stored exactly once\n${formatTable(table)}\n(core log: ${join(folder, 'core.log')})\n\n`,
    );
    await core?.close();
    await mosquitto?.close();
    await database?.drop();
    if (passed === expected) {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);

  /** Runs one scenario: publish at `rate` for `seconds` while `fault` runs, then check the DB. */
  async function scenario(
    name: string,
    index: number,
    { rate, seconds }: { rate: number; seconds: number },
    fault: () => Promise<void>,
  ): Promise<Tally> {
    const publisher = await Publisher.connect(mosquitto.url, {
      radioTopic: `aisle/faults/radio-s${index}/observations`,
      cameraTopic: `aisle/faults/cam-s${index}/observations`,
      base: Date.now() - 15 * 60_000,
    });
    const sensors = [`radio-s${index}`, `cam-s${index}`];
    try {
      await Promise.all([publisher.run(rate, seconds), fault()]);
      await publisher.settle(30_000);
      let result = await tally(database, publisher, name, sensors);
      try {
        await waitFor(
          `${name}: every acknowledged number stored`,
          async () => {
            result = await tally(database, publisher, name, sensors);
            const ingest = await core.ingest();
            return result.lost === 0 && ingest?.backlogRows === 0 && ingest.spilledRows === 0;
          },
          CATCH_UP_MS,
          500,
        );
      } catch {
        // The table shows what is missing.
      }
      table.push(result);
      return result;
    } finally {
      await publisher.close();
    }
  }

  it('1. broker restarted mid-stream', async () => {
    const result = await scenario('1 broker restart', 1, { rate: RATE, seconds: 12 }, async () => {
      await sleep(4000);
      await mosquitto.stop();
      await mosquitto.start();
    });
    expect(result.acked).toBeGreaterThan(0);
    expect({ lost: result.lost, duplicates: result.duplicates }).toEqual({ lost: 0, duplicates: 0 });
    passed += 1;
  }, 180_000);

  it('2. core killed with SIGKILL mid-stream, started again after 10 s', async () => {
    const result = await scenario('2 core SIGKILL', 2, { rate: RATE, seconds: 20 }, async () => {
      await sleep(4000);
      await core.stop('SIGKILL');
      await sleep(10_000);
      await core.start();
    });
    expect(result.acked).toBeGreaterThan(0);
    expect({ lost: result.lost, duplicates: result.duplicates }).toEqual({ lost: 0, duplicates: 0 });
    passed += 1;
  }, 240_000);

  it('3. PostgreSQL connections terminated and refused for 30 s at 4,000 obs/s', async () => {
    let degraded: { status: string; details?: Record<string, unknown> } | undefined;
    const result = await scenario('3 PostgreSQL outage', 3, { rate: 4000, seconds: 40 }, async () => {
      await sleep(4000);
      await database.takeAway();
      const back = Date.now() + 30_000;
      try {
        degraded = await waitFor(
          '/health to report degraded',
          async () => {
            const health = await core.health();
            return health.status === 'degraded' ? health : null;
          },
          20_000,
          250,
        );
        await sleep(Math.max(0, back - Date.now()));
      } finally {
        await database.bringBack();
      }
    });
    expect(degraded?.details?.['ingest']).toMatchObject({ state: 'degraded' });
    expect(result.acked).toBeGreaterThan(100_000);
    expect({ lost: result.lost, duplicates: result.duplicates }).toEqual({ lost: 0, duplicates: 0 });
    passed += 1;
  }, 300_000);

  it('5. SIGTERM under load, started again', async () => {
    const result = await scenario('5 SIGTERM', 5, { rate: RATE, seconds: 12 }, async () => {
      await sleep(4000);
      await core.stop('SIGTERM');
      await core.start();
    });
    expect(result.acked).toBeGreaterThan(0);
    expect({ lost: result.lost, duplicates: result.duplicates }).toEqual({ lost: 0, duplicates: 0 });
    passed += 1;
  }, 180_000);
});
