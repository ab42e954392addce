import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { OutboxChannel } from './dispatcher.js';

/** Longest PostgreSQL identifier: the channel name is cut to it. */
const MAX_IDENTIFIER = 63;
/** First reconnect delay after the LISTEN connection dropped; doubles per failure (with jitter). */
const RECONNECT_BASE_MS = 50;
/** Longest reconnect delay: the channel is back at most about this long after the database. */
const RECONNECT_MAX_MS = 1000;

interface ChannelParams {
  dataSource: DataSource;
  url: string;
  onWake: () => void;
  onError?: (error: unknown) => void;
  /** Called after the connection was re-established and LISTEN renewed. */
  onReconnect?: () => void;
}

/**
 * Wakes the dispatchers of other hubs on the same PostgreSQL database (LISTEN/NOTIFY): a hub
 * whose dispatcher has no room for messages it just wrote notifies; the others claim them at once
 * instead of at their next poll. Its own notifications are ignored. One connection per hub, on
 * the channel of the data source's schema. Not for PGlite (one process owns that database).
 *
 * When the connection drops (database restart, terminated backend), it reconnects with capped,
 * jittered back-off, renews LISTEN, and wakes its own dispatcher once: notifications sent while
 * it was away are lost, so whatever changed meanwhile is picked up by looking again.
 */
export class PgOutboxChannel implements OutboxChannel {
  private readonly instance = randomUUID();
  private client: pg.Client | null = null;
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Times the LISTEN connection was re-established. */
  reconnects = 0;

  private constructor(
    private readonly params: ChannelParams,
    private readonly channel: string,
  ) {}

  /** Connects and listens; `onWake` is called for every other hub's notification. */
  static async open(params: ChannelParams): Promise<PgOutboxChannel> {
    const options = params.dataSource.options as { schema?: string };
    const channel = `aisle_webhooks_${options.schema ?? 'public'}`.slice(0, MAX_IDENTIFIER);
    const sut = new PgOutboxChannel(params, channel);
    await sut.connect();
    return sut;
  }

  /** The application name of the LISTEN connection (to find its backend in pg_stat_activity). */
  get applicationName(): string {
    return `aisle-listen-${this.instance.slice(0, 8)}`;
  }

  async notify(): Promise<void> {
    await this.params.dataSource.query('SELECT pg_notify($1, $2)', [this.channel, this.instance]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await client?.end();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.params.url,
      application_name: this.applicationName,
    });
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload !== this.instance) this.params.onWake();
    });
    client.on('error', (error) => {
      this.params.onError?.(error);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return; // not the current one (a failed attempt, or closed)
    this.client = null;
    client.end().catch(() => undefined);
    if (!this.closed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.timer !== null || this.closed) return;
    this.failures += 1;
    const nominal = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** (this.failures - 1));
    const delay = Math.round(nominal * (0.5 + Math.random() * 0.5));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.failures = 0;
          this.reconnects += 1;
          this.params.onReconnect?.();
          this.params.onWake(); // look for what changed while nobody listened
        },
        (error: unknown) => {
          this.params.onError?.(error);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.timer.unref();
  }
}
