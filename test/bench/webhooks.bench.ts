// `npm run bench -- webhooks`: webhook deliveries to a local receiver. PostgreSQL when
// DATABASE_URL is set (a fresh schema, dropped at the end), else in-memory PGlite (reported as
// such). (a) steady: 1,000 events/s for 10 s through the outbox and dispatcher, latency from the
// event's time to the receiver having the body (p50/p99/max); (b) burst: 5,000 events written at
// once, deliveries/s until all are delivered. (raw) the floor on the same machine in the same
// run: the same signed-size bodies POSTed straight to the same receiver with the same
// HttpDeliverer, no database — 1,000/s for 3 s (latency) and 5,000 at once (posts/s), with the
// ratios of the outbox figures to these.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDatabase, databaseKind, openDatabase } from '@aisle/persistence';
import { systemClock, type AisleEvent } from '@aisle/sdk';
import {
  AllowList,
  HttpDeliverer,
  WebhookDispatcher,
  WebhookOutbox,
  WebhookSubscriptions,
} from '@aisle/webhooks';

const RATE = 1000; // events/s
const STEADY_S = 10;
const BURST = 5000;
const RAW_STEADY_S = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export default async function bench(): Promise<object> {
  const url = process.env.DATABASE_URL;
  const schema = `bench_wh_${randomBytes(4).toString('hex')}`;
  const dataSource = await openDatabase(url ? { url, schema } : {});
  const latencies: number[] = [];
  let received = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      latencies.push(now - Date.parse(body.timestamp));
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const allow = AllowList.parse('127.0.0.1');
  const subscriptions = new WebhookSubscriptions({ dataSource, clock: systemClock, allow });
  await subscriptions.create(
    { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['sensor.online'] },
    { keyId: 'bench', admin: true, storeIds: [] },
  );
  const dispatcher: WebhookDispatcher = new WebhookDispatcher({
    dataSource,
    clock: systemClock,
    deliverer: new HttpDeliverer({ allow }),
    perSubscription: 64,
    maxInFlight: 128,
    onError: (e) => console.error(e),
  });
  const outbox = new WebhookOutbox({
    dataSource,
    clock: systemClock,
    onWritten: (messages) => dispatcher.offer(messages),
    onError: (e) => console.error(e),
  });
  dispatcher.start();
  let n = 0;
  const event = (): AisleEvent<'sensor.online'> => {
    n += 1;
    return {
      id: `evt_${n}`,
      type: 'sensor.online',
      storeId: 'bench',
      at: Date.now(),
      data: { sensorId: `s-${n}`, domain: 'bench' },
    };
  };
  const waitFor = async (count: number, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (received < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };

  // (a) steady rate: 10 events every 10 ms, scheduled against the wall clock (no drift).
  const started = Date.now();
  const total = RATE * STEADY_S;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
      while (sent < due) {
        outbox.handle(event());
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  await waitFor(total, 60_000);
  const steadyLatencies = [...latencies].sort((a, b) => a - b);
  const steady = {
    targetEventsPerSecond: RATE,
    seconds: STEADY_S,
    events: total,
    delivered: received,
    latencyMs: {
      p50: percentile(steadyLatencies, 50),
      p99: percentile(steadyLatencies, 99),
      max: steadyLatencies.at(-1),
    },
    goalP99Ms: 200,
  };

  // (b) burst: deliveries/s from a full outbox.
  const before = received;
  const events = Array.from({ length: BURST }, event);
  await outbox.write(events);
  const burstStart = Date.now();
  dispatcher.wake();
  await waitFor(before + BURST, 120_000);
  const burstSeconds = (Date.now() - burstStart) / 1000;
  const burst = {
    events: BURST,
    delivered: received - before,
    seconds: burstSeconds,
    deliveriesPerSecond: Math.round((received - before) / burstSeconds),
  };

  // (raw) the same HTTP path without the outbox: the floor under this run's load.
  const deliverer = new HttpDeliverer({ allow });
  const hook = `http://127.0.0.1:${port}/hook`;
  const post = (): Promise<unknown> =>
    deliverer.deliver({
      url: hook,
      headers: {},
      body: JSON.stringify({ type: 'sensor.online', timestamp: new Date().toISOString() }),
    });
  latencies.length = 0;
  const rawBefore = received;
  const rawTotal = RATE * RAW_STEADY_S;
  const rawStarted = Date.now();
  let rawSent = 0;
  const inFlight = new Set<Promise<unknown>>();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(rawTotal, Math.floor(((Date.now() - rawStarted) / 1000) * RATE));
      while (rawSent < due) {
        const p: Promise<unknown> = post().finally(() => inFlight.delete(p));
        inFlight.add(p);
        rawSent += 1;
      }
      if (rawSent >= rawTotal) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  await waitFor(rawBefore + rawTotal, 30_000);
  const rawLatencies = [...latencies].sort((a, b) => a - b);
  const rawBurstBefore = received;
  const rawBurstStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 128 }, async () => {
      while (next < BURST) {
        next += 1;
        await post();
      }
    }),
  );
  const rawBurstSeconds = (Date.now() - rawBurstStart) / 1000;
  deliverer.close();
  const rawP99 = percentile(rawLatencies, 99);
  const raw = {
    what: 'the same POSTs straight to the same receiver (HttpDeliverer, no database)',
    steadyLatencyMs: { p50: percentile(rawLatencies, 50), p99: rawP99 },
    postsPerSecond: Math.round((received - rawBurstBefore) / rawBurstSeconds),
  };

  await outbox.close();
  await dispatcher.stop();
  server.closeAllConnections();
  server.close();
  const kind = databaseKind(dataSource);
  if (url) await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
  await closeDatabase(dataSource);
  return {
    database:
      kind === 'pglite' ? 'PGlite (in memory; set DATABASE_URL for PostgreSQL)' : 'PostgreSQL',
    steady,
    burst,
    raw,
    ratios: {
      steadyP99ToRaw: Math.round((steady.latencyMs.p99 / Math.max(1, rawP99)) * 10) / 10,
      burstToRawPosts: Math.round((burst.deliveriesPerSecond / raw.postsPerSecond) * 100) / 100,
    },
  };
}
