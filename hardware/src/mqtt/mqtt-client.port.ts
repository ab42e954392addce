import { hash } from 'node:crypto';
import {
  connect,
  type IClientOptions,
  type IPublishPacket,
  type MqttClient,
  type Packet,
} from 'mqtt';
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
  /**
   * Keep the session across reconnects and restarts (`clean: false`): the broker queues QoS 1
   * messages while the hub is away. Needs a stable `clientId`. Default false (a clean session).
   */
  persistentSession?: boolean;
  /** MQTT 5 session expiry: how long the broker keeps the session after a disconnect. */
  sessionExpirySeconds?: number;
  /** MQTT 5 receive maximum: unacknowledged QoS 1 messages the broker may send at once. */
  receiveMaximum?: number;
  /** 4 (MQTT 3.1.1, the default; aedes speaks only this) or 5 (session expiry, receive maximum). */
  protocolVersion?: 4 | 5;
  /**
   * Acknowledge after commit: when set, a QoS 1 message's PUBACK goes out only when the promise
   * this returns (called right after the message's handlers ran) resolves — e.g. once the rows the
   * handlers enqueued are committed. `unacknowledged` is how many messages wait for their PUBACK.
   * Messages keep flowing meanwhile (up to the receive maximum); PUBACKs go in arrival order.
   */
  ackAfter?: AckBarrier;
  /**
   * Acknowledge after commit, with the barrier given later ({@link MqttClientPort.acknowledgeWhen}),
   * e.g. by the stage that owns the writer. Use with `holdUntilReady`.
   */
  acknowledgeAfterCommit?: boolean;
  /**
   * Hold messages that arrive before {@link MqttClientPort.ready} is called (a resumed session
   * delivers queued messages at once, before the drivers have subscribed their handlers).
   */
  holdUntilReady?: boolean;
}

/**
 * Names a received QoS 1 message so a redelivery of it can be recognised after a crash: the
 * session (the hub's client id; `publisher:<id>` for a publish into the embedded broker), its
 * packet id there, and a hash of topic and payload.
 */
export interface MqttMessageReceipt {
  session: string;
  packetId: number;
  key: string;
}

/**
 * The barrier of acknowledge-after-commit: resolves once the rows the handlers of the message just
 * dispatched enqueued are stored; `receipt` is to be committed with them (when given).
 */
export type AckBarrier = (unacknowledged: number, receipt?: MqttMessageReceipt) => Promise<void>;

/** For each receipt (same order): whether that message's effect is already committed. */
export type ReceiptLookup = (receipts: readonly MqttMessageReceipt[]) => Promise<boolean[]>;

/** A message waiting to be handled: before `ready()`, or behind a redelivery being looked up. */
interface QueuedMessage {
  topic: string;
  payload: Buffer;
  receipt: MqttMessageReceipt | undefined;
  /** A redelivery whose receipt is still to be looked up. */
  check: boolean;
  /** Looked up: already committed, so only acknowledged. */
  committed: boolean;
  release: (stored: Promise<void>) => void;
}

/**
 * PUBACKs released together: those of consecutive messages whose `stored` is the same promise.
 * Their packet ids, not mqtt.js's packets: nothing per message is kept alive until the commit.
 */
interface AckRelease {
  stored: Promise<void>;
  ids: number[];
  /** MQTT 5 reason code of mqtt.js's PUBACKs (always success here; absent for 3.1.1). */
  reasonCode: number | undefined;
}

/** What a message taken while draining waits for: never (the broker keeps it for the next start). */
const NEVER = new Promise<void>(() => undefined);

/** Marks a PUBACK this port deferred (mqtt.js hands it back from its offline queue on reconnect). */
const DEFERRED = Symbol('deferred PUBACK');

/** The first connection could not be made. */
export class MqttConnectError extends Error {
  override readonly name = 'MqttConnectError';
}

/** Long enough for a broker on the LAN under load; short enough that a wrong MQTT_URL fails start. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Longest a message is held on back-pressure before the next packet is read anyway. */
const HOLD_MAX_MS = 2000;

/** mqtt.js retries a dropped connection after this pause (its default, stated here on purpose). */
const RECONNECT_PERIOD_MS = 1_000;
/**
 * Subscriptions ask for QoS 1: a device publishing with QoS 1 then gets at-least-once delivery to
 * the hub; QoS 0 publishers stay QoS 0 (the broker delivers at the lower of the two).
 */
const SUBSCRIBE_QOS = 1;
/** How long `close()` waits for in-flight messages before dropping the connection. */
const CLOSE_GRACE_MS = 2_000;
/**
 * MQTT 5 session expiry when the session is kept: a day covers a restart, an update or a long
 * night of maintenance; the broker's `max_queued_messages` bounds what it holds meanwhile.
 */
const SESSION_EXPIRY_S = 86_400;
/** Packet ids remembered to recognise redeliveries: more than any receive maximum in use. */
const MAX_REMEMBERED_ACKS = 70_000;
/** Topics whose matching routes are remembered (a wildcard may match any number): then forgotten. */
const MAX_MATCHED_TOPICS = 10_000;

interface Route {
  filter: string;
  /** One entry per `subscribe` call, so the same function may be subscribed twice independently. */
  handlers: Set<{ handler: MessageHandler }>;
  /**
   * `handlers` as an array, replaced (never changed) when one comes or goes: a message is handed
   * to the handlers there were when it arrived, without copying the set per message.
   */
  list: readonly { handler: MessageHandler }[];
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
  /**
   * The routes each topic received matches, in subscription order: one lookup per message instead
   * of matching every filter. Emptied whenever a route is added or removed.
   */
  private readonly matching = new Map<string, Route[]>();
  /** UNSUBSCRIBEs in flight per filter: a new SUBSCRIBE for the filter is sent after them. */
  private readonly leaving = new Map<string, Promise<void>>();
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;
  private ackAfter: AckBarrier | undefined;
  private committedLookup: ReceiptLookup | undefined;
  /** Messages waiting to be handled, in arrival order (see {@link QueuedMessage}). */
  private queue: QueuedMessage[] = [];
  /** A lookup of redeliveries' receipts is running: later messages queue behind it. */
  private checking = false;
  private readonly session: string;
  /**
   * By packet id: the key of the message last received with it (PUBACK waiting for the commit or
   * recently sent), to recognise a redelivery.
   */
  private readonly acks = new Map<number, string>();
  /**
   * The QoS 1 message just received and what its PUBACK waits for: mqtt.js sends that PUBACK
   * (through `_sendPacket`) before it takes the next packet, so one slot is enough.
   */
  private ackId: number | undefined;
  private ackStored: Promise<void> = NEVER;
  private unacknowledged = 0;
  private inputHold: (() => Promise<void> | null) | undefined;
  private holding = 0;
  /** The promise of the message before, so PUBACKs go in arrival order. */
  private lastStored: Promise<void> = Promise.resolve();
  /** What the barrier returned for the message before (`lastStored` covers it already). */
  private lastBarrier: Promise<void> | undefined;
  /** The PUBACKs waiting for `lastStored`'s promise, in order (see `acknowledgeAfterCommit`). */
  private release: AckRelease | undefined;
  private isReady: boolean;
  private ackCounts = { sent: 0, redeliveriesSkipped: 0, committedSkipped: 0, unchecked: 0 };

  private constructor(
    private readonly client: MqttClient,
    private readonly onHandlerError: (error: unknown, topic: string) => void,
    options: Pick<
      MqttClientPortOptions,
      'ackAfter' | 'holdUntilReady' | 'acknowledgeAfterCommit' | 'clientId'
    > = { clientId: '' },
  ) {
    this.session = options.clientId;
    this.ackAfter = options.ackAfter;
    this.isReady = !(options.holdUntilReady ?? false);
    if (this.ackAfter || options.acknowledgeAfterCommit) this.acknowledgeAfterCommit();
    else client.on('message', (topic, payload) => this.dispatch(topic, payload));
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
    const persistent = options.persistentSession ?? false;
    const protocolVersion = options.protocolVersion ?? 4;
    const properties: NonNullable<IClientOptions['properties']> = {};
    if (protocolVersion === 5 && persistent) {
      properties.sessionExpiryInterval = options.sessionExpirySeconds ?? SESSION_EXPIRY_S;
    }
    if (protocolVersion === 5 && options.receiveMaximum !== undefined) {
      properties.receiveMaximum = options.receiveMaximum;
    }
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      clean: !persistent,
      protocolVersion,
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: timeoutMs,
      // mqtt.js's own default (MQTT 5 only): accept every message, without its rest-parameter
      // array per message.
      customHandleAcks: acceptMessage,
      // mqtt.js logs about ten lines per message through `debug`, whose disabled call still
      // gathers its arguments into an array: a no-op instead unless DEBUG asks for mqtt.js.
      ...(mqttDebugWanted() ? {} : { log: noLog }),
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    const client = connect(url, clientOptions);
    // Before any packet is read: a resumed session's queued messages follow the CONNACK at once,
    // and must meet the handlers (and the deferred PUBACK), not mqtt.js's defaults.
    const port = new MqttClientPort(client, options.onHandlerError ?? defaultHandlerError, options);
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
    return port;
  }

  /**
   * Messages held since connect (see `holdUntilReady`) are handled now, in order, and later ones
   * as they come. Call once the drivers have subscribed.
   */
  ready(): void {
    if (this.isReady) return;
    this.isReady = true;
    this.pump();
  }

  /**
   * Sets the barrier of acknowledge-after-commit (see `ackAfter`): a message's PUBACK waits for
   * the promise it returns. Until set, messages are acknowledged once handled.
   *
   * Exactly once through a crash: with `committed`, a redelivered message (DUP flag) that this
   * process does not know is looked up by its receipt before it is handled; one whose receipt is
   * committed (stored by an earlier process, which died before its PUBACK left) is acknowledged
   * without being handled again. Later messages wait behind the lookup, so the order is kept.
   */
  acknowledgeWhen(barrier: AckBarrier, committed?: ReceiptLookup): void {
    this.ackAfter = barrier;
    this.committedLookup = committed;
  }

  /**
   * Back-pressure (with acknowledge-after-commit): after each message, `hold` says whether the
   * consumer is full (a promise of when it is not); meanwhile no further packet is read, so the
   * broker queues instead of the hub's memory.
   */
  holdInputWhile(hold: () => Promise<void> | null): void {
    this.inputHold = hold;
  }

  /** Whether reading is held back now (see {@link holdInputWhile}). */
  get inputHeld(): boolean {
    return this.holding > 0;
  }

  /**
   * PUBACKs sent after commit; redelivered messages recognised as already handled by this process
   * (`redeliveriesSkipped`) or by an earlier one (`committedSkipped`, from their receipts); and
   * redeliveries handled again because their receipts could not be read (`unchecked`).
   */
  get acknowledgements(): {
    sent: number;
    pending: number;
    redeliveriesSkipped: number;
    committedSkipped: number;
    unchecked: number;
  } {
    return { ...this.ackCounts, pending: this.unacknowledged };
  }

  /**
   * mqtt.js sends a QoS 1 PUBACK when `handleMessage` calls back, and takes the next packet only
   * then. So `handleMessage` calls back at once (messages keep flowing, up to the receive maximum)
   * and the PUBACK itself is held back until the message's rows are stored: the one packet
   * mqtt.js writes for it is deferred in `_sendPacket`. A redelivery (DUP) of a message this
   * process already handled (its PUBACK was pending or lost in a broker restart) is not handled
   * twice: it is acknowledged once the first copy is stored.
   */
  private acknowledgeAfterCommit(): void {
    const client = this.client;
    client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet));
    // mqtt.js reads the next packet when this calls back: holding it is the back-pressure (the
    // socket stops being read, so the broker queues) while the consumer says it is full.
    client.handleMessage = (_packet, callback) => {
      const hold = this.inputHold?.() ?? null;
      if (hold === null) {
        callback();
        return;
      }
      // At most HOLD_MAX_MS per message (by the wall clock: this is socket flow control), so a
      // consumer that never lets go slows the input to a trickle instead of stopping it. The
      // broker's PINGRESP can still wait behind hundreds of held messages for longer than the
      // keep-alive, and mqtt.js (which counts only PINGRESPs and acknowledgements as signs of life)
      // then dropped the connection every 90 s under sustained overload, and the broker delivered
      // the in-flight window again: a message from the broker is a sign of life too.
      client.reschedulePing(true);
      this.holding += 1;
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([
        hold,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, HOLD_MAX_MS);
        }),
      ]).finally(() => {
        clearTimeout(timer);
        this.holding -= 1;
        callback();
      });
    };
    const internals = client as unknown as {
      _sendPacket: (packet: Packet, cb?: (error?: Error) => void, ...rest: unknown[]) => void;
    };
    const send = internals._sendPacket.bind(client);
    // The PUBACKs of one release leave in one loop, in arrival order (one callback per committed
    // batch of messages, not one per message).
    const flush = (release: AckRelease): void => {
      if (this.release === release) this.release = undefined;
      for (const messageId of release.ids) {
        this.unacknowledged -= 1;
        this.ackCounts.sent += 1;
        if (this.closing && !client.connected) continue; // the broker redelivers it
        const packet: Packet & { [DEFERRED]?: true } =
          release.reasonCode === undefined
            ? { cmd: 'puback', messageId, [DEFERRED]: true }
            : { cmd: 'puback', messageId, reasonCode: release.reasonCode, [DEFERRED]: true };
        send(packet);
      }
    };
    // A PUBACK deferred here and then sent while the connection was down is queued by mqtt.js
    // and comes back through `_sendPacket` on reconnect: it passes straight (counted once).
    internals._sendPacket = (packet, cb, ...rest) => {
      if ((packet as { [DEFERRED]?: true })[DEFERRED]) {
        // mqtt.js delivers its offline queue by recursion (each written packet's callback sends
        // the next): with up to MQTT_RECEIVE_MAXIMUM PUBACKs queued that overflowed the stack and
        // killed the core on reconnect. The callback runs after the stack has unwound.
        send(packet, cb && ((error) => queueMicrotask(() => cb(error))), ...rest);
        return;
      }
      if (packet.cmd !== 'puback' || packet.messageId === undefined) {
        send(packet, cb, ...rest);
        return;
      }
      let stored: Promise<void>;
      if (packet.messageId === this.ackId) {
        stored = this.ackStored;
        this.ackId = undefined;
      } else if (this.acks.has(packet.messageId)) {
        stored = this.lastStored; // not expected; every message received so far is behind it
      } else {
        send(packet, cb, ...rest);
        return;
      }
      cb?.(); // let mqtt.js read the next packet; the PUBACK follows when the rows are stored
      // mqtt.js sends a PUBACK as (packet, done) only: nothing in `rest` to keep.
      const reasonCode = packet.reasonCode;
      let release = this.release;
      if (release === undefined || release.stored !== stored || release.reasonCode !== reasonCode) {
        const next: AckRelease = { stored, ids: [], reasonCode };
        void next.stored.then(() => flush(next));
        this.release = release = next;
      }
      release.ids.push(packet.messageId);
    };
  }

  /**
   * Shutdown, first step: messages that arrive from now on are neither handled nor acknowledged
   * (the broker keeps them for the next start); resolves once every message handled before has
   * been stored and its PUBACK written.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.lastStored;
    // The PUBACKs go out in the `then` callbacks queued behind `lastStored`.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private draining = false;

  private receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.draining) {
      // Never acknowledged: the broker redelivers it to the next session.
      if (packet.messageId !== undefined && packet.qos > 0) {
        this.acks.set(packet.messageId, '');
        this.ackId = packet.messageId;
        this.ackStored = NEVER;
      }
      return;
    }
    const handled = this.takePreHandled(topic, payload);
    if (packet.qos === 0 || packet.messageId === undefined) {
      if (!handled) void this.handleOrHold(topic, payload);
      return;
    }
    if (handled) {
      // Stored before the broker acknowledged it to its publisher: just acknowledge this copy.
      this.unacknowledged += 1;
      this.acks.set(packet.messageId, messageKey(topic, payload));
      this.ackId = packet.messageId;
      this.ackStored = this.lastStored;
      return;
    }
    const id = packet.messageId;
    const key = messageKey(topic, payload);
    const known = this.acks.get(id);
    this.unacknowledged += 1;
    if (packet.dup && known === key) {
      // Handled already in this process: acknowledged once that copy is stored (it is behind
      // `lastStored`, with every message received so far).
      this.ackCounts.redeliveriesSkipped += 1;
      this.ackId = id;
      this.ackStored = this.lastStored;
      return;
    }
    const stored = this.handleOrHold(
      topic,
      payload,
      { session: this.session, packetId: id, key },
      packet.dup,
    );
    // In order: a message's PUBACK never overtakes an earlier one's. The barrier gives the same
    // promise to consecutive messages (the writer's one per batch): then nothing new to wait for.
    const ordered =
      stored === this.lastBarrier
        ? this.lastStored
        : Promise.all([this.lastStored, stored]).then(() => undefined);
    this.lastBarrier = stored;
    this.lastStored = ordered;
    this.acks.set(id, key);
    this.ackId = id;
    this.ackStored = ordered;
    this.forgetOldAcks();
  }

  /**
   * Handles the message now, or queues it (until ready, or behind a lookup of redeliveries);
   * resolves when its rows (and its receipt) are stored — at once for a redelivery found committed.
   */
  private handleOrHold(
    topic: string,
    payload: Buffer,
    receipt?: MqttMessageReceipt,
    redelivered = false,
  ): Promise<void> {
    const check = redelivered && receipt !== undefined && this.committedLookup !== undefined;
    if (this.isReady && !this.checking && this.queue.length === 0 && !check) {
      this.dispatch(topic, payload);
      return this.ackAfter?.(this.unacknowledged, receipt) ?? Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.queue.push({
        topic,
        payload,
        receipt,
        check: redelivered && receipt !== undefined,
        committed: false,
        release: (stored) => {
          void stored.then(resolve);
        },
      });
      this.pump();
    });
  }

  /** Handles queued messages in order; stops at a redelivery to look up (with all queued ones). */
  private pump(): void {
    if (!this.isReady || this.checking) return;
    while (this.queue.length > 0) {
      const first = this.queue[0]!;
      if (first.check && this.committedLookup) {
        const lookup = this.committedLookup;
        const batch = this.queue.filter((m) => m.check);
        this.checking = true;
        void this.lookUp(lookup, batch).finally(() => {
          this.checking = false;
          this.pump();
        });
        return;
      }
      this.queue.shift();
      if (first.committed) {
        this.ackCounts.committedSkipped += 1;
        first.release(Promise.resolve());
        continue;
      }
      this.dispatch(first.topic, first.payload);
      first.release(this.ackAfter?.(this.unacknowledged, first.receipt) ?? Promise.resolve());
    }
  }

  private async lookUp(lookup: ReceiptLookup, batch: QueuedMessage[]): Promise<void> {
    let committed: boolean[];
    try {
      committed = await lookup(batch.map((m) => m.receipt!));
    } catch (error) {
      // Cannot tell: handled again (at least once), counted.
      committed = [];
      this.ackCounts.unchecked += batch.length;
      this.onHandlerError(error, 'message receipts');
    }
    batch.forEach((message, i) => {
      message.check = false;
      message.committed = committed[i] === true;
    });
  }

  /** Keeps the recent acknowledgements (to recognise redeliveries), not every one. */
  private forgetOldAcks(): void {
    if (this.acks.size <= MAX_REMEMBERED_ACKS) return;
    for (const id of this.acks.keys()) {
      this.acks.delete(id);
      if (this.acks.size <= MAX_REMEMBERED_ACKS / 2) break;
    }
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
        list: [],
        ready: previous.then(() => this.brokerSubscribe(topicFilter)),
      };
      this.routes.set(topicFilter, route);
      this.matching.clear();
    }
    const entry = { handler };
    route.handlers.add(entry);
    route.list = [...route.handlers];
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
      this.matching.clear();
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
    route.list = [...route.handlers];
    if (route.handlers.size > 0 || this.routes.get(route.filter) !== route) return;
    this.routes.delete(route.filter);
    this.matching.clear();
    // Closing or draining for shutdown: the broker keeps the subscription in the session, so it
    // queues what comes meanwhile for the next start.
    if (this.closing || this.draining) return;
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

  /**
   * Handles a message in-process before the (embedded) broker delivers it, and resolves once its
   * rows are stored; the copy the broker then delivers to this connection is acknowledged without
   * being handled again. For aedes's `authorizePublish` (see `EmbeddedBroker.beforeAcknowledge`).
   */
  handleBeforeBroker(
    topic: string,
    payload: Buffer,
    origin?: { clientId: string; packetId: number | undefined; dup: boolean },
  ): Promise<void> {
    if (this.draining) return Promise.resolve();
    // Before ready() the drivers may not have subscribed yet: a sensor's publish (e.g. what it
    // sends again after the hub restarted) waits for them rather than being routed to nobody.
    const early = !this.isReady && origin !== undefined && origin.clientId !== this.session;
    if (!early && this.routesFor(topic).length === 0) return Promise.resolve();
    const key = messageKey(topic, payload);
    this.preHandled.set(key, (this.preHandled.get(key) ?? 0) + 1);
    if (this.preHandled.size > MAX_REMEMBERED_ACKS) {
      const oldest = this.preHandled.keys().next().value;
      if (oldest !== undefined) this.preHandled.delete(oldest);
    }
    // The publisher's own session: it sends again (DUP) what it has no PUBACK for, e.g. after the
    // hub (and the broker in it) died between the commit and the PUBACK.
    const receipt =
      origin?.packetId !== undefined
        ? { session: `publisher:${origin.clientId}`, packetId: origin.packetId, key }
        : undefined;
    return this.handleOrHold(topic, payload, receipt, origin?.dup ?? false);
  }

  /** Messages handled in-process before the broker delivers them (by content key). */
  private readonly preHandled = new Map<string, number>();

  /** True (and forgotten) when this message was already handled by {@link handleBeforeBroker}. */
  private takePreHandled(topic: string, payload: Buffer): boolean {
    if (this.preHandled.size === 0) return false;
    const key = messageKey(topic, payload);
    const count = this.preHandled.get(key);
    if (count === undefined) return false;
    if (count <= 1) this.preHandled.delete(key);
    else this.preHandled.set(key, count - 1);
    return true;
  }

  /** The routes whose filter matches `topic`, in subscription order (see {@link matching}). */
  private routesFor(topic: string): Route[] {
    let found = this.matching.get(topic);
    if (found === undefined) {
      found = [];
      for (const route of this.routes.values()) {
        if (topicMatches(route.filter, topic)) found.push(route);
      }
      if (this.matching.size >= MAX_MATCHED_TOPICS) this.matching.clear();
      this.matching.set(topic, found);
    }
    return found;
  }

  private dispatch(topic: string, payload: Buffer): void {
    for (const route of this.routesFor(topic)) {
      for (const { handler } of route.list) {
        try {
          handler(topic, payload);
        } catch (error) {
          this.onHandlerError(error, topic);
        }
      }
    }
  }
}

/**
 * Identifies a message's content, to tell a redelivery from a new message reusing a packet id:
 * SHA-1 of topic, NUL, payload (base64), hashed in one call (no Hash object per message).
 */
function messageKey(topic: string, payload: Buffer): string {
  const length = Buffer.byteLength(topic, 'utf8');
  const bytes = Buffer.allocUnsafe(length + 1 + payload.length);
  bytes.write(topic, 0, 'utf8');
  bytes[length] = 0;
  payload.copy(bytes, length + 1);
  return hash('sha1', bytes, 'base64');
}

function acceptMessage(
  _topic: string,
  _message: Buffer,
  _packet: unknown,
  done: (error: Error | number, code?: number) => void,
): void {
  done(0);
}

function noLog(): void {}

/** Whether `DEBUG` (the `debug` package's setting) names mqtt.js's namespaces. */
function mqttDebugWanted(): boolean {
  const wanted = process.env['DEBUG'] ?? '';
  return /(^|[\s,])(mqtt|\*)/.test(wanted);
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
