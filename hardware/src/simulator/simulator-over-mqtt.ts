import { systemClock, type Clock, type Observation } from '@aisle/sdk';
import {
  AISLE_HEARTBEAT_MS,
  aisleObservationTopic,
  aisleStatusTopic,
  encodeAisleBatches,
} from '../mqtt/aisle-native-format.js';
import type { MqttPublishOptions } from '../mqtt/mqtt-client.port.js';
import type { StoreSimulator } from './store-simulator.js';

/**
 * Publishing side of an MQTT connection. {@link MqttClientPort} honours `retain`; a plain SDK
 * `MqttPort` (or the test kit's fake) fits too and ignores the options.
 */
export interface MqttPublisher {
  publish(topic: string, payload: string | Buffer, options?: MqttPublishOptions): Promise<void>;
}

export interface RunSimulatorOverMqttParams {
  simulator: StoreSimulator;
  mqtt: MqttPublisher;
  /** How often the simulator steps and publishes, ms. */
  tickMs?: number;
  /** Stops the loop; the promise resolves after the sensors' `offline` status is published. */
  signal: AbortSignal;
  clock?: Clock;
  /** A publish failed (the loop goes on). Default: one process warning per distinct message. */
  onError?: (error: unknown) => void;
}

/**
 * After a stall (laptop asleep, debugger), simulate at most this much at once instead of
 * replaying the whole gap in one burst.
 */
const MAX_CATCH_UP_MS = 10_000;
/** Default step: one batch per sensor per second, as real sensors publish. */
const DEFAULT_TICK_MS = 1_000;

/**
 * Feeds a simulated store to the broker in real time, in Aisle's native format: at once and then
 * every `tickMs` the simulator advances by the time that passed and each sensor's observations go out as batches on
 * `aisle/<store>/<sensor>/observations` (an empty batch at least every 30 s as heartbeat).
 * Each sensor's `aisle/<store>/<sensor>/status` is `online` (retained) while it runs and `offline`
 * (retained) after `signal` aborts.
 */
export async function runSimulatorOverMqtt(params: RunSimulatorOverMqttParams): Promise<void> {
  const { simulator, mqtt, signal } = params;
  const clock = params.clock ?? systemClock;
  const tickMs = params.tickMs ?? DEFAULT_TICK_MS;
  const onError = params.onError ?? warnOnce();
  const storeId = simulator.layout.store.id;
  const sensors = simulator.layout.sensors.map((s) => s.id);
  const lastSent = new Map<string, number>();
  const publish = async (
    topic: string,
    payload: string,
    options?: MqttPublishOptions,
  ): Promise<void> => {
    try {
      await mqtt.publish(topic, payload, options);
    } catch (error) {
      onError(error);
    }
  };
  const setStatus = (state: 'online' | 'offline'): Promise<void[]> =>
    Promise.all(
      sensors.map((id) => publish(aisleStatusTopic(storeId, id), state, { qos: 1, retain: true })),
    );

  if (signal.aborted) return;
  await setStatus('online');
  // The first step runs at once and catches the simulator up to the clock (a simulator started
  // in the past, like the demo's, publishes its last moment now instead of a tick later).
  let last = simulator.time;
  do {
    const now = clock.now();
    const output = simulator.step(Math.min(Math.max(0, now - last), MAX_CATCH_UP_MS));
    last = now;
    const sends = nativeMessages({
      storeId,
      sensors,
      observations: output.observations,
      now,
      lastSent,
    }).map((m) => publish(m.topic, m.payload));
    await Promise.all(sends);
  } while (!(await sleep(clock, tickMs, signal)));
  await setStatus('offline');
}

/** One recorded MQTT message, as `@aisle/sdk/testing`'s `replayCapture` reads them. */
export interface MqttCaptureRecord {
  /** Ms since the start of the capture. */
  t: number;
  topic: string;
  /** The batch, parsed (JSON lines hold it as an object). */
  payload: unknown;
}

/**
 * Runs the simulator offline for `seconds` and returns what {@link runSimulatorOverMqtt} would
 * have published on the observation topics: a capture for driver tests (write it as JSON lines).
 */
export function recordMqttCapture(params: {
  simulator: StoreSimulator;
  seconds: number;
  tickMs?: number;
}): MqttCaptureRecord[] {
  const { simulator } = params;
  const tickMs = params.tickMs ?? DEFAULT_TICK_MS;
  const storeId = simulator.layout.store.id;
  const sensors = simulator.layout.sensors.map((s) => s.id);
  const lastSent = new Map<string, number>();
  const records: MqttCaptureRecord[] = [];
  for (let t = tickMs; t <= params.seconds * 1000; t += tickMs) {
    const output = simulator.step(tickMs);
    for (const message of nativeMessages({
      storeId,
      sensors,
      observations: output.observations,
      now: t,
      lastSent,
    })) {
      records.push({ t, topic: message.topic, payload: JSON.parse(message.payload) as unknown });
    }
  }
  return records;
}

/**
 * One tick's messages: each sensor's observations as native batches, or an empty batch when the
 * sensor has been quiet for a heartbeat period.
 */
function nativeMessages(params: {
  storeId: string;
  sensors: readonly string[];
  observations: readonly Observation[];
  now: number;
  lastSent: Map<string, number>;
}): { topic: string; payload: string }[] {
  const bySensor = new Map<string, Observation[]>();
  for (const observation of params.observations) {
    const list = bySensor.get(observation.sensorId) ?? [];
    list.push(observation);
    bySensor.set(observation.sensorId, list);
  }
  const messages: { topic: string; payload: string }[] = [];
  for (const sensorId of params.sensors) {
    const observations = bySensor.get(sensorId) ?? [];
    const quietFor = params.now - (params.lastSent.get(sensorId) ?? -Infinity);
    if (observations.length === 0 && quietFor < AISLE_HEARTBEAT_MS) continue;
    params.lastSent.set(sensorId, params.now);
    for (const payload of encodeAisleBatches(observations)) {
      messages.push({ topic: aisleObservationTopic(params.storeId, sensorId), payload });
    }
  }
  return messages;
}

/** Waits `ms` on the clock; resolves true when `signal` aborted first (or already had). */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve(true);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(signal.aborted);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function warnOnce(): (error: unknown) => void {
  const seen = new Set<string>();
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    if (seen.has(message)) return;
    seen.add(message);
    process.emitWarning(`simulator: publishing to MQTT failed: ${message}`);
  };
}
