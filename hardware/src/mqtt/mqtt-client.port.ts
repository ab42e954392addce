import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { redactMacs, type MqttPort, type Unsubscribe } from '@aisle/sdk';
import { topicFilterProblem, topicMatches } from './topic-filter.js';

type MessageHandler = (topic: string, payload: Buffer) => void;

/** The connection's state, for /health. */
export interface MqttClientStatus {
  /** A CONNACK was received and the connection has not dropped since. */
  connected: boolean;
  /** The connection dropped and mqtt.js is trying again. */
  reconnecting: boolean;
  /** Why the connection is not up (last error), when it is not. */
  message?: string;
}

export interface MqttPublishOptions {
  qos?: 0 | 1 | 2;
  /** The broker keeps the message and hands it to every future subscriber (status topics). */
  retain?: boolean;
}

export interface MqttClientPortOptions {
  /** Unique per connection: a broker drops the older of two connections with the same id. */
  clientId: string;
  username?: string;
  password?: string;
  /** How long `connect` waits for the first CONNACK before giving up. */
  connectTimeoutMs?: number;
  /** Called when a subscriber's handler throws (the other handlers still get the message). */
  onHandlerError?: (error: unknown, topic: string) => void;
}

/** The first connection could not be made. */
export class MqttConnectError extends Error {
  override readonly name = 'MqttConnectError';
}

/** Long enough for a broker on the LAN under load; short enough that a wrong MQTT_URL fails start. */
const CONNECT_TIMEOUT_MS = 10_000;
/** mqtt.js retries a dropped connection after this pause (its default, stated here on purpose). */
const RECONNECT_PERIOD_MS = 1_000;
/**
 * Subscriptions ask for QoS 1: a device publishing with QoS 1 then gets at-least-once delivery to
 * the hub; QoS 0 publishers stay QoS 0 (the broker delivers at the lower of the two).
 */
const SUBSCRIBE_QOS = 1;
/** How long `close()` waits for in-flight messages before dropping the connection. */
const CLOSE_GRACE_MS = 2_000;

interface Route {
  filter: string;
  /** One entry per `subscribe` call, so the same function may be subscribed twice independently. */
  handlers: Set<{ handler: MessageHandler }>;
  /** Settles when the broker has acknowledged the subscription. */
  ready: Promise<void>;
}

/**
 * The hub's one shared MQTT connection, as the SDK's {@link MqttPort}. Each topic filter is
 * subscribed once at the broker however many handlers use it, and unsubscribed when the last
 * handler leaves; mqtt.js reconnects and re-subscribes on its own. Payloads stay binary `Buffer`s.
 */
export class MqttClientPort implements MqttPort {
  private readonly routes = new Map<string, Route>();
  /** UNSUBSCRIBEs in flight per filter: a new SUBSCRIBE for the filter is sent after them. */
  private readonly leaving = new Map<string, Promise<void>>();
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly onHandlerError: (error: unknown, topic: string) => void,
  ) {
    client.on('message', (topic, payload) => this.dispatch(topic, payload));
    client.on('connect', () => {
      this.lastError = undefined;
    });
    client.on('error', (error) => {
      this.lastError = redactMacs(error.message);
    });
    client.on('offline', () => {
      this.lastError ??= 'connection to the broker lost';
    });
  }

  /** Connects to `url` and resolves once the broker accepted the connection. */
  static async connect(url: string, options: MqttClientPortOptions): Promise<MqttClientPort> {
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: timeoutMs,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    const client = connect(url, clientOptions);
    let lastError: string | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new MqttConnectError(
              `cannot connect to the MQTT broker at ${redactUrl(url)} within ${timeoutMs} ms${lastError ? `: ${lastError}` : ''}`,
            ),
          );
        }, timeoutMs);
        const onConnect = (): void => {
          cleanup();
          resolve();
        };
        const onError = (error: Error): void => {
          lastError = error.message;
          // The broker refused us (bad credentials, client id rejected): retrying will not help.
          if ('code' in error && typeof error.code === 'number') {
            cleanup();
            reject(
              new MqttConnectError(
                `the MQTT broker at ${redactUrl(url)} refused the connection: ${error.message}`,
              ),
            );
          }
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          client.off('connect', onConnect);
          client.off('error', onError);
        };
        client.on('connect', onConnect);
        client.on('error', onError);
      });
    } catch (error) {
      client.on('error', () => undefined); // a late socket error must not become an uncaught one
      client.end(true);
      throw error;
    }
    return new MqttClientPort(client, options.onHandlerError ?? defaultHandlerError);
  }

  async subscribe(topicFilter: string, handler: MessageHandler): Promise<Unsubscribe> {
    const problem = topicFilterProblem(topicFilter);
    if (problem !== null) throw new Error(`invalid topic filter ${topicFilter}: ${problem}`);
    if (this.closing) throw new Error('the MQTT connection is closed');
    let route = this.routes.get(topicFilter);
    if (!route) {
      const previous = this.leaving.get(topicFilter) ?? Promise.resolve();
      route = {
        filter: topicFilter,
        handlers: new Set(),
        ready: previous.then(() => this.brokerSubscribe(topicFilter)),
      };
      this.routes.set(topicFilter, route);
    }
    const entry = { handler };
    route.handlers.add(entry);
    try {
      await route.ready;
    } catch (error) {
      await this.leave(route, entry);
      throw error;
    }
    let left = false;
    return async () => {
      if (left) return;
      left = true;
      await this.leave(route, entry);
    };
  }

  async publish(
    topic: string,
    payload: string | Buffer,
    options: MqttPublishOptions = {},
  ): Promise<void> {
    await this.client.publishAsync(topic, payload, {
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
    });
  }

  status(): MqttClientStatus {
    const connected = this.client.connected;
    const reconnecting = !connected && this.client.reconnecting;
    const message = connected
      ? undefined
      : (this.lastError ?? (this.closing ? 'connection closed' : 'not connected'));
    return { connected, reconnecting, ...(message !== undefined ? { message } : {}) };
  }

  /** Number of topic filters subscribed at the broker (for tests and diagnostics). */
  get subscriptionCount(): number {
    return this.routes.size;
  }

  /** Ends the connection: in-flight messages get {@link CLOSE_GRACE_MS}, then it is dropped. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.routes.clear();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.endAsync(),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.client.end(true, () => resolve());
          }, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private async brokerSubscribe(filter: string): Promise<void> {
    const granted = await this.client.subscribeAsync(filter, { qos: SUBSCRIBE_QOS });
    const refused = granted.find((g) => g.qos === 128);
    if (refused) throw new Error(`the broker refused the subscription to ${filter}`);
  }

  private async leave(route: Route, entry: { handler: MessageHandler }): Promise<void> {
    route.handlers.delete(entry);
    if (route.handlers.size > 0 || this.routes.get(route.filter) !== route) return;
    this.routes.delete(route.filter);
    if (this.closing) return;
    // Only after the SUBACK (unsubscribing first would leave a subscription nobody owns), and
    // registered before any await, so a new subscribe to the filter queues behind it.
    const unsubscribed = route.ready
      .catch(() => undefined)
      .then(async () => {
        if (!this.closing) await this.client.unsubscribeAsync(route.filter);
      });
    const settled: Promise<void> = unsubscribed.then(
      () => this.forget(route.filter, settled),
      () => this.forget(route.filter, settled),
    );
    this.leaving.set(route.filter, settled);
    await unsubscribed;
  }

  private forget(filter: string, leaving: Promise<void>): void {
    if (this.leaving.get(filter) === leaving) this.leaving.delete(filter);
  }

  private dispatch(topic: string, payload: Buffer): void {
    for (const route of this.routes.values()) {
      if (!topicMatches(route.filter, topic)) continue;
      for (const { handler } of [...route.handlers]) {
        try {
          handler(topic, payload);
        } catch (error) {
          this.onHandlerError(error, topic);
        }
      }
    }
  }
}

function defaultHandlerError(error: unknown, topic: string): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(`MQTT handler for ${topic} threw: ${redactMacs(message)}`);
}

/** The URL without a password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
