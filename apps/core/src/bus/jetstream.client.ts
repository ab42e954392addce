import { createHash } from 'node:crypto';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { jetstream, jetstreamManager, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Sighting } from '@aisle/sdk';
import { OBS_PATTERN, type BusTopology } from './bus-topology.js';
import { ensureObsStream } from './obs-stream.js';
import { encodeSightingMessage } from './sighting-message.js';

export interface JetStreamClientOptions {
  /** NATS URL(s), comma-separated. */
  servers: string;
  topology: BusTopology;
}

/**
 * The publishing side of the bus as a Nest `ClientProxy`: `client.emit(OBS_PATTERN, sighting)`
 * validates the sighting (a raw address or an unknown field is refused with
 * `RawIdentifierOnBusError`/`BusMessageError` before anything is sent), publishes it on
 * `aisle.obs.<storeId>` and completes when JetStream has stored it (PubAck). The message id is a
 * digest of the bytes, so a retried publish within the duplicate window is stored once.
 * Request-response is not offered: the bus carries events only.
 */
export class JetStreamClientProxy extends ClientProxy {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connecting: Promise<NatsConnection> | undefined;

  constructor(private readonly options: JetStreamClientOptions) {
    super();
  }

  connect(): Promise<NatsConnection> {
    this.connecting ??= (async () => {
      const nc = await connect({
        servers: this.options.servers.split(','),
        name: 'aisle-ingest',
      });
      await ensureObsStream(await jetstreamManager(nc), this.options.topology);
      this.nc = nc;
      this.js = jetstream(nc);
      return nc;
    })();
    this.connecting.catch(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    this.connecting = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  unwrap<T>(): T {
    if (!this.nc) throw new Error('JetStreamClientProxy is not connected');
    return this.nc as T;
  }

  override on(): void {
    // Connection status is not surfaced as events; publish failures reject the emit.
  }

  /**
   * Publishes sightings of one store as one message and resolves with JetStream's
   * acknowledgement (at most MAX_SIGHTINGS_PER_MESSAGE).
   */
  async publishSightings(sightings: readonly Sighting[]): Promise<PubAck> {
    const bytes = encodeSightingMessage(sightings);
    if (!this.js) await this.connect();
    const js = this.js as JetStreamClient;
    const storeId = (sightings[0] as Sighting).storeId;
    return js.publish(this.options.topology.obsSubject(storeId), bytes, {
      msgID: createHash('sha256').update(bytes).digest('base64url'),
    });
  }

  protected override async dispatchEvent<T = PubAck>(packet: ReadPacket): Promise<T> {
    if (packet.pattern !== OBS_PATTERN) {
      throw new Error(
        `the JetStream bus carries "${OBS_PATTERN}" only (got "${String(packet.pattern)}")`,
      );
    }
    const data = packet.data as Sighting | Sighting[];
    return (await this.publishSightings(Array.isArray(data) ? data : [data])) as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({
      err: new Error('request-response is not supported on the JetStream bus (events only)'),
      isDisposed: true,
    });
    return () => undefined;
  }
}
