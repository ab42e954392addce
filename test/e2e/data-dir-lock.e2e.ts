import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, startDatabaseEarly } from '@aisle/core';

/**
 * The embedded database folder is one hub's at a time (#22): a second hub on a folder in use is
 * refused with the PID of the one using it, before it opens the database or a port.
 */
describe('AISLE_DATA_DIR lock', () => {
  let dir: string;
  let holder: ChildProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aisle-data-'));
    holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  });

  afterAll(async () => {
    holder.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start on a data folder in use by a running hub, naming its PID', async () => {
    await writeFile(join(dir, 'aisle.lock'), `${holder.pid}\n`);
    const env: NodeJS.ProcessEnv = {
      AISLE_DATA_DIR: dir,
      PORT: '0',
      MQTT_PORT: '0',
      AISLE_DEMO: 'false',
      LOG_LEVEL: 'silent',
    };
    await expect(createHub({ env, logDestination: { write: () => undefined } })).rejects.toThrow(
      `data folder ${dir} in use by PID ${holder.pid}: stop that hub, or set AISLE_DATA_DIR to another folder`,
    );
    // The database was not opened: the folder holds the lock file only.
    expect(await readdir(dir)).toEqual(['aisle.lock']);
  }, 60_000);

  it('is taken by npm start before it loads the hub, with the same refusal', async () => {
    await writeFile(join(dir, 'aisle.lock'), `${holder.pid}\n`);
    expect(() => startDatabaseEarly({ AISLE_DATA_DIR: dir })).toThrow(
      `data folder ${dir} in use by PID ${holder.pid}: stop that hub, or set AISLE_DATA_DIR to another folder`,
    );
    expect(await readdir(dir)).toEqual(['aisle.lock']);
  });

  it('npm start: the hub runs on the database started early, and releases the folder', async () => {
    const data = join(dir, 'early');
    const env: NodeJS.ProcessEnv = {
      AISLE_DATA_DIR: data,
      PORT: '0',
      MQTT_PORT: '0',
      AISLE_DEMO: 'false',
      LOG_LEVEL: 'silent',
    };
    const started = startDatabaseEarly(env);
    expect(started?.database.dataDir).toBe(data);
    const hub = await createHub({ env, started, logDestination: { write: () => undefined } });
    try {
      expect(existsSync(join(data, 'aisle.lock'))).toBe(true);
      const health = await fetch(`${hub.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await hub.close();
    }
    expect(existsSync(join(data, 'aisle.lock'))).toBe(false);
    expect(existsSync(join(data, 'PG_VERSION'))).toBe(true);
  }, 120_000);

  it('refuses a database started early for another folder than the configured one', async () => {
    const other = join(dir, 'other');
    const started = startDatabaseEarly({ AISLE_DATA_DIR: other });
    const env: NodeJS.ProcessEnv = {
      AISLE_DATA_DIR: join(dir, 'configured'),
      PORT: '0',
      MQTT_PORT: '0',
      AISLE_DEMO: 'false',
      LOG_LEVEL: 'silent',
    };
    await expect(
      createHub({ env, started, logDestination: { write: () => undefined } }),
    ).rejects.toThrow(`the embedded database started in ${other} is not the configured one`);
    expect(existsSync(join(other, 'aisle.lock'))).toBe(false);
    // What it opened is closed by the process's end; close it here for the next test.
    const { closeDatabase, openDatabase } = await import('@aisle/persistence');
    if (started) {
      await closeDatabase(await openDatabase({ dataDir: other, started: started.database }));
    }
  }, 120_000);
});
