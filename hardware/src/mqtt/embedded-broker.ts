import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** The embedded broker could not start (port busy, address not available, …). */
export class EmbeddedBrokerError extends Error {
  override readonly name = 'EmbeddedBrokerError';
}

export interface EmbeddedBroker {
  /** `mqtt://host:port`, ready for {@link MqttClientPort.connect}. */
  url: string;
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  /** Disconnects every client and stops listening. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Acknowledge after commit with the embedded broker: aedes sends a QoS 1 PUBACK to the
   * publisher before it delivers the message, and `authorizePublish` is the only step before it.
   * The hook runs there for every publish of another client, and the PUBACK waits for its promise
   * (e.g. the hub handling the message in-process and storing its rows).
   */
  beforeAcknowledge(hook: BeforeAcknowledgeHook): void;
}

/**
 * Runs before the embedded broker acknowledges a publish: `packetId` (QoS 1/2) and `dup` (the
 * publisher sends it again, without a PUBACK for the first copy) name the message in the
 * publisher's session.
 */
export type BeforeAcknowledgeHook = (
  clientId: string,
  topic: string,
  payload: Buffer,
  packet: { packetId: number | undefined; dup: boolean },
) => Promise<void>;

export interface EmbeddedBrokerOptions {
  /** Address to listen on; loopback by default, so the broker is not exposed to the network. */
  host?: string;
  /** TCP port; 0 picks a free one (tests). */
  port?: number;
}

/** Default MQTT listener address: loopback only, nothing on the shop's network can publish. */
const DEFAULT_HOST = '127.0.0.1';
/** The IANA-registered MQTT port, so devices and tools find the broker without configuration. */
const DEFAULT_PORT = 1883;

/**
 * Starts an aedes MQTT broker inside this process (the `npm start` default when no MQTT_URL is
 * set). Retained messages and QoS 1/2 live in memory: they are gone when the process stops.
 */
export async function startEmbeddedBroker(
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  const host = options.host ?? DEFAULT_HOST;
  const requestedPort = options.port ?? DEFAULT_PORT;
  const broker = await Aedes.createBroker();
  let hook: BeforeAcknowledgeHook | undefined;
  broker.authorizePublish = (client, packet, callback) => {
    if (!hook || !client) {
      callback(null);
      return;
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const packetId = packet.qos > 0 ? packet.messageId : undefined;
    hook(client.id, packet.topic, payload, { packetId, dup: packet.dup }).then(
      () => callback(null),
      () => callback(null), // the hook reports its own failures; the message is still routed
    );
  };
  const server = createServer((socket) => {
    broker.handle(socket);
  });
  try {
    await listen(server, { host, port: requestedPort });
  } catch (error) {
    await closeBroker(broker);
    throw listenError(error, { host, port: requestedPort });
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : requestedPort;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    beforeAcknowledge: (next) => {
      hook = next;
    },
    close: () => {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closeBroker(broker); // disconnects the clients, so the server can finish closing
        await serverClosed;
      })();
      return closing;
    },
  };
}

function listen(server: Server, { host, port }: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function closeBroker(broker: Aedes): Promise<void> {
  return new Promise((resolve) => {
    if (broker.closed) resolve();
    else broker.close(() => resolve());
  });
}

function listenError(
  error: unknown,
  { host, port }: { host: string; port: number },
): EmbeddedBrokerError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new EmbeddedBrokerError(
      `port ${port} on ${host} is already in use; set MQTT_URL to use that broker or MQTT_PORT to move the embedded one`,
    );
  }
  if (code === 'EACCES') {
    return new EmbeddedBrokerError(
      `not allowed to listen on port ${port} on ${host}; set MQTT_PORT to a port above 1023`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new EmbeddedBrokerError(
      `cannot listen on ${host}: no such local address; set MQTT_HOST to an address of this machine`,
    );
  }
  return new EmbeddedBrokerError(
    `cannot listen on ${host}:${port}: ${(error as Error).message ?? String(error)}`,
  );
}
