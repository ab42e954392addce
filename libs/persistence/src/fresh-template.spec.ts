import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, ensureFreshTemplate, openDatabase } from './data-source.js';
import { freshTemplateDirPath, freshTemplatePath } from './fresh-template.js';
import { MIGRATIONS } from './migrations/index.js';

describe('a new embedded data directory', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-fresh-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from the migrated dump and keeps what is written across a restart', async () => {
    await ensureFreshTemplate();
    expect(existsSync(freshTemplatePath())).toBe(true);
    // …and as a cleanly closed data directory, which a new data directory is a copy of.
    expect(existsSync(join(freshTemplateDirPath(), 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(freshTemplateDirPath(), 'postmaster.pid'))).toBe(false);
    // The hub's own files (its lock) are already in the folder.
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'aisle.lock'), 'pid');
    const first = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      const rows: { n: number }[] = await first.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
      // The template databases were dropped from the template (the hub's database is postgres).
      const databases: { datname: string }[] = await first.query('SELECT datname FROM pg_database');
      expect(databases.map((d) => d.datname)).toEqual(['postgres']);
      await first.query(`INSERT INTO migrations (timestamp, name) VALUES (1, 'probe')`);
      // The copy is open, not the template.
      expect(existsSync(join(dir, 'data', 'postmaster.pid'))).toBe(true);
      expect(existsSync(join(freshTemplateDirPath(), 'postmaster.pid'))).toBe(false);
    } finally {
      await closeDatabase(first);
    }
    expect(existsSync(join(dir, 'data', 'PG_VERSION'))).toBe(true);
    expect(await readFile(join(dir, 'data', 'aisle.lock'), 'utf8')).toBe('pid');
    const again = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      const rows: { n: number }[] = await again.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length + 1);
    } finally {
      await closeDatabase(again);
    }
  }, 180_000);
});
