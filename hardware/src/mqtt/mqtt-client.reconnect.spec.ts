import { jest } from '@jest/globals';
import { connectAsync, type MqttClient, type Packet } from 'mqtt';
import { uniqueName } from '../testing/test-broker.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { MqttClientPort } from './mqtt-client.port.js';

/**
 * Connection-level faults of the acknowledge-after-commit path, against the embedded (aedes)
 * broker on purpose: it has no in-flight window (Mosquitto's default lets 20 QoS 1 messages wait
 * for their PUBACK), so a hub can hold thousands of PUBACKs back, as the core does under load with
 * MQTT_RECEIVE_MAXIMUM.
 */
describe(`${MqttClientPort.name} (reconnects under load)`, () => {
  let broker: EmbeddedBroker;
  let device: MqttClient;
  let prefix: string;
  const ports: MqttClientPort[] = [];

  beforeEach(async () => {
    prefix = uniqueName('mqtt-reconnect-spec');
    broker = await startEmbeddedBroker({ port: 0 });
    // No keep-alive: the fake clock of one test must not time the device out.
    device = await connectAsync(broker.url, { clientId: `${prefix}-device`, keepalive: 0 });
  });
  afterEach(async () => {
    jest.useRealTimers();
    await device.endAsync();
    for (const port of ports.splice(0)) await port.close();
    await broker.close();
  });

  const clientOf = (port: MqttClientPort): MqttClient =>
    (port as unknown as { client: MqttClient }).client;
  const next = (client: MqttClient, event: 'close' | 'connect'): Promise<void> =>
    new Promise((resolve) => client.once(event, () => resolve()));

  /** Subscribes; `all` resolves once `count` messages on `topic` reached the port's handlers. */
  const handled = async (
    port: MqttClientPort,
    topic: string,
    count: number,
  ): Promise<{ all: Promise<void> }> => {
    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    await port.subscribe(topic, () => {
      seen += 1;
      if (seen === count) done();
    });
    return { all };
  };

  it('sends the PUBACKs committed while disconnected once reconnected, without overflowing the stack', async () => {
    // mqtt.js writes its offline queue by recursion (each packet's write callback sends the
    // next): 1,000 queued PUBACKs overflowed the stack and killed the core on reconnect.
    const count = 3_000;
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const sut = await MqttClientPort.connect(broker.url, {
      clientId: `${prefix}-hub`,
      persistentSession: true,
      ackAfter: () => committed,
    });
    ports.push(sut);
    const client = clientOf(sut);
    const topic = `${prefix}/obs`;
    const { all } = await handled(sut, topic, count);
    await Promise.all(
      Array.from({ length: count }, (_, i) => device.publishAsync(topic, String(i), { qos: 1 })),
    );
    await all;
    expect(sut.acknowledgements.pending).toBe(count);

    // The network drops with every PUBACK still waiting for its commit…
    const closed = next(client, 'close');
    client.stream.destroy();
    await closed;
    // …which lands while the hub is disconnected: mqtt.js queues the PUBACKs for the reconnect.
    const acknowledged = new Set<number>();
    let allAcknowledged!: () => void;
    const sentAll = new Promise<void>((resolve) => (allAcknowledged = resolve));
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return;
      acknowledged.add(packet.messageId);
      if (acknowledged.size === count) allAcknowledged();
    });
    commit();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sut.acknowledgements).toMatchObject({ sent: count, pending: 0 });
    expect(acknowledged.size).toBe(0); // nothing written yet: all queued offline

    await next(client, 'connect');
    await sentAll;
    expect(sut.status().connected).toBe(true);
  });

  it('keeps the connection while messages are held by back-pressure longer than the keep-alive', async () => {
    const sut = await MqttClientPort.connect(broker.url, {
      clientId: `${prefix}-hub`,
      persistentSession: true,
      ackAfter: () => Promise.resolve(),
    });
    ports.push(sut);
    const client = clientOf(sut);
    // From here a fake clock runs the hub's timers: its keep-alive (mqtt.js's default 60 s: a
    // PINGREQ after 60 s without a sign of life, the connection dropped 30 s later) and the hold
    // of each message (at most 2 s). The broker's own keep-alive check started on the real clock
    // (at CONNECT) and stays there; sockets are real, and each step of the clock lets them run.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const count = 60;
    const topic = `${prefix}/obs`;
    let seen = 0;
    await sut.subscribe(topic, () => (seen += 1)); // the SUBACK restarts the keep-alive (fake)

    // The fake clock drives the keep-alive: idle for 60 s, the hub pings and the broker answers.
    const pong = new Promise<void>((resolve) => {
      client.on('packetreceive', (packet: Packet) => {
        if (packet.cmd === 'pingresp') resolve();
      });
    });
    await jest.advanceTimersByTimeAsync(60_000);
    await pong;

    let wake = (): void => undefined;
    const changed = (): Promise<void> => new Promise((resolve) => (wake = resolve));
    const dropped: string[] = [];
    client.on('error', (error) => dropped.push(error.message));
    client.on('offline', () => {
      dropped.push('offline');
      wake();
    });
    // The consumer stays full: every message is held for the longest a hold lasts.
    const full = new Promise<void>(() => undefined);
    let held = 0;
    sut.holdInputWhile(() => {
      held += 1;
      wake();
      return full;
    });
    // 60 messages held 2 s each: two minutes of holding, with the broker's PINGRESP (if a PINGREQ
    // went out) queued behind them on the socket.
    await Promise.all(
      Array.from({ length: count }, (_, i) => device.publishAsync(topic, String(i), { qos: 1 })),
    );
    const started = Date.now(); // the fake clock
    // The clock moves only while a message is held: each step ends the hold of one.
    for (let i = 0; i < count && dropped.length === 0; i += 1) {
      while (held <= i && dropped.length === 0) await changed();
      await jest.advanceTimersByTimeAsync(2_000);
    }

    expect(dropped).toEqual([]);
    expect(seen).toBe(count); // each once: no redelivery after a dropped connection
    expect(held).toBe(count);
    expect(Date.now() - started).toBeGreaterThan(90_000); // longer than the keep-alive allows
    expect(sut.status().connected).toBe(true);
  });
});
