import type { Logger } from 'pino';
import { DEFAULT_MIN_SUBJECTS } from '@aisle/aggregation';
import type { TrackingPolicy } from '@aisle/ingest';
import {
  TrackingHours,
  parseStorePolicy,
  trackingOffPolicy,
  type StorePolicy,
} from '@aisle/policy';
import { StoreConfigRepository, type StoreConfigRows } from '@aisle/persistence';
import type { StoreChanged, StoreSnapshot } from './store-snapshot.js';

/** What a writer changed (informative: the directory re-reads and diffs every store). */
export interface StoreConfigChange {
  storeId: string;
  what: 'store' | 'zones' | 'sensors' | 'policy' | 'deleted';
}

/** Called with every store whose snapshot a refresh changed (`store.changed`). */
export type StoreChangedListener = (changes: readonly StoreChanged[]) => void | Promise<void>;

/**
 * The store directory: the only reader of stores, zones, sensors, fixed devices and policies.
 * Keeps one frozen {@link StoreSnapshot} per store; after each commit a writer calls
 * {@link changed}, the directory re-reads, swaps the snapshots and emits `store.changed` (before
 * and after) to every stage. Stages read snapshots synchronously and never query these tables.
 */
export class StoreDirectory {
  private snapshots = new Map<string, StoreSnapshot>();
  private readonly listeners = new Set<StoreChangedListener>();
  private refreshing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private settling = new Set<Promise<void>>();

  constructor(private readonly deps: { repository: StoreConfigRepository; logger: Logger }) {}

  /** A store's current snapshot (undefined: no such store). */
  get(storeId: string): StoreSnapshot | undefined {
    return this.snapshots.get(storeId);
  }

  all(): readonly StoreSnapshot[] {
    return [...this.snapshots.values()];
  }

  storeIds(): string[] {
    return [...this.snapshots.keys()];
  }

  has(storeId: string): boolean {
    return this.snapshots.has(storeId);
  }

  /** The whole store policy, notice included (undefined: not a store of this hub). */
  policy(storeId: string): StorePolicy | undefined {
    return this.snapshots.get(storeId)?.policy;
  }

  /** The tracking policy the gate applies. */
  tracking(storeId: string): TrackingPolicy | undefined {
    return this.snapshots.get(storeId)?.policy.tracking;
  }

  /** The store's small-cell threshold k (policy `suppression.minSubjects`, else the default). */
  minSubjects(storeId: string): number {
    return this.policy(storeId)?.suppression.minSubjects ?? DEFAULT_MIN_SUBJECTS;
  }

  /** Whether the store's tracking hours include `at` (true when it sets none). */
  isOpen(storeId: string, at: number): boolean {
    return this.snapshots.get(storeId)?.hours?.isOpen(at) ?? true;
  }

  /** Subscribes to `store.changed`; returns the unsubscribe. */
  onChanged(listener: StoreChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A writer committed a change: re-read and emit `store.changed` for every store that differs.
   * Resolves once the new snapshots are in place (stages apply them in the background; see
   * {@link settled}); never rejects (a failed read is logged, the old snapshots stay).
   */
  changed(_change?: StoreConfigChange): Promise<void> {
    // Calls made before a queued refresh starts join it: it reads after all their commits.
    this.queued ??= this.refreshing.then(() => {
      this.queued = undefined;
      return this.refresh().catch((error: unknown) =>
        this.deps.logger.error(`reading store configuration failed: ${(error as Error).message}`),
      );
    });
    this.refreshing = this.queued;
    return this.queued;
  }

  /** The first read, before any stage starts (a failure stops the start-up). */
  async load(): Promise<void> {
    await this.refresh();
  }

  /** Re-reads everything and waits until every stage has applied the result. */
  async reload(): Promise<void> {
    await this.changed();
    await this.settled();
  }

  /** Resolves when every stage has finished applying the changes emitted so far. */
  async settled(): Promise<void> {
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  private async refresh(): Promise<void> {
    const rows = await this.deps.repository.load();
    const next = this.snapshotsOf(rows);
    const changes: StoreChanged[] = [];
    for (const [storeId, after] of next) {
      const before = this.snapshots.get(storeId) ?? null;
      if (!before || signature(before) !== signature(after)) {
        changes.push({ storeId, before, after });
      } else {
        next.set(storeId, before); // unchanged: keep the same object
      }
    }
    for (const [storeId, before] of this.snapshots) {
      if (!next.has(storeId)) changes.push({ storeId, before, after: null });
    }
    this.snapshots = next;
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      const done = (async () => listener(changes))().catch((error: unknown) =>
        this.deps.logger.error(
          { stores: changes.map((c) => c.storeId) },
          `applying store.changed failed: ${(error as Error).message}`,
        ),
      );
      this.settling.add(done);
      void done.finally(() => this.settling.delete(done));
    }
  }

  private snapshotsOf(rows: StoreConfigRows): Map<string, StoreSnapshot> {
    const out = new Map<string, StoreSnapshot>();
    for (const store of rows.stores) {
      let policy: StorePolicy;
      let policyValid = true;
      try {
        policy = parseStorePolicy(store.policy ?? {});
      } catch (error) {
        // A policy that does not validate must not track: the store is treated as `off`.
        this.deps.logger.error(
          { store: store.id },
          `invalid tracking policy, tracking is off: ${(error as Error).message}`,
        );
        policy = trackingOffPolicy();
        policyValid = false;
      }
      const snapshot: StoreSnapshot = {
        id: store.id,
        name: store.name,
        timezone: store.timezone,
        width: store.width,
        height: store.height,
        policyDocument: deepFreeze(structuredClone(store.policy ?? {})),
        policy,
        policyValid,
        hours: policy.hours.length > 0 ? new TrackingHours(policy.hours, store.timezone) : null,
        zones: rows.zones
          .filter((z) => z.storeId === store.id)
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((z) => ({
            id: z.id,
            name: z.name,
            polygon: z.polygon.map((p) => ({ x: p.x, y: p.y })),
            tags: [...z.tags],
          })),
        sensors: rows.sensors
          .filter((s) => s.storeId === store.id)
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((s) => ({
            id: s.id,
            storeId: s.storeId,
            domain: s.domain,
            name: s.name,
            x: s.x,
            y: s.y,
            z: s.z,
            calibration: structuredClone(s.calibration ?? {}),
            config: structuredClone(s.config ?? {}),
            enabled: s.enabled,
          })),
        fixedDevices: rows.fixedDevices
          .filter((d) => d.storeId === store.id)
          .map((d) => d.hash)
          .sort(),
      };
      // The parsed policy and the hours object stay as built (class instances); the data is frozen.
      out.set(
        store.id,
        Object.freeze({
          ...snapshot,
          zones: deepFreeze(snapshot.zones),
          sensors: deepFreeze(snapshot.sensors),
          fixedDevices: Object.freeze(snapshot.fixedDevices),
        }),
      );
    }
    return out;
  }
}

const signatures = new WeakMap<StoreSnapshot, string>();

function signature(s: StoreSnapshot): string {
  let sig = signatures.get(s);
  if (sig === undefined) {
    sig = JSON.stringify([
      s.name,
      s.timezone,
      s.width,
      s.height,
      s.policyDocument,
      s.zones,
      s.sensors,
      s.fixedDevices,
    ]);
    signatures.set(s, sig);
  }
  return sig;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
