import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeDatabase,
  freshDataDirTemplate,
  openDatabase,
  pgliteTemplatePath,
} from './data-source.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

describe(freshDataDirTemplate.name, () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-template-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => {
    // What `npm install` and the build do once per PGlite version.
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'pglite-template.mjs')], {
      env: { ...process.env, AISLE_QUIET_BUILD: '1' },
    });
  }, 120_000);
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('offers the template for an empty data folder only', () => {
    const path = pgliteTemplatePath();
    expect(path && existsSync(path)).toBe(true);
    expect(freshDataDirTemplate(undefined)).toBeUndefined();
    expect(freshDataDirTemplate(tempDir())).toBeInstanceOf(Blob);
    const existing = tempDir();
    writeFileSync(join(existing, 'PG_VERSION'), '18\n');
    expect(freshDataDirTemplate(existing)).toBeUndefined();
  });

  it('starts a fresh data folder from it, migrates, and keeps what was written', async () => {
    const dataDir = tempDir();
    const sut = await openDatabase({ dataDir });
    await sut.query(
      `INSERT INTO stores (id, name, timezone, width, height) VALUES ('t', 't', 'UTC', 1, 1)`,
    );
    await closeDatabase(sut);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    const again = await openDatabase({ dataDir });
    try {
      expect(await again.query(`SELECT id FROM stores`)).toEqual([{ id: 't' }]);
    } finally {
      await closeDatabase(again);
    }
  }, 120_000);
});
