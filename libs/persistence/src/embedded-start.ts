import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { freshTemplateDirPath } from './fresh-template.js';
import { Mutex } from './mutex.js';

// This file is the embedded database's start without TypeORM, class-validator or the entities
// (`@aisle/persistence/embedded`): `npm start` opens PGlite with it before it loads the rest of
// the hub, so the folder copy, PGlite's wasm compile and its file reads overlap that loading.

// PGlite's own parsers return bigint as a JS number and bytea as a Uint8Array; `pg` returns a
// string and a Buffer. Parse like `pg` so code behaves the same on both databases.
const PG_TYPE_BYTEA = 17; // pg_type oid of bytea
const PG_TYPE_INT8 = 20; // pg_type oid of bigint
export const PGLITE_PARSERS = {
  [PG_TYPE_INT8]: (text: string): string => text,
  [PG_TYPE_BYTEA]: (text: string): Buffer => Buffer.from(text.slice(2), 'hex'), // '\x0a1b…'
};

/**
 * typeorm-pglite keeps one PGlite database per process (a static): whether a data source holds
 * it (`live`), and the mutex that hands its single session to one query runner at a time.
 */
export const pgliteState = { mutex: new Mutex(), live: false, starting: false };

export function pgliteAlreadyOpen(): Error {
  return new Error(
    'a PGlite data source is already open in this process (typeorm-pglite keeps one PGlite ' +
      'database per process); close it before opening another',
  );
}

/** An on-disk embedded database whose opening has begun ({@link startEmbeddedDatabase}). */
export interface EmbeddedStart {
  /** The data directory (absolute). */
  readonly dataDir: string;
  /** The folder held no database: it is filled from the template directory. */
  readonly fresh: boolean;
  /** What the folder held before (a fresh one may hold the hub's own files, its lock). */
  readonly before: readonly string[];
  /**
   * True once PGlite has the folder open (typeorm-pglite's instance: the data source that
   * `openDatabase({ dataDir, started })` makes uses it); false for a fresh folder when there is
   * no template directory (then the dump or `initdb`). Rejects when the copy or the open failed.
   */
  readonly opened: Promise<boolean>;
}

/**
 * Starts opening the embedded database in `dataDir` (an absolute path) and returns at once: a
 * fresh folder is first filled with a copy of the template directory, in a worker thread (its
 * ~1,100 file copies then do not block this thread while it loads modules), then PGlite opens it.
 * Pass the result to `openDatabase`, which waits for it, migrates and falls back to the dump or
 * `initdb` when a fresh folder's template is missing or fails.
 */
export function startEmbeddedDatabase(dataDir: string): EmbeddedStart {
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  let before: string[] = [];
  try {
    before = readdirSync(dataDir);
  } catch {
    // not made yet: the copy makes it
  }
  const opened = (async (): Promise<boolean> => {
    if (pgliteState.live || pgliteState.starting) throw pgliteAlreadyOpen();
    pgliteState.starting = true;
    try {
      // PGlite's wasm compiles (V8 compiles it on background threads) while the folder is copied.
      const artifacts = loadPGliteArtifacts();
      if (fresh && !(await copyFreshTemplateDirInWorker(dataDir))) return false;
      const { PGliteDriver, getPGliteInstance } = await import('typeorm-pglite');
      // typeorm-pglite keeps its options in a static
      new PGliteDriver({ ...pgliteOptions(dataDir), ...(await artifacts) });
      await getPGliteInstance();
      return true;
    } finally {
      pgliteState.starting = false;
    }
  })();
  opened.catch(() => undefined); // awaited by openDatabase; failing before that is not unhandled
  return { dataDir, fresh, before, opened };
}

/** A compiled `WebAssembly.Module` (the project's TypeScript settings have no DOM types). */
type WasmModule = object;
interface PGliteArtifacts {
  pgliteWasmModule?: WasmModule;
  initdbWasmModule?: WasmModule;
  fsBundle?: Blob;
}
/** The global `WebAssembly` (the project's TypeScript settings have no DOM types). */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Buffer): Promise<WasmModule> } }
).WebAssembly;

/**
 * PGlite's compiled wasm modules and file system bundle (what `PGlite.create` otherwise reads and
 * compiles itself, once the folder is there); empty when they cannot be found, and PGlite loads
 * them.
 */
async function loadPGliteArtifacts(): Promise<PGliteArtifacts> {
  try {
    // …/@electric-sql/pglite/dist/index.cjs: the build typeorm-pglite loads
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const [pgliteWasmModule, initdbWasmModule, fsBundle] = await Promise.all([
      readFile(join(dist, 'pglite.wasm')).then((bytes) => wasm.compile(bytes)),
      readFile(join(dist, 'initdb.wasm')).then((bytes) => wasm.compile(bytes)),
      readFile(join(dist, 'pglite.data')).then((bytes) => new Blob([bytes])),
    ]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle };
  } catch {
    return {};
  }
}

/** PGlite's options for an on-disk folder (the same for an early start and a data source). */
export function pgliteOptions(dataDir?: string, loadDataDir?: Blob) {
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(loadDataDir === undefined ? {} : { loadDataDir }),
    parsers: PGLITE_PARSERS,
  };
}

/**
 * Copies the template directory into `dataDir` in a worker thread; false when there is no
 * template directory. One `copyFileSync` per file (a reflink where the file system has them),
 * `PG_VERSION` last: a copy cut short (a crash, a kill) leaves a folder that is still fresh, and
 * the next start copies again over it.
 */
export function copyFreshTemplateDirInWorker(dataDir: string): Promise<boolean> {
  const template = freshTemplateDirPath();
  if (!existsSync(join(template, 'PG_VERSION'))) return Promise.resolve(false);
  return new Promise<boolean>((resolve, reject) => {
    const worker = new Worker(COPY_TREE_WORKER, {
      eval: true,
      workerData: { from: template, to: dataDir },
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code === 0) resolve(true);
      else reject(new Error(`copying the database template into ${dataDir} failed (${code})`));
    });
  });
}

/** The worker's code (CommonJS, evaluated): plain JavaScript, so the same in tests and dist. */
const COPY_TREE_WORKER = `
const { workerData } = require('node:worker_threads');
const { constants, copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
function copyTree(from, to, top) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (top && entry.name === 'PG_VERSION') continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target, false);
    else copyFileSync(source, target, constants.COPYFILE_FICLONE);
  }
}
copyTree(workerData.from, workerData.to, true);
copyFileSync(join(workerData.from, 'PG_VERSION'), join(workerData.to, 'PG_VERSION'));
`;
