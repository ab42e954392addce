import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { OutboxChannel } from './dispatcher.js';

/** Longest PostgreSQL identifier: the channel name is cut to it. */
const MAX_IDENTIFIER = 63;

/**
 * Wakes the dispatchers of other hubs on the same PostgreSQL database (LISTEN/NOTIFY): a hub
 * whose dispatcher has no room for messages it just wrote notifies; the others claim them at once
 * instead of at their next poll. Its own notifications are ignored. One connection per hub, on
 * the channel of the data source's schema. Not for PGlite (one process owns that database).
 */
export class PgOutboxChannel implements OutboxChannel {
  private readonly instance = randomUUID();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly client: pg.Client,
  ) {}

  /** Connects and listens; `onWake` is called for every other hub's notification. */
  static async open(params: {
    dataSource: DataSource;
    url: string;
    onWake: () => void;
    onError?: (error: unknown) => void;
  }): Promise<PgOutboxChannel> {
    const options = params.dataSource.options as { schema?: string };
    const channel = `aisle_webhooks_${options.schema ?? 'public'}`.slice(0, MAX_IDENTIFIER);
    const client = new pg.Client({ connectionString: params.url, application_name: 'aisle' });
    await client.connect();
    const sut = new PgOutboxChannel(params.dataSource, channel, client);
    client.on('notification', (n) => {
      if (n.channel === channel && n.payload !== sut.instance) params.onWake();
    });
    client.on('error', (error) => params.onError?.(error));
    await client.query(`LISTEN "${channel}"`);
    return sut;
  }

  async notify(): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [this.channel, this.instance]);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
