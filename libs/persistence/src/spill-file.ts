import { mkdir, open, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SightingValues } from './sighting-row.js';

/** A row as it waits for the database: its values and when it was handed to the writer. */
export type QueuedRow = SightingValues & { queuedAt: number };

/** Column order of a spilled line (after `queuedAt`); a change here needs a new file version. */
const FIELDS = [
  'storeId',
  'sensorId',
  'kind',
  'at',
  'period',
  'subject',
  'rssi',
  'randomized',
  'beacon',
  'channel',
  'txPower',
  'fingerprint',
  'lineId',
  'zoneId',
  'entries',
  'exits',
  'occupancy',
  'intervalStart',
] as const satisfies readonly (keyof SightingValues)[];

/** Bytes read per replay read; a line longer than this is still read whole. */
const READ_CHUNK = 1 << 20;

/**
 * The sighting writer's local append-only overflow file: one JSON array per line
 * (`[queuedAt, …values]`), appended and fsynced before the rows count as stored, replayed in
 * order from a read offset kept in `<path>.offset` (rewritten atomically after every replayed
 * batch). Emptied (truncated) once replay reaches its end. A line cut short by a crash during an
 * append was never acknowledged, so it is ignored.
 */
export class SpillFile {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
    /** Bytes in the file (all of them written and synced). */
    private endOffset: number,
    /** Bytes before this offset are in the database. */
    private readOffset: number,
    /** Rows between the read offset and the end. */
    private pendingRows: number,
    private headQueuedAt: number | null,
  ) {}

  /** Opens (or creates) the file and counts what is left to replay. */
  static async open(path: string): Promise<SpillFile> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a+');
    try {
      let { size } = await handle.stat();
      if (size > 0) {
        // A crash mid-append can leave a partial last line (never acknowledged): end it, so it is
        // skipped as one bad line instead of spoiling the next row appended.
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          await handle.write('\n', size);
          await handle.datasync();
          size += 1;
        }
      }
      let readOffset = 0;
      try {
        const saved = Number((await readFile(`${path}.offset`, 'utf8')).trim());
        if (Number.isInteger(saved) && saved >= 0 && saved <= size) readOffset = saved;
      } catch {
        // No offset yet: replay from the start.
      }
      const file = new SpillFile(path, handle, size, readOffset, 0, null);
      await file.countPending();
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Unreplayed bytes. */
  get pendingBytes(): number {
    return this.endOffset - this.readOffset;
  }

  /** Unreplayed rows. */
  get rows(): number {
    return this.pendingRows;
  }

  /** Bytes in the file: what counts against the disk limit until the file is emptied. */
  get size(): number {
    return this.endOffset;
  }

  /** When the oldest unreplayed row was queued (null when nothing is left). */
  get oldestQueuedAt(): number | null {
    return this.pendingRows > 0 ? this.headQueuedAt : null;
  }

  /** The bytes `rows` would take. */
  static encode(rows: readonly QueuedRow[]): string {
    let text = '';
    for (const row of rows) {
      const cells: unknown[] = [row.queuedAt];
      for (const field of FIELDS) cells.push(row[field]);
      text += `${JSON.stringify(cells)}\n`;
    }
    return text;
  }

  /** Appends the encoded rows and syncs them to disk; resolves only once they are durable. */
  async append(text: string, rows: number, firstQueuedAt: number): Promise<void> {
    if (text.length === 0) return;
    const buffer = Buffer.from(text, 'utf8');
    await this.handle.write(buffer, 0, buffer.length, this.endOffset);
    await this.handle.datasync();
    if (this.pendingRows === 0) this.headQueuedAt = firstQueuedAt;
    this.endOffset += buffer.length;
    this.pendingRows += rows;
  }

  /** Up to `max` whole rows from the read offset, and the offset after them (not yet committed). */
  async read(max: number): Promise<{ rows: QueuedRow[]; next: number }> {
    const rows: QueuedRow[] = [];
    let position = this.readOffset;
    let pending: Buffer = Buffer.alloc(0); // an incomplete line starting at `position`
    while (rows.length < max && position + pending.length < this.endOffset) {
      const at = position + pending.length;
      const length = Math.min(READ_CHUNK, this.endOffset - at);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await this.handle.read(chunk, 0, length, at);
      if (bytesRead === 0) break;
      const data =
        pending.length > 0
          ? Buffer.concat([pending, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
      let start = 0;
      while (rows.length < max) {
        // UTF-8 never has 0x0a inside a character, and JSON escapes newlines in strings.
        const newline = data.indexOf(0x0a, start);
        if (newline < 0) break;
        const row = decode(data.toString('utf8', start, newline));
        if (row) rows.push(row);
        start = newline + 1;
      }
      position += start;
      pending = data.subarray(start);
    }
    return { rows, next: position };
  }

  /** Records that everything before `next` is in the database (`count` rows). */
  async commit(next: number, count: number, following: QueuedRow | undefined): Promise<void> {
    this.readOffset = next;
    this.pendingRows = Math.max(0, this.pendingRows - count);
    this.headQueuedAt = following?.queuedAt ?? this.headQueuedAt;
    const temporary = `${this.path}.offset.tmp`;
    await writeFile(temporary, `${next}\n`);
    await rename(temporary, `${this.path}.offset`);
  }

  /** The next unreplayed row's queue time (after a commit, for the age gauge). */
  async refreshHead(): Promise<void> {
    if (this.pendingRows === 0) {
      this.headQueuedAt = null;
      return;
    }
    const { rows } = await this.read(1);
    this.headQueuedAt = rows[0]?.queuedAt ?? null;
  }

  /** Empties the file once everything in it is in the database. */
  async reset(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.endOffset = 0;
    this.readOffset = 0;
    this.pendingRows = 0;
    this.headQueuedAt = null;
    const temporary = `${this.path}.offset.tmp`;
    await writeFile(temporary, '0\n');
    await rename(temporary, `${this.path}.offset`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async countPending(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const { size } = await stat(this.path);
    this.endOffset = size;
    let rows = 0;
    let first: number | null = null;
    let offset = this.readOffset;
    for (;;) {
      const batch = await this.readFrom(offset, 10_000);
      if (batch.rows.length === 0) break;
      first ??= batch.rows[0]?.queuedAt ?? null;
      rows += batch.rows.length;
      if (batch.next === offset) break;
      offset = batch.next;
      if (offset >= this.endOffset) break;
    }
    this.pendingRows = rows;
    this.headQueuedAt = first;
  }

  private async readFrom(
    offset: number,
    max: number,
  ): Promise<{ rows: QueuedRow[]; next: number }> {
    const saved = this.readOffset;
    this.readOffset = offset;
    try {
      return await this.read(max);
    } finally {
      this.readOffset = saved;
    }
  }
}

function decode(line: string): QueuedRow | null {
  if (line.length === 0) return null;
  let cells: unknown;
  try {
    cells = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(cells) || cells.length !== FIELDS.length + 1) return null;
  const row: Record<string, unknown> = { queuedAt: cells[0] };
  FIELDS.forEach((field, i) => {
    row[field] = cells[i + 1];
  });
  return row as unknown as QueuedRow;
}
