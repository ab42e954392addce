import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Default local NATS (JetStream enabled), as on the development and CI machines. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface BusServices {
  natsUrl: string;
  databaseUrl: string;
}

/**
 * The NATS and PostgreSQL the bus tests use. With CI=true both must be set (the global setup has
 * checked they are reachable) and a missing one fails the test. Elsewhere NATS_URL defaults to
 * the local server; without DATABASE_URL, or with nothing listening, the caller skips (and says
 * why), because the embedded stand-ins have no equivalent for either.
 */
export async function busServices(): Promise<BusServices | string> {
  const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
  const databaseUrl = process.env.DATABASE_URL;
  if (process.env.CI === 'true') {
    if (!process.env.NATS_URL || !databaseUrl) {
      throw new Error('CI=true: the bus tests need NATS_URL and DATABASE_URL');
    }
    return { natsUrl, databaseUrl };
  }
  if (!databaseUrl) return 'DATABASE_URL is not set';
  if (!(await reachable(natsUrl))) return `no NATS at ${natsUrl}`;
  return { natsUrl, databaseUrl };
}

/** A prefix no other test or run uses (lower-case, as bus prefixes must be). */
export function uniqueBusPrefix(name: string): string {
  return `t${name}${process.pid}${randomBytes(4).toString('hex')}`.toLowerCase();
}

/** Deletes every stream whose name starts with the prefix's stream names (test cleanup). */
export async function deleteBusStreams(natsUrl: string, streamPrefix: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(streamPrefix)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

/** Polls `condition` every 20 ms until it holds (or throws after `timeoutMs`, naming `what`). */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 4222) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}
