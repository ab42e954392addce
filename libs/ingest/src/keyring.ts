import { randomBytes } from 'node:crypto';
import type { Clock } from '@aisle/sdk';
import { forgetPseudonymKey } from './pseudonymise.js';
import { MAX_ROTATION_HOURS } from './tracking-policy.js';

/** HMAC-SHA256 key size: the hash's block-independent security level, 256 bits. */
export const KEY_BYTES = 32;

/**
 * How long a period's key outlives the period, for observations that were stamped just before the
 * boundary but arrive just after it (MQTT buffering, batching gateways). Two minutes covers a
 * gateway's usual flush interval (≤ 60 s) twice; anything later is dropped as `key_expired`.
 */
export const LATE_GRACE_MS = 2 * 60_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Where pseudonym keys survive a restart (Postgres in the hub, {@link InMemoryKeyStore} in tests).
 * Times are epoch ms.
 */
export interface KeyStore {
  /**
   * The key of that store and period, or null when there is none (never made, or destroyed). The
   * returned buffer belongs to the caller (the keyring zero-fills it at rotation).
   */
  load(storeId: string, period: number): Promise<Buffer | null>;
  /**
   * Inserts the key, or replaces the row of that store and period. Must copy or serialise `key`
   * before resolving: the keyring zero-fills its buffer at rotation.
   */
  save(storeId: string, period: number, key: Buffer, expiresAt: number): Promise<void>;
  /** Destroys every key whose `expiresAt` is at or before `now`; resolves to how many. */
  destroyBefore(now: number): Promise<number>;
}

/** A {@link KeyStore} in memory (tests, benchmarks, `aisle simulate`). Keeps copies, zero-fills on destroy. */
export class InMemoryKeyStore implements KeyStore {
  private readonly rows = new Map<string, { key: Buffer; expiresAt: number }>();

  async load(storeId: string, period: number): Promise<Buffer | null> {
    const row = this.rows.get(rowId(storeId, period));
    return row ? Buffer.from(row.key) : null;
  }

  async save(storeId: string, period: number, key: Buffer, expiresAt: number): Promise<void> {
    const id = rowId(storeId, period);
    this.rows.get(id)?.key.fill(0);
    this.rows.set(id, { key: Buffer.from(key), expiresAt });
  }

  async destroyBefore(now: number): Promise<number> {
    let count = 0;
    for (const [id, row] of this.rows) {
      if (row.expiresAt <= now) {
        row.key.fill(0);
        this.rows.delete(id);
        count += 1;
      }
    }
    return count;
  }

  /** Number of keys held. */
  get size(): number {
    return this.rows.size;
  }
}

function rowId(storeId: string, period: number): string {
  return `${storeId}\u0000${period}`;
}

/** Keys are only ever created for the period `now` falls in and the one after it. */
function isCurrentOrNext(period: number, now: number, rotationHours: number): boolean {
  const current = periodOf(now, rotationHours);
  return period === current || period === periodEnd(current, rotationHours);
}

function checkRotationHours(rotationHours: number): void {
  if (!Number.isInteger(rotationHours) || rotationHours < 1 || rotationHours > MAX_ROTATION_HOURS) {
    throw new RangeError(
      `rotationHours must be an integer from 1 to ${MAX_ROTATION_HOURS} (got ${rotationHours})`,
    );
  }
}

/**
 * Start of the key period containing `at`, epoch ms. Periods are aligned to UTC midnight and never
 * cross it: with 5-hour rotation a day has periods at 00, 05, 10, 15 and 20 h, the last one 4 h
 * long. So a key never lives longer than `rotationHours`, and never longer than a day.
 */
export function periodOf(at: number, rotationHours: number): number {
  checkRotationHours(rotationHours);
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  const span = rotationHours * HOUR_MS;
  return day + Math.floor((at - day) / span) * span;
}

/** End (exclusive) of the period starting at `period`, epoch ms. */
export function periodEnd(period: number, rotationHours: number): number {
  checkRotationHours(rotationHours);
  const day = Math.floor(period / DAY_MS) * DAY_MS;
  return Math.min(period + rotationHours * HOUR_MS, day + DAY_MS);
}

export interface PseudonymKey {
  key: Buffer;
  /** Start of the key's period, epoch ms. */
  period: number;
}

interface KeyEntry extends PseudonymKey {
  /** What `keyFor` hands out: one frozen object per key, so the hot path allocates nothing. */
  handle: Readonly<PseudonymKey>;
  /** Period end plus grace: at or after this the key is destroyed. */
  expiresAt: number;
  /** Persisted state: a failed save is retried by the next `prepare`. */
  saved: 'pending' | 'saved' | 'failed';
}

export interface PseudonymKeyringOptions {
  store: KeyStore;
  clock: Clock;
  /** Receives failures of background saves (the key stays usable in memory). Must not throw. */
  onError: (error: unknown, context: { storeId: string; period: number }) => void;
  /** Defaults to {@link LATE_GRACE_MS}. */
  graceMs?: number;
  /** Defaults to `crypto.randomBytes(KEY_BYTES)`; replaceable for deterministic tests only. */
  randomKey?: () => Buffer;
}

/**
 * Per-store pseudonym keys, one per key period. `keyFor` is synchronous (the gate does no I/O per
 * observation); `prepare` loads or creates keys ahead of time; `rotate` destroys ended periods.
 *
 * A key is only ever created for the current or the next period. A past period's key is either
 * still in memory (within the grace after its end) or gone for good: it is never re-created, so
 * a pseudonym of a destroyed period can never be produced again.
 */
export class PseudonymKeyring {
  private readonly keys = new Map<string, Map<number, KeyEntry>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly graceMs: number;
  private readonly randomKey: () => Buffer;

  constructor(private readonly options: PseudonymKeyringOptions) {
    this.graceMs = options.graceMs ?? LATE_GRACE_MS;
    this.randomKey = options.randomKey ?? (() => randomBytes(KEY_BYTES));
  }

  periodOf(at: number, rotationHours: number): number {
    return periodOf(at, rotationHours);
  }

  /**
   * Loads the key of the period containing `at` from the store, or creates and saves it. Call at
   * startup for the current period and ahead of each boundary for the next one. A past period is
   * only loaded (within its grace), never created. Rejects when the store fails.
   */
  async prepare(storeId: string, at: number, rotationHours: number): Promise<void> {
    const now = this.options.clock.now();
    const period = periodOf(at, rotationHours);
    const expiresAt = periodEnd(period, rotationHours) + this.graceMs;
    if (expiresAt <= now) {
      return;
    }
    const held = this.entry(storeId, period);
    if (held) {
      if (held.saved === 'failed') {
        await this.persist(storeId, held);
      }
      return;
    }
    const loaded = await this.options.store.load(storeId, period);
    if (this.entry(storeId, period)) {
      // keyFor created one meanwhile and has already issued pseudonyms with it: keep that one.
      loaded?.fill(0);
      return;
    }
    if (loaded) {
      if (loaded.length !== KEY_BYTES) {
        loaded.fill(0);
        throw new Error(
          `pseudonym key of store ${storeId}, period ${period} has ${loaded.length} bytes, not ${KEY_BYTES}`,
        );
      }
      const handle = Object.freeze({ key: loaded, period });
      this.put(storeId, { key: loaded, period, handle, expiresAt, saved: 'saved' });
      return;
    }
    if (!isCurrentOrNext(period, now, rotationHours)) {
      return;
    }
    const entry = this.create(storeId, period, expiresAt);
    await this.persist(storeId, entry);
  }

  /**
   * The key for an observation at `at`, synchronously, or null when that period's key is gone
   * (destroyed at rotation, or a past period this process never held) or lies beyond the next
   * period. A missing key for the current or next period is created in memory and saved in the
   * background; a failed save goes to `onError`.
   */
  keyFor(storeId: string, at: number, rotationHours: number): Readonly<PseudonymKey> | null {
    const now = this.options.clock.now();
    const period = periodOf(at, rotationHours);
    const entry = this.keys.get(storeId)?.get(period);
    if (entry) {
      if (entry.expiresAt <= now) {
        this.destroy(storeId, entry);
        return null;
      }
      return entry.handle;
    }
    if (!isCurrentOrNext(period, now, rotationHours)) {
      return null;
    }
    const created = this.create(storeId, period, periodEnd(period, rotationHours) + this.graceMs);
    this.track(
      this.persist(storeId, created).catch((error: unknown) => this.report(error, storeId, period)),
    );
    return created.handle;
  }

  /**
   * Destroys every key whose period ended more than the grace ago: zero-fills the buffer, forgets it,
   * then deletes expired keys from the store. Call on a schedule (at least once per period).
   */
  async rotate(
    now: number = this.options.clock.now(),
  ): Promise<{ destroyed: number; deleted: number }> {
    let destroyed = 0;
    for (const [storeId, periods] of this.keys) {
      for (const entry of periods.values()) {
        if (entry.expiresAt <= now) {
          this.destroy(storeId, entry);
          destroyed += 1;
        }
      }
    }
    const deleted = await this.options.store.destroyBefore(now);
    return { destroyed, deleted };
  }

  /** Resolves when every background save started so far has settled (for shutdown and tests). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  /** Number of keys held in memory. */
  get size(): number {
    let count = 0;
    for (const periods of this.keys.values()) {
      count += periods.size;
    }
    return count;
  }

  private entry(storeId: string, period: number): KeyEntry | undefined {
    return this.keys.get(storeId)?.get(period);
  }

  private create(storeId: string, period: number, expiresAt: number): KeyEntry {
    const key = this.randomKey();
    if (key.length !== KEY_BYTES) {
      throw new Error(`randomKey() must return ${KEY_BYTES} bytes (got ${key.length})`);
    }
    const entry: KeyEntry = {
      key,
      period,
      handle: Object.freeze({ key, period }),
      expiresAt,
      saved: 'pending',
    };
    this.put(storeId, entry);
    return entry;
  }

  private put(storeId: string, entry: KeyEntry): void {
    let periods = this.keys.get(storeId);
    if (!periods) {
      periods = new Map();
      this.keys.set(storeId, periods);
    }
    periods.set(entry.period, entry);
  }

  private destroy(storeId: string, entry: KeyEntry): void {
    forgetPseudonymKey(entry.key);
    entry.key.fill(0);
    const periods = this.keys.get(storeId);
    periods?.delete(entry.period);
    if (periods?.size === 0) {
      this.keys.delete(storeId);
    }
  }

  private async persist(storeId: string, entry: KeyEntry): Promise<void> {
    entry.saved = 'pending';
    try {
      await this.options.store.save(storeId, entry.period, entry.key, entry.expiresAt);
      entry.saved = 'saved';
    } catch (error) {
      entry.saved = 'failed';
      throw error;
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private report(error: unknown, storeId: string, period: number): void {
    try {
      this.options.onError(error, { storeId, period });
    } catch {
      // onError must not throw; if it does, there is nowhere left to report to.
    }
  }
}
