import { connectAsync } from 'mqtt';
import { EmbeddedBrokerError, startEmbeddedBroker } from './embedded-broker.js';

describe(startEmbeddedBroker.name, () => {
  it('listens on a free port and carries messages between clients', async () => {
    const sut = await startEmbeddedBroker({ port: 0 });
    try {
      expect(sut.port).toBeGreaterThan(0);
      expect(sut.url).toBe(`mqtt://127.0.0.1:${sut.port}`);
      const client = await connectAsync(sut.url, { clientId: 'embedded-broker-spec' });
      const received = new Promise<string>((resolve) =>
        client.on('message', (_topic, payload) => resolve(payload.toString('utf8'))),
      );
      await client.subscribeAsync('spec/#');
      await client.publishAsync('spec/hello', 'world');
      await expect(received).resolves.toBe('world');
      await client.endAsync();
    } finally {
      await sut.close();
    }
  });

  it('explains a busy port and names the way out', async () => {
    const first = await startEmbeddedBroker({ port: 0 });
    try {
      const attempt = startEmbeddedBroker({ port: first.port });
      await expect(attempt).rejects.toBeInstanceOf(EmbeddedBrokerError);
      await expect(attempt).rejects.toThrow(
        `port ${first.port} on 127.0.0.1 is already in use; set MQTT_URL to use that broker or MQTT_PORT to move the embedded one`,
      );
    } finally {
      await first.close();
    }
  });

  it('closes with clients still connected, and closing twice is harmless', async () => {
    const sut = await startEmbeddedBroker({ port: 0 });
    const client = await connectAsync(sut.url, {
      clientId: 'embedded-close-spec',
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await sut.close();
    await sut.close();
    await closed;
    client.end(true);
    // The port is free again.
    const again = await startEmbeddedBroker({ port: sut.port });
    await again.close();
  });
});
