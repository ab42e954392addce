import type { DataSource } from 'typeorm';
import { purgeOrphanSightings, purgeSightings, purgeWebhookMessages } from './purge.js';
import { openTestDatabase } from './testing.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1, 12);

describe(purgeSightings.name, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase();
    ds = database.dataSource;
  });

  afterAll(() => database.close());

  async function insert(storeId: string, ageHours: number, subject: string | null): Promise<void> {
    const at = new Date(NOW - ageHours * HOUR);
    await ds.query(
      `INSERT INTO sightings (store_id, sensor_id, kind, at, period, subject, entries) VALUES ($1, 's', $2, $3, $3, $4, $5)`,
      [storeId, subject ? 'wifi' : 'camera', at, subject, subject ? null : 1],
    );
  }

  async function remaining(): Promise<{ store_id: string; subject: string | null }[]> {
    return ds.query('SELECT store_id, subject FROM sightings ORDER BY store_id, at');
  }

  it('deletes device rows past their retention and counts past theirs, in that store only', async () => {
    await ds.query(
      `INSERT INTO stores (id, name, timezone, width, height) VALUES ('a', 'A', 'UTC', 10, 10), ('b', 'B', 'UTC', 10, 10)`,
    );
    await insert('a', 30, 'old-device');
    await insert('a', 2, 'new-device');
    await insert('a', 30, null);
    await insert('a', 24 * 500, null);
    await insert('b', 30, 'other-store');
    const deleted = await purgeSightings(ds, {
      storeId: 'a',
      deviceBefore: NOW - 24 * HOUR,
      countsBefore: NOW - 400 * 24 * HOUR,
    });
    expect(deleted).toBe(2);
    expect(await remaining()).toEqual([
      { store_id: 'a', subject: null },
      { store_id: 'a', subject: 'new-device' },
      { store_id: 'b', subject: 'other-store' },
    ]);
  });

  it('deletes every sighting of a store that no longer exists', async () => {
    await insert('gone', 1, 'x');
    await insert('gone', 1, null);
    expect(await purgeOrphanSightings(ds)).toBe(2);
    expect((await remaining()).some((r) => r.store_id === 'gone')).toBe(false);
  });
});

describe(purgeWebhookMessages.name, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase();
    ds = database.dataSource;
    await ds.query(
      `INSERT INTO stores (id, name, timezone, width, height) VALUES ('a', 'A', 'UTC', 10, 10), ('b', 'B', 'UTC', 10, 10)`,
    );
  });

  afterAll(() => database.close());

  async function message(
    id: string,
    storeId: string | null,
    status: string,
    ageHours: number,
  ): Promise<void> {
    const at = new Date(NOW - ageHours * HOUR);
    await ds.query(
      `INSERT INTO webhook_messages (id, subscription_id, event_id, event_type, store_id, body, status, attempts, next_attempt_at, created_at)
       VALUES ($1, 'sub', $1, 'visit.ended', $2, '{"subject":"x"}', $3, 1, $4, $4)`,
      [id, storeId, status, at],
    );
    await ds.query(
      `INSERT INTO webhook_attempts (message_id, subscription_id, attempt, at, outcome, latency_ms) VALUES ($1, 'sub', 1, $2, 'delivered', 5)`,
      [id, at],
    );
  }

  async function left(): Promise<{ messages: string[]; attempts: string[] }> {
    const m: { id: string }[] = await ds.query('SELECT id FROM webhook_messages ORDER BY id');
    const a: { message_id: string }[] = await ds.query(
      'SELECT message_id FROM webhook_attempts ORDER BY message_id',
    );
    return { messages: m.map((r) => r.id), attempts: a.map((r) => r.message_id) };
  }

  it('deletes a store’s finished messages past device retention with their attempts; pending ones stay', async () => {
    await message('a-old-delivered', 'a', 'delivered', 30);
    await message('a-old-failed', 'a', 'failed', 30);
    await message('a-old-pending', 'a', 'pending', 30);
    await message('a-new-delivered', 'a', 'delivered', 2);
    await message('b-old-delivered', 'b', 'delivered', 30);
    const deleted = await purgeWebhookMessages(ds, { storeId: 'a', before: NOW - 24 * HOUR });
    expect(deleted).toBe(2);
    const expected = ['a-new-delivered', 'a-old-pending', 'b-old-delivered'];
    expect(await left()).toEqual({ messages: expected, attempts: expected });
  });

  it('deletes finished messages of no store or of a deleted store after the storeless horizon', async () => {
    await message('none-old', null, 'delivered', 24 * 8);
    await message('gone-old', 'gone', 'failed', 24 * 8);
    await message('none-new', null, 'delivered', 24);
    const deleted = await purgeWebhookMessages(ds, { storelessBefore: NOW - 7 * 24 * HOUR });
    expect(deleted).toBe(2);
    const { messages, attempts } = await left();
    expect(messages).toContain('none-new');
    expect(messages).not.toContain('none-old');
    expect(messages).not.toContain('gone-old');
    expect(attempts).not.toContain('gone-old');
    expect(messages).toContain('b-old-delivered');
  });
});
