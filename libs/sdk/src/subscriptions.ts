import type { PluginLogger } from './plugin.js';
import type { MqttPort, Unsubscribe } from './ports.js';

/**
 * Undoes what a driver set up (subscriptions, routes). It runs each undo once however often it is
 * called, and never rejects: failures are logged, so that a driver's `teardown` can always finish.
 */
export type Teardown = () => Promise<void>;

/** One MQTT subscription: a topic filter (`+`, `#` wildcards) and what to do with its messages. */
export interface TopicSubscription {
  topic: string;
  handler: (topic: string, payload: Buffer) => void;
}

export interface TeardownOptions {
  /** Where a failed undo is reported (`warn`, "unsubscribing failed"); pass `ctx.logger`. */
  logger?: Pick<PluginLogger, 'warn'>;
}

export interface SubscribeAllOptions extends TeardownOptions {
  /**
   * Pass `ctx.signal`: once it is aborted no message reaches a handler any more and the
   * subscriptions are dropped without waiting for the driver's `teardown`.
   */
  signal?: AbortSignal;
}

/**
 * Makes one {@link Teardown} of several unsubscribe functions: they run in order, once, and each
 * failure is logged with `logger.warn('unsubscribing failed', { error })` before the next one runs.
 */
export function teardownAll(
  unsubscribes: readonly Unsubscribe[],
  options: TeardownOptions = {},
): Teardown {
  return drainer([...unsubscribes], options);
}

/**
 * Subscribes to every topic, in order, and returns one {@link Teardown} for all of them: the usual
 * subscribe / unsubscribe / stop-on-unload block of an MQTT driver.
 *
 * - After the teardown has been called (or `signal` aborted) handlers get no more messages, even
 *   those the broker had already sent.
 * - If a subscription fails, the ones already made are dropped and the error is thrown, so a
 *   failed `setup` leaves nothing behind.
 * - If `signal` is aborted while subscribing, the remaining topics are skipped.
 *
 * ```ts
 * this.unsubscribe = await subscribeAll(
 *   mqtt,
 *   [{ topic, handler: (_topic, payload) => this.onBatch(payload) }],
 *   { signal: ctx.signal, logger: ctx.logger },
 * );
 * // teardown(): await this.unsubscribe?.();
 * ```
 */
export async function subscribeAll(
  mqtt: MqttPort,
  subscriptions: readonly TopicSubscription[],
  options: SubscribeAllOptions = {},
): Promise<Teardown> {
  const { signal } = options;
  let closed = false;
  const unsubscribes: Unsubscribe[] = [];
  const undo = drainer(unsubscribes, options);
  const onAbort = (): void => void teardown();
  const teardown: Teardown = () => {
    closed = true;
    signal?.removeEventListener('abort', onAbort);
    return undo();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const { topic, handler } of subscriptions) {
      if (closed || signal?.aborted) break;
      unsubscribes.push(
        await mqtt.subscribe(topic, (received, payload) => {
          if (!closed && !signal?.aborted) handler(received, payload);
        }),
      );
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  // Aborted while subscribing: what was subscribed after the abort is dropped now.
  if (closed || signal?.aborted) await teardown();
  return teardown;
}

/**
 * Runs the functions of a list that grows (subscriptions being made) in order, each once: a call
 * runs those added since the previous call, after that call has finished.
 */
function drainer(unsubscribes: readonly Unsubscribe[], options: TeardownOptions): Teardown {
  let next = 0;
  let chain = Promise.resolve();
  const drain = async (): Promise<void> => {
    while (next < unsubscribes.length) {
      const unsubscribe = unsubscribes[next] as Unsubscribe;
      next += 1;
      try {
        await unsubscribe();
      } catch (error) {
        options.logger?.warn('unsubscribing failed', { error: errorText(error) });
      }
    }
  };
  return () => (chain = chain.then(drain));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
