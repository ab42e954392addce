import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { closeDatabase, ensureFreshTemplate, openDatabase } from './data-source.js';
import { startEmbeddedDatabase } from './embedded-start.js';
import { freshTemplateDirPath } from './fresh-template.js';
import { MIGRATIONS } from './migrations/index.js';

async function files(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await files(root, path)));
    else found.push(relative(root, path));
  }
  return found.sort();
}

describe('an embedded database started before TypeORM loads (npm start)', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureFreshTemplate();
  }, 180_000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-early-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the template in a worker, opens it, and openDatabase migrates and uses it', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'aisle.lock'), 'pid');
    const started = startEmbeddedDatabase(data);
    expect(started.fresh).toBe(true);
    expect(started.before).toEqual(['aisle.lock']);
    expect(await started.opened).toBe(true);
    // Every file of the template was copied (PGlite has added its own since: postmaster.pid…).
    const copied = new Set(await files(data));
    for (const file of await files(freshTemplateDirPath())) expect(copied.has(file)).toBe(true);
    const db = await openDatabase({ dataDir: data, started });
    try {
      const rows: { n: number }[] = await db.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
      await db.query(`INSERT INTO migrations (timestamp, name) VALUES (1, 'probe')`);
    } finally {
      await closeDatabase(db);
    }
    expect(await readFile(join(data, 'aisle.lock'), 'utf8')).toBe('pid');
    // An existing folder: opened as it is, what was written is still there.
    const again = startEmbeddedDatabase(data);
    expect(again.fresh).toBe(false);
    const reopened = await openDatabase({ dataDir: data, started: again });
    try {
      const rows: { n: number }[] = await reopened.query(
        'SELECT count(*)::int AS n FROM migrations',
      );
      expect(rows[0]?.n).toBe(MIGRATIONS.length + 1);
    } finally {
      await closeDatabase(reopened);
    }
  }, 180_000);

  it('copies again over a copy cut short (PG_VERSION is copied last)', async () => {
    const data = join(dir, 'data');
    await cp(freshTemplateDirPath(), data, {
      recursive: true,
      filter: (source) => !source.endsWith('PG_VERSION'),
    });
    expect(existsSync(join(data, 'PG_VERSION'))).toBe(false);
    const started = startEmbeddedDatabase(data);
    expect(started.fresh).toBe(true);
    const db = await openDatabase({ dataDir: data, started });
    try {
      const rows: { n: number }[] = await db.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
    } finally {
      await closeDatabase(db);
    }
  }, 180_000);

  it('refuses a start made for another folder', async () => {
    const started = startEmbeddedDatabase(join(dir, 'a'));
    await expect(openDatabase({ dataDir: join(dir, 'b'), started })).rejects.toThrow(
      'started applies to its own PGlite data directory only',
    );
    // The start itself completes; close what it opened.
    expect(await started.opened).toBe(true);
    await closeDatabase(await openDatabase({ dataDir: join(dir, 'a'), started }));
  }, 180_000);
});
