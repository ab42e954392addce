import type { MqttPort, Unsubscribe } from './ports.js';
import { subscribeAll, teardownAll } from './subscriptions.js';
import { FakeMqttPort } from './testing/fake-ports.js';

function recorder(): {
  messages: string[];
  handler: (topic: string, payload: Buffer) => void;
} {
  const messages: string[] = [];
  return { messages, handler: (topic, payload) => messages.push(`${topic} ${payload.toString()}`) };
}

function warnings(): { logged: unknown[][]; logger: { warn: (...args: unknown[]) => void } } {
  const logged: unknown[][] = [];
  return { logged, logger: { warn: (...args) => logged.push(args) } };
}

/** A port whose n-th subscribe (from 0) fails, and that counts what is subscribed. */
class FlakyMqttPort implements MqttPort {
  active = 0;
  calls = 0;

  constructor(
    private readonly failAt: number,
    private readonly onSubscribe?: () => void,
  ) {}

  subscribe(): Promise<Unsubscribe> {
    const call = this.calls++;
    this.onSubscribe?.();
    if (call === this.failAt) return Promise.reject(new Error('broker refused the filter'));
    this.active += 1;
    return Promise.resolve(() => {
      this.active -= 1;
    });
  }

  publish(): Promise<void> {
    return Promise.resolve();
  }
}

describe(subscribeAll.name, () => {
  it('delivers each topic to its own handler until torn down', async () => {
    const mqtt = new FakeMqttPort();
    const a = recorder();
    const b = recorder();
    const sut = await subscribeAll(mqtt, [
      { topic: 'shop/+/batch', handler: a.handler },
      { topic: 'shop/s1/status', handler: b.handler },
    ]);
    expect(mqtt.subscriptionCount).toBe(2);

    mqtt.deliver('shop/s1/batch', 'one');
    mqtt.deliver('shop/s1/status', 'online');
    await sut();
    mqtt.deliver('shop/s1/batch', 'two');

    expect(a.messages).toEqual(['shop/s1/batch one']);
    expect(b.messages).toEqual(['shop/s1/status online']);
    expect(mqtt.subscriptionCount).toBe(0);
  });

  it('unsubscribes once however often the teardown is called', async () => {
    const mqtt = new FakeMqttPort();
    let unsubscribed = 0;
    const counting: MqttPort = {
      subscribe: async (filter, handler) => {
        const unsubscribe = await mqtt.subscribe(filter, handler);
        return () => {
          unsubscribed += 1;
          return unsubscribe();
        };
      },
      publish: (topic, payload) => mqtt.publish(topic, payload),
    };
    const sut = await subscribeAll(counting, [{ topic: 't', handler: () => undefined }]);

    await Promise.all([sut(), sut()]);
    await sut();

    expect(unsubscribed).toBe(1);
  });

  it('stops delivering and unsubscribes when the signal is aborted', async () => {
    const mqtt = new FakeMqttPort();
    const abort = new AbortController();
    const a = recorder();
    await subscribeAll(mqtt, [{ topic: 't', handler: a.handler }], { signal: abort.signal });

    abort.abort();
    mqtt.deliver('t', 'late');
    await Promise.resolve();

    expect(a.messages).toEqual([]);
    expect(mqtt.subscriptionCount).toBe(0);
  });

  it('drops the subscriptions already made when one fails, and throws its error', async () => {
    const mqtt = new FlakyMqttPort(2);
    const topics = ['a', 'b', 'c', 'd'].map((topic) => ({ topic, handler: () => undefined }));

    await expect(subscribeAll(mqtt, topics)).rejects.toThrow('broker refused the filter');

    expect(mqtt.calls).toBe(3);
    expect(mqtt.active).toBe(0);
  });

  it('subscribes no further once the signal is aborted midway', async () => {
    const abort = new AbortController();
    const mqtt = new FlakyMqttPort(-1, () => {
      if (mqtt.calls === 2) abort.abort();
    });
    const topics = ['a', 'b', 'c', 'd'].map((topic) => ({ topic, handler: () => undefined }));

    await subscribeAll(mqtt, topics, { signal: abort.signal });

    expect(mqtt.calls).toBe(2);
    expect(mqtt.active).toBe(0);
  });

  it('subscribes nothing for a signal aborted before the call', async () => {
    const mqtt = new FakeMqttPort();
    const abort = new AbortController();
    abort.abort();

    await subscribeAll(mqtt, [{ topic: 't', handler: () => undefined }], { signal: abort.signal });

    expect(mqtt.subscriptionCount).toBe(0);
  });

  it('logs a failed unsubscribe and still runs the others', async () => {
    const mqtt = new FakeMqttPort();
    const { logged, logger } = warnings();
    let calls = 0;
    const failingFirst: MqttPort = {
      subscribe: async (filter, handler) => {
        const unsubscribe = await mqtt.subscribe(filter, handler);
        const first = calls++ === 0;
        return async () => {
          await unsubscribe();
          if (first) throw new Error('connection closed');
        };
      },
      publish: (topic, payload) => mqtt.publish(topic, payload),
    };
    const sut = await subscribeAll(
      failingFirst,
      [
        { topic: 'a', handler: () => undefined },
        { topic: 'b', handler: () => undefined },
      ],
      { logger },
    );

    await expect(sut()).resolves.toBeUndefined();

    expect(logged).toEqual([['unsubscribing failed', { error: 'connection closed' }]]);
    expect(mqtt.subscriptionCount).toBe(0);
  });
});

describe(teardownAll.name, () => {
  it('runs every unsubscribe in order, once, logging failures', async () => {
    const ran: string[] = [];
    const { logged, logger } = warnings();
    const sut = teardownAll(
      [
        () => void ran.push('route'),
        () => {
          ran.push('broken');
          throw new Error('already gone');
        },
        async () => {
          await Promise.resolve();
          ran.push('subscription');
        },
      ],
      { logger },
    );

    await sut();
    await sut();

    expect(ran).toEqual(['route', 'broken', 'subscription']);
    expect(logged).toEqual([['unsubscribing failed', { error: 'already gone' }]]);
  });
});
