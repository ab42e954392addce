/**
 * Chain mode, ingest side: an MQTT message is acknowledged to the broker only once JetStream has
 * confirmed (PubAck) the sightings it led to. Real NATS; the embedded MQTT broker.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { connectAsync } from 'mqtt';
import { MqttClientPort, startEmbeddedBroker } from '@aisle/hardware';
import type { RadioSighting } from '@aisle/sdk';
import { BusTopology } from '../../apps/core/src/bus/bus-topology.js';
import { BusMetrics, SightingPublisher } from '../../apps/core/src/bus/chain.js';
import { JetStreamClientProxy } from '../../apps/core/src/bus/jetstream.client.js';
import { ensureObsStream } from '../../apps/core/src/bus/obs-stream.js';
import {
  busServices,
  deleteBusStreams,
  uniqueBusPrefix,
  waitUntil,
} from '../support/bus-services.js';

const services = await busServices();
const describeBus = typeof services === 'string' ? describe.skip : describe;
if (typeof services === 'string') {
  console.warn(`ingest acknowledgement tests skipped: ${services} (they never skip with CI=true)`);
}

function sighting(i: number): RadioSighting {
  return {
    kind: 'wifi',
    storeId: 's1',
    sensorId: 'sniffer-a',
    at: 1_765_000_000_000 + i,
    period: 1_764_979_200_000,
    subject: i.toString(16).padStart(32, '0'),
    rssi: -60,
    randomized: false,
  };
}

describeBus('ingest in a chain: PUBACK after the PubAck', () => {
  const natsUrl = typeof services === 'string' ? '' : services.natsUrl;

  it('holds the MQTT PUBACK while JetStream does not confirm, and sends it once the stream has the sightings', async () => {
    const topology = new BusTopology(uniqueBusPrefix('ack'));
    const client = new JetStreamClientProxy({ servers: natsUrl, topology });
    await client.connect(); // creates the stream…
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(topology.obsStream); // …gone: publishes get no PubAck
    let attempts = 0;
    let confirmedPublishes = 0;
    const sut = new SightingPublisher({
      client: {
        publishSightings: async (batch) => {
          attempts += 1;
          const ack = await client.publishSightings(batch);
          confirmedPublishes += 1;
          return ack;
        },
      },
      metrics: new BusMetrics(),
      logger: pino({ level: 'silent' }),
    });
    const broker = await startEmbeddedBroker({ port: 0 });
    const hub = await MqttClientPort.connect(broker.url, {
      clientId: `${topology.prefix}-hub`,
      persistentSession: true,
      // As IngestModule does in a chain: the rows stored and the sightings confirmed.
      ackAfter: () => sut.confirmed(),
    });
    const device = await connectAsync(broker.url, { clientId: `${topology.prefix}-device` });
    try {
      await hub.subscribe('aisle/s1/obs', (_topic, payload) => {
        sut.publish(sighting(Number(payload.toString())));
      });
      await device.publishAsync('aisle/s1/obs', '1', { qos: 1 });

      await waitUntil('two publish attempts without a PubAck', () => attempts >= 2);
      expect(confirmedPublishes).toBe(0);
      expect(hub.acknowledgements).toMatchObject({ sent: 0, pending: 1 });

      await ensureObsStream(jsm, topology); // the stream is back: the next attempt is confirmed
      await waitUntil('the PUBACK', () => hub.acknowledgements.sent === 1);
      expect(confirmedPublishes).toBe(1);
      expect((await jsm.streams.info(topology.obsStream)).state.messages).toBe(1);
    } finally {
      await device.endAsync();
      await hub.close();
      await broker.close();
      await sut.stop();
      await client.close();
      await nc.close();
      await deleteBusStreams(natsUrl, topology.obsStream);
    }
  }, 30_000);
});
