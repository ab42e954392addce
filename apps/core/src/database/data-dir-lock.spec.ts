import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_LOCK_FILE, DataDirInUseError, lockDataDir } from './data-dir-lock.js';

/** A process that has ended: its PID is free (and, on this machine, not reused at once). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

describe(lockDataDir.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aisle-lock-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second holder, naming the folder and the PID in use', () => {
    const sut = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(new DataDirInUseError(dir, process.pid));
    expect(() => lockDataDir(dir)).toThrow(`data folder ${dir} in use by PID ${process.pid}`);
    sut.release();
    expect(existsSync(join(dir, DATA_DIR_LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it('refuses a folder held by another running process', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, DATA_DIR_LOCK_FILE), `${holder.pid}\n`);
      expect(() => lockDataDir(dir)).toThrow(`in use by PID ${holder.pid}:`);
    } finally {
      holder.kill();
    }
  });

  it('takes over the lock of a process that is gone', async () => {
    writeFileSync(join(dir, DATA_DIR_LOCK_FILE), `${await deadPid()}\n`);
    const sut = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    sut.release();
  });

  it('creates a missing folder', () => {
    const nested = join(dir, 'a', 'b');
    lockDataDir(nested).release();
    expect(existsSync(nested)).toBe(true);
  });
});
