import { connectAsync, type MqttClient } from 'mqtt';
import { startTestBroker, uniqueName, type TestBroker } from '../testing/test-broker.js';
import { startEmbeddedBroker } from './embedded-broker.js';
import { MqttClientPort, MqttConnectError } from './mqtt-client.port.js';

/** Polls until `check` holds (or fails after 5 s). */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(MqttClientPort.name, () => {
  let broker: TestBroker;
  let sut: MqttClientPort;
  let device: MqttClient;
  let prefix: string;

  beforeAll(async () => {
    broker = await startTestBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  beforeEach(async () => {
    prefix = uniqueName('mqtt-port-spec');
    sut = await MqttClientPort.connect(broker.url, { clientId: `${prefix}-hub` });
    device = await connectAsync(broker.url, { clientId: `${prefix}-device` });
  });

  afterEach(async () => {
    await device.endAsync();
    await sut.close();
  });

  it('routes messages to every handler whose filter matches, wildcards included', async () => {
    const seen: string[] = [];
    await sut.subscribe(`${prefix}/+/observations`, (topic) => seen.push(`plus ${topic}`));
    await sut.subscribe(`${prefix}/#`, (topic) => seen.push(`hash ${topic}`));
    await sut.subscribe(`${prefix}/s1/observations`, (topic) => seen.push(`exact ${topic}`));
    await device.publishAsync(`${prefix}/s1/observations`, 'a');
    await device.publishAsync(`${prefix}/s2/status`, 'b');
    await eventually('four deliveries', () => seen.length === 4);
    expect(seen.sort()).toEqual(
      [
        `exact ${prefix}/s1/observations`,
        `hash ${prefix}/s1/observations`,
        `hash ${prefix}/s2/status`,
        `plus ${prefix}/s1/observations`,
      ].sort(),
    );
  });

  it('routes a topic already seen to a filter subscribed later, and not to one that left', async () => {
    const topic = `${prefix}/s1/observations`;
    const seen: string[] = [];
    await sut.subscribe(topic, (_t, p) => seen.push(`exact ${p.toString()}`));
    await device.publishAsync(topic, '1');
    await eventually('the first message', () => seen.length === 1);
    // The topic's matching routes are remembered now: a new filter must still be found.
    const unsubscribe = await sut.subscribe(`${prefix}/+/observations`, (_t, p) =>
      seen.push(`plus ${p.toString()}`),
    );
    await device.publishAsync(topic, '2');
    await eventually('both handlers', () => seen.length === 3);
    await unsubscribe();
    await device.publishAsync(topic, '3');
    await eventually('the exact handler', () => seen.length === 4);
    expect(seen.sort()).toEqual(['exact 1', 'exact 2', 'exact 3', 'plus 2']);
  });

  it('subscribes a filter once at the broker and leaves it only when its last handler goes', async () => {
    const filter = `${prefix}/shared/#`;
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribeFirst = await sut.subscribe(filter, (_t, p) => first.push(p.toString()));
    const unsubscribeSecond = await sut.subscribe(filter, (_t, p) => second.push(p.toString()));
    expect(sut.subscriptionCount).toBe(1);

    await unsubscribeFirst();
    await unsubscribeFirst(); // idempotent: must not remove the second handler
    expect(sut.subscriptionCount).toBe(1);
    await device.publishAsync(`${prefix}/shared/x`, 'after-first-left');
    await eventually('the second handler', () => second.length === 1);
    expect(first).toEqual([]);

    await unsubscribeSecond();
    expect(sut.subscriptionCount).toBe(0);
    // Proof the broker no longer sends it: a fresh subscription elsewhere still works, this one is silent.
    const probe: string[] = [];
    await sut.subscribe(`${prefix}/probe`, () => probe.push('probe'));
    await device.publishAsync(`${prefix}/shared/x`, 'after-all-left');
    await device.publishAsync(`${prefix}/probe`, 'p');
    await eventually('the probe', () => probe.length === 1);
    expect(second).toEqual(['after-first-left']);
  });

  it('keeps payloads binary: bytes that are not UTF-8 arrive unchanged', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7f]);
    let received: Buffer | undefined;
    await sut.subscribe(`${prefix}/binary`, (_topic, payload) => {
      received = payload;
    });
    await device.publishAsync(`${prefix}/binary`, bytes);
    await eventually('the binary message', () => received !== undefined);
    expect(Buffer.isBuffer(received)).toBe(true);
    expect(received?.equals(bytes)).toBe(true);
  });

  it('publishes, retained when asked', async () => {
    await sut.publish(`${prefix}/retained`, 'online', { retain: true, qos: 1 });
    const late = await connectAsync(broker.url, { clientId: `${prefix}-late` });
    const got = new Promise<{ payload: string; retain: boolean }>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ payload: payload.toString(), retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(`${prefix}/retained`);
    await expect(got).resolves.toEqual({ payload: 'online', retain: true });
    await sut.publish(`${prefix}/retained`, '', { retain: true }); // clear it
    await late.endAsync();
  });

  it('a throwing handler does not stop the others', async () => {
    const errors: string[] = [];
    await sut.close();
    sut = await MqttClientPort.connect(broker.url, {
      clientId: `${prefix}-hub2`,
      onHandlerError: (error) => errors.push((error as Error).message),
    });
    const seen: string[] = [];
    await sut.subscribe(`${prefix}/t`, () => {
      throw new Error('boom');
    });
    await sut.subscribe(`${prefix}/t`, () => seen.push('ok'));
    await device.publishAsync(`${prefix}/t`, 'x');
    await eventually('the second handler', () => seen.length === 1);
    expect(errors).toEqual(['boom']);
  });

  it('rejects an invalid filter', async () => {
    await expect(sut.subscribe('a/#/b', () => undefined)).rejects.toThrow(
      /# must be a whole level and the last one/,
    );
  });

  it('reports its status and reconnects, re-subscribing, when the broker comes back', async () => {
    // Needs a broker this test can stop: always an embedded one.
    const own = await startEmbeddedBroker({ port: 0 });
    const port = own.port;
    const client = await MqttClientPort.connect(own.url, { clientId: `${prefix}-reconnect` });
    try {
      const seen: string[] = [];
      await client.subscribe(`${prefix}/again`, (_t, p) => seen.push(p.toString()));
      expect(client.status()).toEqual({ connected: true, reconnecting: false });

      await own.close();
      await eventually('the drop to be noticed', () => !client.status().connected);
      expect(client.status().message).toEqual(expect.any(String));

      const revived = await startEmbeddedBroker({ port });
      try {
        await eventually('the reconnect', () => client.status().connected);
        const publisher = await connectAsync(revived.url, { clientId: `${prefix}-pub` });
        // The re-subscription may land just after the CONNACK: publish until it is delivered.
        await eventually('delivery after reconnect', () => {
          void publisher.publishAsync(`${prefix}/again`, 'back');
          return seen.length > 0;
        });
        expect(seen[0]).toBe('back');
        await publisher.endAsync();
      } finally {
        await client.close();
        await revived.close();
      }
    } finally {
      await client.close();
    }
  });

  it('fails to connect with a clear error when nothing listens', async () => {
    const own = await startEmbeddedBroker({ port: 0 });
    await own.close();
    await expect(
      MqttClientPort.connect(own.url, { clientId: `${prefix}-nobody`, connectTimeoutMs: 500 }),
    ).rejects.toThrow(MqttConnectError);
    await expect(
      MqttClientPort.connect(own.url, { clientId: `${prefix}-nobody`, connectTimeoutMs: 500 }),
    ).rejects.toThrow(`cannot connect to the MQTT broker at mqtt://127.0.0.1:${own.port}`);
  });

  it('status after close says so', async () => {
    await sut.close();
    expect(sut.status()).toEqual(expect.objectContaining({ connected: false }));
  });
});
