import pg from 'pg';
import { openTestDatabase, type TestDatabase } from '@aisle/persistence';
import { PgOutboxChannel } from './pg-channel.js';

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// PostgreSQL only (LISTEN/NOTIFY); CI always has DATABASE_URL.
const url = process.env['DATABASE_URL'];
(url ? describe : describe.skip)(PgOutboxChannel.name, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('re-establishes LISTEN after its connection is terminated, wakes once to catch up, and hears notifications again', async () => {
    let wakes = 0;
    const sut = await PgOutboxChannel.open({
      dataSource: database.dataSource,
      url: url!,
      onWake: () => (wakes += 1),
      onError: () => undefined,
    });
    const other = await PgOutboxChannel.open({
      dataSource: database.dataSource,
      url: url!,
      onWake: () => undefined,
    });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const started = Date.now();
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [sut.applicationName],
      );
      await waitFor(() => sut.reconnects === 1, 5000);
      expect(Date.now() - started).toBeLessThan(2000); // capped back-off: about a second at most
      expect(wakes).toBe(1); // the catch-up wake

      await other.notify();
      await waitFor(() => wakes === 2, 3000);
    } finally {
      await admin.end();
      await other.close();
      await sut.close();
    }
  });
});
