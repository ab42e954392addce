import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file inside the data folder; it holds the PID of the hub using the folder. */
export const DATA_DIR_LOCK_FILE = 'aisle.lock';

/** Another process (or this one) already uses the data folder. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `data folder ${dataDir} in use by PID ${pid}${pid === process.pid ? ' (this process)' : ''}: ` +
        'stop that hub, or set AISLE_DATA_DIR to another folder',
    );
  }
}

export interface DataDirLock {
  /** Removes the lock file (idempotent). */
  release(): void;
}

/** Whether a process with this PID is running (EPERM: it exists but belongs to someone else). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes the exclusive lock on an embedded database folder: two processes on one PGlite folder
 * would corrupt it. The lock is a file created with O_EXCL holding this process's PID; a lock
 * left by a process that is no longer running (a crash, `kill -9`) is taken over. Released by
 * {@link DataDirLock.release} and, as a last resort, when the process exits.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holderOf(file);
      if (pid !== null && isRunning(pid)) throw new DataDirInUseError(dataDir, pid);
      // A lock of a process that is gone (or an empty file from a crash while writing it).
      if (attempt > 0) throw new DataDirInUseError(dataDir, pid ?? 0);
      try {
        unlinkSync(file);
      } catch {
        // Another process took it over first; the next attempt finds its PID.
      }
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (holderOf(file) === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', release);
  return { release };
}
