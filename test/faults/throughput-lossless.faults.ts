/**
 * The short CI version of `npm run bench -- e2e` (in `npm run test:faults`): the built core as a
 * child process, a private Mosquitto, a database of its own; 10 s of 200-observation QoS 1
 * messages at a moderate rate, then every observation the broker acknowledged to the publisher
 * must be in the database exactly once and no drop counter may have moved. No timing assertion:
 * the rate is what the publisher offers, the check waits (bounded) until the core has caught up.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startRig,
  type FaultRig,
  CoreProcess,
  formatTable,
  PrivateDatabase,
  PrivateMosquitto,
  Publisher,
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
    `the lossless throughput test needs ${PrivateMosquitto.available() ? '' : 'the mosquitto binary '}${DATABASE_URL ? '' : 'DATABASE_URL (PostgreSQL)'}: with CI=true it fails rather than skips`,
  );
}
const describeWithServices = haveServices ? describe : describe.skip;

/** Observations a second: a busy store (ARCHITECTURE.md, Scale) at half its rate. */
const RATE = 5000;
const SECONDS = 10;
const STORE = 'bench';
const SENSORS = ['ci-1', 'ci-2'];

describeWithServices('throughput, lossless (short version of the e2e bench)', () => {
  let folder: string;
  let mosquitto: PrivateMosquitto;
  let database: PrivateDatabase;
  let core: CoreProcess;
  let rig: FaultRig | undefined;
  let ok = false;

  beforeAll(async () => {
    rig = await startRig({
      repoRoot: REPO_ROOT,
      prefix: 'aisle-throughput-',
      databaseUrl: DATABASE_URL!,
      config: join(REPO_ROOT, 'test', 'bench', 'e2e-store.yaml'),
      env: {
        AISLE_ADMIN_KEY: `ak_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`,
      },
    });
    ({ folder, mosquitto, database, core } = rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close(!ok);
    if (!ok) process.stdout.write(`(core log kept: ${join(folder, 'core.log')})\n`);
  }, 60_000);

  it(`stores every acknowledged observation of ${SECONDS} s at ${RATE} obs/s in 200-observation messages`, async () => {
    const publisher = await Publisher.connect(mosquitto.url, {
      radioTopic: `aisle/${STORE}/${SENSORS[0]}/observations`,
      radioTopics: SENSORS.map((s) => `aisle/${STORE}/${s}/observations`),
      cameraTopic: `aisle/${STORE}/${SENSORS[0]}/observations`,
      kinds: 'radio',
      batch: 200,
      devices: 2000,
      base: Date.now() - 120_000 - RATE * SECONDS,
    });
    let result: Tally;
    try {
      await publisher.run(RATE, SECONDS);
      await publisher.settle(60_000);
      result = await tally(database, publisher, 'lossless', SENSORS, STORE);
      await waitFor(
        'every acknowledged observation stored',
        async () => {
          result = await tally(database, publisher, 'lossless', SENSORS, STORE);
          return result.lost === 0;
        },
        120_000,
        500,
      ).catch(() => undefined); // the table and the assertions say what is missing
    } finally {
      await publisher.close();
    }
    const dropped = {
      sightings: await core.metric('aisle_sightings_dropped_total'),
      observations: await core.metric('aisle_observations_dropped_total'),
    };
    process.stdout.write(
      `\n${formatTable([result])}\ndropped counters: ${JSON.stringify(dropped)}\n`,
    );
    expect(publisher.errors).toBe(0);
    expect(result.acked).toBe(RATE * SECONDS);
    expect({ lost: result.lost, duplicates: result.duplicates, dropped }).toEqual({
      lost: 0,
      duplicates: 0,
      dropped: { sightings: 0, observations: 0 },
    });
    ok = true;
  }, 240_000);
});
