// `npm run bench -- persist`: sighting write throughput. PostgreSQL when DATABASE_URL is set (in a
// fresh schema, dropped at the end), else in-memory PGlite. (a) baseline: plain multi-row INSERTs
// of 1000 rows through `pg` (PGlite: the data source's query); (b) SightingWriter enqueue + flush
// of the same rows, with its default method (COPY), and with `method: 'insert'` for comparison.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  closeDatabase,
  databaseKind,
  openDatabase,
  SightingWriter,
  type SightingWriteMethod,
} from '@aisle/persistence';
import type { Sighting } from '@aisle/sdk';

const BATCH = 1000;
const COLUMNS = [
  'store_id',
  'sensor_id',
  'kind',
  'at',
  'period',
  'subject',
  'rssi',
  'randomized',
  'beacon',
  'channel',
  'tx_power',
  'fingerprint',
  'line_id',
  'zone_id',
  'entries',
  'exits',
  'occupancy',
  'interval_start',
];

function sightings(count: number): Sighting[] {
  const t0 = Date.UTC(2026, 0, 1, 9);
  const period = t0 - (t0 % 86_400_000);
  return Array.from({ length: count }, (_, i): Sighting => {
    if (i % 20 === 19) {
      return {
        storeId: 'bench',
        sensorId: `cam-${i % 4}`,
        kind: 'camera',
        at: t0 + i,
        period,
        lineId: 'door',
        entries: i % 7,
        exits: i % 5,
        intervalStart: t0 + i - 60_000,
      };
    }
    return {
      storeId: 'bench',
      sensorId: `s-${i % 50}`,
      kind: i % 3 === 0 ? 'ble' : 'wifi',
      at: t0 + i,
      period,
      subject: `${(i % 5000).toString(16).padStart(8, '0')}a1b2c3d4e5f60718`,
      rssi: -40 - (i % 50),
      randomized: i % 2 === 0,
      channel: 1 + (i % 11),
    };
  });
}

/** The same row layout the writer uses, built by hand: the "no library" baseline. */
function parameters(batch: readonly Sighting[]): unknown[] {
  const out: unknown[] = [];
  for (const s of batch) {
    const radio = s.kind !== 'camera';
    out.push(
      s.storeId,
      s.sensorId,
      s.kind,
      new Date(s.at).toISOString(),
      new Date(s.period).toISOString(),
      s.subject ?? null,
      radio ? s.rssi : null,
      radio ? s.randomized : false,
      radio ? (s.beacon ?? false) : false,
      radio ? (s.channel ?? null) : null,
      radio ? (s.txPower ?? null) : null,
      radio ? (s.fingerprint ?? null) : null,
      radio ? null : (s.lineId ?? null),
      radio ? null : (s.zoneId ?? null),
      radio ? null : (s.entries ?? null),
      radio ? null : (s.exits ?? null),
      radio ? null : (s.occupancy ?? null),
      radio || s.intervalStart === undefined ? null : new Date(s.intervalStart).toISOString(),
    );
  }
  return out;
}

function insertSql(rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    tuples.push(`(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
  }
  return `INSERT INTO sightings (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

export default async function run() {
  const url = process.env.DATABASE_URL;
  const rows = Number(process.env.BENCH_ROWS ?? (url ? 200_000 : 50_000));
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataSource = await openDatabase(url ? { url, schema } : {});
  const database = databaseKind(dataSource);
  const input = sightings(rows);
  const count = async () =>
    Number((await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM sightings'))[0]!.n);
  const reset = () => dataSource.query('TRUNCATE sightings');
  try {
    // (a) baseline: multi-row INSERTs of 1000, one statement at a time.
    const client = url
      ? new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
      : null;
    await client?.connect();
    const query = (sql: string, params: unknown[]) =>
      client ? client.query(sql, params) : dataSource.query(sql, params);
    const full = insertSql(BATCH);
    const baseline = async (part: readonly Sighting[]) => {
      for (let i = 0; i < part.length; i += BATCH) {
        const batch = part.slice(i, i + BATCH);
        await query(batch.length === BATCH ? full : insertSql(batch.length), parameters(batch));
      }
    };
    await baseline(input.slice(0, 5 * BATCH)); // warm-up
    await reset();
    const baselineSeconds = await timed(() => baseline(input));
    await client?.end();
    if ((await count()) !== rows) throw new Error('baseline wrote the wrong number of rows');

    // (b) the writer: enqueue everything, then flush.
    const writerRun = async (method: SightingWriteMethod) => {
      await reset();
      const writer = new SightingWriter(dataSource, {
        method,
        batchSize: BATCH,
        maxBuffered: rows,
        onError: (error) => {
          throw error;
        },
      });
      const seconds = await timed(async () => {
        for (let i = 0; i < input.length; i += 100) writer.enqueue(input.slice(i, i + 100));
        await writer.flush();
      });
      await writer.close();
      if ((await count()) !== rows || writer.dropped !== 0 || writer.failedAttempts !== 0) {
        throw new Error(`writer (${method}) lost rows or failed`);
      }
      return seconds;
    };
    await writerRun('insert'); // warm-up
    const writerInsertSeconds = await writerRun('insert');
    const writerSeconds = await writerRun('auto');

    // (c) as the hub writes MQTT messages (50 observations each, `stored()` per message), with and
    // without the message receipts committed in the rows' transaction (exactly once through a
    // crash). Interleaved, best of two each, so the ratio compares runs under the same load.
    const messageRun = async (receipts: boolean) => {
      await reset();
      await dataSource.query('TRUNCATE message_receipt_batches');
      const writer = new SightingWriter(dataSource, { batchSize: BATCH, maxBuffered: rows });
      let packetId = 0;
      const seconds = await timed(async () => {
        for (let i = 0; i < input.length; i += 50) {
          writer.enqueue(input.slice(i, i + 50));
          packetId = (packetId % 65535) + 1;
          void writer.stored(
            receipts ? { session: 'bench-hub', packetId, key: `k${i}` } : undefined,
          );
        }
        await writer.flush();
      });
      await writer.close();
      if ((await count()) !== rows || writer.failedAttempts !== 0) {
        throw new Error(`writer (receipts: ${receipts}) lost rows or failed`);
      }
      return seconds;
    };
    const plain: number[] = [];
    const withReceipts: number[] = [];
    for (let round = 0; round < 2; round += 1) {
      plain.push(await messageRun(false));
      withReceipts.push(await messageRun(true));
    }
    const messagesRowsPerSecond = Math.round(rows / Math.min(...plain));
    const receiptsRowsPerSecond = Math.round(rows / Math.min(...withReceipts));

    const baselineRowsPerSecond = Math.round(rows / baselineSeconds);
    const writerRowsPerSecond = Math.round(rows / writerSeconds);
    return {
      database,
      rows,
      batch: BATCH,
      baselineRowsPerSecond,
      writerRowsPerSecond,
      ratio: Number((writerRowsPerSecond / baselineRowsPerSecond).toFixed(2)),
      writerMethod: 'auto (COPY)',
      writerInsertRowsPerSecond: Math.round(rows / writerInsertSeconds),
      messagesRowsPerSecond,
      receiptsRowsPerSecond,
      receiptsRatio: Number((receiptsRowsPerSecond / messagesRowsPerSecond).toFixed(2)),
    };
  } finally {
    if (database === 'postgres') await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await closeDatabase(dataSource);
  }
}
