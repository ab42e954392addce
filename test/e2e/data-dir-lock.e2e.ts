import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '@aisle/core';

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
});
