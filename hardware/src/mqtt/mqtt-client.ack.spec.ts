import { connectAsync, type MqttClient, type Packet } from 'mqtt';
import { startTestBroker, uniqueName, type TestBroker } from '../testing/test-broker.js';
import { startEmbeddedBroker } from './embedded-broker.js';
import { MqttClientPort, type AckBarrier } from './mqtt-client.port.js';

/** Polls until `check` holds (or fails after 5 s). */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The PUBACKs the port's connection writes (read from mqtt.js's `packetsend` event). */
function pubacksOf(port: MqttClientPort): number[] {
  const sent: number[] = [];
  (port as unknown as { client: MqttClient }).client.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'puback' && packet.messageId !== undefined) sent.push(packet.messageId);
  });
  return sent;
}

describe(`${MqttClientPort.name} (acknowledge after commit)`, () => {
  let broker: TestBroker;
  let device: MqttClient;
  let prefix: string;
  const ports: MqttClientPort[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());
  beforeEach(async () => {
    prefix = uniqueName('mqtt-ack-spec');
    device = await connectAsync(broker.url, { clientId: `${prefix}-device` });
  });
  afterEach(async () => {
    await device.endAsync();
    for (const port of ports.splice(0)) await port.close();
  });

  const hub = async (
    ackAfter: AckBarrier,
    options: { holdUntilReady?: boolean; protocolVersion?: 4 | 5 } = {},
  ): Promise<MqttClientPort> => {
    const port = await MqttClientPort.connect(broker.url, {
      clientId: `${prefix}-hub`,
      persistentSession: true,
      ackAfter,
      ...options,
    });
    ports.push(port);
    return port;
  };

  it('sends a QoS 1 PUBACK only when the message is stored, in arrival order, without holding later messages', async () => {
    const barriers: Deferred[] = [];
    const sut = await hub(() => {
      const barrier = deferred();
      barriers.push(barrier);
      return barrier.promise;
    });
    const pubacks = pubacksOf(sut);
    const seen: string[] = [];
    await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));

    for (const n of ['1', '2', '3']) await device.publishAsync(`${prefix}/obs`, n, { qos: 1 });
    await eventually('all three handled', () => seen.length === 3); // not held back by acks
    expect(pubacks).toEqual([]);

    barriers[1]!.resolve(); // the second is stored first: its PUBACK still waits for the first
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pubacks).toEqual([]);
    barriers[0]!.resolve();
    await eventually('two PUBACKs', () => pubacks.length === 2);
    barriers[2]!.resolve();
    await eventually('three PUBACKs', () => pubacks.length === 3);
    expect(sut.acknowledgements).toMatchObject({ sent: 3, pending: 0 });
  });

  it('releases the PUBACKs of messages sharing one barrier promise together, in order, after it and the earlier ones', async () => {
    const first = deferred();
    const batch = deferred();
    const last = deferred();
    const order = [first.promise, batch.promise, batch.promise, batch.promise, last.promise];
    const sut = await hub(() => order.shift()!);
    const pubacks = pubacksOf(sut);
    const seen: number[] = [];
    await sut.subscribe(`${prefix}/obs`, () => seen.push(seen.length));

    for (let n = 0; n < 5; n += 1) await device.publishAsync(`${prefix}/obs`, `${n}`, { qos: 1 });
    await eventually('all five handled', () => seen.length === 5);
    batch.resolve(); // the batch's messages still wait for the first one
    last.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pubacks).toEqual([]);
    expect(sut.acknowledgements).toMatchObject({ sent: 0, pending: 5 });

    first.resolve();
    await eventually('five PUBACKs', () => pubacks.length === 5);
    expect(pubacks).toEqual([...pubacks].sort((a, b) => a - b)); // arrival order (ids ascend)
    expect(sut.acknowledgements).toMatchObject({ sent: 5, pending: 0 });
  });

  it('MQTT 5 (Mosquitto only): PUBACKs with reason code success, after the commit, in order', async () => {
    if (!broker.external) return; // the embedded broker (aedes) speaks 3.1.1 only
    const stored = deferred();
    const sut = await hub(() => stored.promise, { protocolVersion: 5 });
    const sent: Packet[] = [];
    (sut as unknown as { client: MqttClient }).client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'puback') sent.push(packet);
    });
    const seen: string[] = [];
    await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));

    for (const n of ['1', '2']) await device.publishAsync(`${prefix}/obs`, n, { qos: 1 });
    await eventually('both handled', () => seen.length === 2);
    expect(sent).toEqual([]);
    stored.resolve();
    await eventually('two PUBACKs', () => sent.length === 2);
    expect(sent.map((p) => p.cmd === 'puback' && p.reasonCode)).toEqual([0, 0]);
    expect(seen).toEqual(['1', '2']);
  });

  // Mosquitto redelivers the in-flight window to the resumed session with DUP (see withDupBroker).
  (process.env['MQTT_URL'] ? it : it.skip)(
    'a redelivery (DUP) after a dropped connection of a message this process handled is acknowledged once stored, not handled again',
    async () => {
      const stored = deferred();
      const sut = await hub(() => stored.promise);
      const pubacks = pubacksOf(sut);
      const seen: string[] = [];
      await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
      for (const n of ['1', '2']) await device.publishAsync(`${prefix}/obs`, n, { qos: 1 });
      await eventually('both handled', () => seen.length === 2);

      // The connection drops with both PUBACKs pending: the resumed session gets them again (DUP).
      (sut as unknown as { client: MqttClient }).client.stream.destroy();
      await eventually('both redelivered', () => sut.acknowledgements.redeliveriesSkipped === 2);
      expect(pubacks).toEqual([]);
      stored.resolve();
      await eventually('acknowledged', () => sut.acknowledgements.pending === 0);
      expect(seen).toEqual(['1', '2']); // handled once each
      expect(pubacks.length).toBeGreaterThanOrEqual(2);
    },
  );

  it('leaves an unstored message with the broker, which delivers it again to the resumed session', async () => {
    const never = new Promise<void>(() => undefined);
    const first = await hub(() => never);
    const seen: string[] = [];
    await first.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
    await device.publishAsync(`${prefix}/obs`, 'kept', { qos: 1 });
    await eventually('delivered once', () => seen.length === 1);
    ports.splice(ports.indexOf(first), 1);
    await first.close(); // "crash" before the commit: no PUBACK went out

    const again: string[] = [];
    const second = await hub(() => Promise.resolve(), { holdUntilReady: true });
    await second.subscribe(`${prefix}/obs`, (_topic, payload) => again.push(payload.toString()));
    second.ready();

    await eventually('redelivered', () => again.length === 1);
    expect(again).toEqual(['kept']);
  });

  // aedes resends a resumed session's unacknowledged messages without the DUP flag (and never
  // outlives the hub it runs in); Mosquitto sets it, as MQTT requires.
  const withDupBroker = process.env['MQTT_URL'] ? it : it.skip;
  withDupBroker(
    'a redelivery (DUP) whose receipt a crashed process committed is acknowledged, not handled again',
    async () => {
      const committed = new Map<number, string>(); // "the database": packet id → key
      const never = new Promise<void>(() => undefined);
      const first = await hub((_unacknowledged, receipt) => {
        // The rows and the receipt commit together… and the process dies before its PUBACK.
        if (receipt) committed.set(receipt.packetId, `${receipt.session}|${receipt.key}`);
        return never;
      });
      const seen: string[] = [];
      await first.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
      await device.publishAsync(`${prefix}/obs`, 'stored', { qos: 1 });
      await eventually('handled by the first process', () => seen.length === 1);
      ports.splice(ports.indexOf(first), 1);
      await first.close();
      await device.publishAsync(`${prefix}/obs`, 'queued', { qos: 1 }); // while the hub is away
      expect(committed.size).toBe(1);

      const again: string[] = [];
      const lookedUp: number[] = [];
      const second = await hub(() => Promise.resolve(), { holdUntilReady: true });
      second.acknowledgeWhen(
        () => Promise.resolve(),
        (receipts) => {
          lookedUp.push(...receipts.map((r) => r.packetId));
          return Promise.resolve(
            receipts.map((r) => committed.get(r.packetId) === `${r.session}|${r.key}`),
          );
        },
      );
      const pubacks = pubacksOf(second);
      await second.subscribe(`${prefix}/obs`, (_topic, payload) => again.push(payload.toString()));
      second.ready();

      await eventually('the queued message', () => again.length === 1);
      await eventually('both acknowledged', () => pubacks.length === 2);
      expect(again).toEqual(['queued']); // 'stored' was not handled a second time
      expect(lookedUp).toHaveLength(1); // only the redelivery was looked up
      expect(second.acknowledgements).toMatchObject({ committedSkipped: 1, unchecked: 0 });
    },
  );

  it('holds messages of a resumed session until ready(), then handles them in order', async () => {
    const first = await hub(() => Promise.resolve());
    await first.subscribe(`${prefix}/obs`, () => undefined);
    ports.splice(ports.indexOf(first), 1);
    await first.close();
    for (const n of ['a', 'b', 'c']) await device.publishAsync(`${prefix}/obs`, n, { qos: 1 });

    const seen: string[] = [];
    const sut = await hub(() => Promise.resolve(), { holdUntilReady: true });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the queued ones arrive now
    await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
    expect(seen).toEqual([]);
    sut.ready();

    await eventually('the queued messages', () => seen.length === 3);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('drain(): acknowledges what was handled, takes nothing more', async () => {
    const barrier = deferred();
    const sut = await hub(() => barrier.promise);
    const pubacks = pubacksOf(sut);
    const seen: string[] = [];
    await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
    await device.publishAsync(`${prefix}/obs`, 'before', { qos: 1 });
    await eventually('handled', () => seen.length === 1);

    const drained = sut.drain();
    await device.publishAsync(`${prefix}/obs`, 'after', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    barrier.resolve();
    await drained;

    expect(seen).toEqual(['before']);
    expect(pubacks).toHaveLength(1);
  });

  it('embedded broker: the publisher gets its PUBACK only once the message is stored, and the hub handles it once', async () => {
    const embedded = await startEmbeddedBroker({ port: 0 });
    const barrier = deferred();
    const sut = await MqttClientPort.connect(embedded.url, {
      clientId: `${prefix}-embedded-hub`,
      persistentSession: true,
      ackAfter: () => barrier.promise,
    });
    const sensor = await connectAsync(embedded.url, { clientId: `${prefix}-sensor` });
    try {
      embedded.beforeAcknowledge((_id, topic, payload) => sut.handleBeforeBroker(topic, payload));
      const seen: string[] = [];
      await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
      let acknowledged = false;
      const published = sensor
        .publishAsync(`${prefix}/obs`, 'x', { qos: 1 })
        .then(() => (acknowledged = true));

      await eventually('handled in-process', () => seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(acknowledged).toBe(false); // not stored yet: aedes holds its PUBACK
      barrier.resolve();
      await published;
      await eventually('the hub acknowledged its copy', () => sut.acknowledgements.sent === 1);

      expect(seen).toEqual(['x']); // the copy aedes delivered was not handled again
    } finally {
      await sensor.endAsync();
      await sut.close();
      await embedded.close();
    }
  });

  it('embedded broker: a sensor publishing before the drivers subscribed waits for them (not routed to nobody)', async () => {
    const embedded = await startEmbeddedBroker({ port: 0 });
    const sut = await MqttClientPort.connect(embedded.url, {
      clientId: `${prefix}-embedded-hub`,
      persistentSession: true,
      holdUntilReady: true,
      ackAfter: () => Promise.resolve(),
    });
    const sensor = await connectAsync(embedded.url, { clientId: `${prefix}-sensor` });
    try {
      embedded.beforeAcknowledge((clientId, topic, payload, packet) =>
        sut.handleBeforeBroker(topic, payload, { clientId, ...packet }),
      );
      let acknowledged = false;
      const published = sensor
        .publishAsync(`${prefix}/obs`, 'early', { qos: 1 })
        .then(() => (acknowledged = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(acknowledged).toBe(false); // held: nobody would have stored it

      const seen: string[] = [];
      await sut.subscribe(`${prefix}/obs`, (_topic, payload) => seen.push(payload.toString()));
      sut.ready();
      await published;
      await eventually('the hub acknowledged its copy', () => sut.acknowledgements.sent === 1);

      expect(seen).toEqual(['early']); // handled once, in-process
    } finally {
      await sensor.endAsync();
      await sut.close();
      await embedded.close();
    }
  });
});
