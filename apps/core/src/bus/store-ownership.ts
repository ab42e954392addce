import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Which worker owns which store's stateful stages (localisation tracks, sessioniser, occupancy
 * window): PostgreSQL session advisory locks, one per store, held on one dedicated connection per
 * worker.
 *
 * Why advisory locks rather than NATS KV leases or JetStream consumer pinning:
 * - a SIGKILLed worker's connection is closed by its kernel, PostgreSQL ends the session and its
 *   locks are free at once: failover takes one rebalance round (about a second), not a lease TTL
 *   that has to be tuned against GC pauses and clock drift;
 * - a worker commits its effects to the same PostgreSQL: one that lost its database connection has
 *   lost both its locks and its ability to commit, so there is no window where a lease looks held
 *   by a worker that can no longer write;
 * - the NATS server here (2.9) predates pinned-client consumers, and KV leases would add a second
 *   source of truth for liveness.
 *
 * Membership comes from the same place: every worker's ownership connection carries
 * `application_name = aisle-worker/<group>/<workerId>`, so the live workers are the sessions in
 * `pg_stat_activity` with that prefix. Each store belongs to the live worker with the highest
 * rendezvous hash (HRW) of (worker, store): when a worker joins, only the stores it wins move to
 * it; when one dies, only its stores move, spread over the others.
 *
 * A move is release-then-acquire: the old owner stops consuming, settles what it had in flight and
 * unlocks; the new owner's next round finds the lock free. Until then the store is not consumed
 * (its messages wait in the stream).
 */
export interface OwnershipListener {
  /** The store is now this worker's; start consuming it. */
  acquired(storeId: string): Promise<void>;
  /** The store is no longer this worker's (or is about to not be); stop and settle. */
  released(storeId: string): Promise<void>;
}

export interface StoreOwnershipOptions {
  /** PostgreSQL URL (the same database the workers commit to). */
  url: string;
  /** Isolates groups of workers sharing a database (the bus prefix): different lock keys. */
  group: string;
  /** This worker's id: unique among live workers. */
  workerId: string;
  /** The stores that exist now (every round: new stores are picked up). */
  stores: () => Promise<readonly string[]> | readonly string[];
  listener: OwnershipListener;
  /** Rebalance period, ms: the failover and join latency. */
  intervalMs?: number;
  onError?: (error: Error) => void;
}

/** One second: failover within about a second, and one small query a second per worker. */
export const OWNERSHIP_ROUND_MS = 1_000;
const APP_NAME_PREFIX = 'aisle-worker/';

export class PgStoreOwnership {
  private client: pg.Client | undefined;
  private readonly owned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: StoreOwnershipOptions) {
    if (options.workerId.includes('/') || options.group.includes('/')) {
      throw new Error('group and workerId must not contain "/"');
    }
  }

  /** application_name of this worker's ownership session (at most 63 bytes in PostgreSQL). */
  get applicationName(): string {
    return `${APP_NAME_PREFIX}${this.options.group}/${this.options.workerId}`.slice(0, 63);
  }

  /** Stores this worker owns now. */
  ownedStores(): string[] {
    return [...this.owned].sort();
  }

  async start(): Promise<void> {
    this.client = await this.connect();
    await this.rebalance();
    this.timer = setInterval(() => {
      void this.rebalance();
    }, this.options.intervalMs ?? OWNERSHIP_ROUND_MS);
    this.timer.unref();
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.applicationName,
    });
    client.on('error', (error: Error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client, new Error('ownership connection ended')));
    await client.connect();
    return client;
  }

  /** One round (serialised): claim the stores this worker wins, release those it no longer does. */
  rebalance(): Promise<void> {
    this.round = this.round
      .then(() => this.doRebalance())
      .catch((error: unknown) => {
        this.options.onError?.(error as Error);
      });
    return this.round;
  }

  /** Releases every store (settling each), unlocks and disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    for (const storeId of [...this.owned]) await this.release(storeId);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async doRebalance(): Promise<void> {
    if (this.stopped) return;
    // A lost session is replaced here, on the next round after its stores were released.
    this.client ??= await this.connect();
    const client = this.client;
    const members = await this.members(client);
    const stores = new Set(await this.options.stores());
    const me = this.options.workerId;
    for (const storeId of [...this.owned]) {
      if (!stores.has(storeId) || winner(members, storeId) !== me) await this.release(storeId);
    }
    for (const storeId of stores) {
      if (this.owned.has(storeId) || winner(members, storeId) !== me) continue;
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS ok',
        [lockKey(this.options.group, storeId)],
      );
      if (!rows[0]?.ok) continue; // the previous owner is still settling; next round
      this.owned.add(storeId);
      try {
        await this.options.listener.acquired(storeId);
      } catch (error) {
        await this.release(storeId);
        throw error;
      }
    }
  }

  private async members(client: pg.Client): Promise<string[]> {
    const prefix = `${APP_NAME_PREFIX}${this.options.group}/`;
    const { rows } = await client.query<{ name: string }>(
      `SELECT DISTINCT application_name AS name FROM pg_stat_activity
        WHERE datname = current_database() AND starts_with(application_name, $1)`,
      [prefix],
    );
    const ids = rows.map((r) => r.name.slice(prefix.length));
    if (!ids.includes(this.options.workerId)) ids.push(this.options.workerId);
    return ids;
  }

  private async release(storeId: string): Promise<void> {
    if (!this.owned.delete(storeId)) return;
    try {
      await this.options.listener.released(storeId);
    } finally {
      await this.client
        ?.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(this.options.group, storeId)])
        .catch(() => undefined);
    }
  }

  /** The session is gone, so are its locks: stop consuming every store; reconnect next round. */
  private onLost(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.options.onError?.(error);
    const stores = [...this.owned];
    this.owned.clear();
    this.round = this.round.then(async () => {
      for (const storeId of stores) {
        await this.options.listener.released(storeId).catch(() => undefined);
      }
    });
  }
}

/** The live worker a store belongs to: highest rendezvous hash of (worker, store). */
export function winner(workers: readonly string[], storeId: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const worker of workers) {
    const score = createHash('sha256')
      .update(`${worker}\u0000${storeId}`)
      .digest()
      .readBigUInt64BE();
    if (score > bestScore || (score === bestScore && best !== undefined && worker < best)) {
      best = worker;
      bestScore = score;
    }
  }
  return best;
}

/** 64-bit advisory lock key of a store in a group (signed, as PostgreSQL's bigint). */
export function lockKey(group: string, storeId: string): string {
  return createHash('sha256')
    .update(`aisle-store-owner\u0000${group}\u0000${storeId}`)
    .digest()
    .readBigInt64BE()
    .toString();
}
