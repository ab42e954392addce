import type { Observation } from '@aisle/sdk';

/** Version of the native batch format (`"v"` in every batch); see hardware/mqtt-topics.md. */
export const AISLE_BATCH_VERSION = 1;
/**
 * Most observations in one batch: 1000 × ~100 B ≈ 100 KB, well under brokers' default message
 * limits (Mosquitto allows 256 MB, many cloud brokers 128–256 KB), and enough for a busy sensor's
 * second. The aisle-mqtt driver rejects larger batches whole.
 */
export const AISLE_MAX_BATCH = 1000;
/**
 * A sensor publishes a batch at least this often, an empty one when it saw nothing, so the hub can
 * tell "quiet" from "gone" (the driver's default availability timeout is four of these).
 */
export const AISLE_HEARTBEAT_MS = 30_000;

/** `aisle/<storeId>/<sensorId>/observations`: batches of observations, JSON. */
export function aisleObservationTopic(storeId: string, sensorId: string): string {
  return `aisle/${storeId}/${sensorId}/observations`;
}

/** `aisle/<storeId>/<sensorId>/status`: `online` / `offline`, retained (`offline` is the LWT). */
export function aisleStatusTopic(storeId: string, sensorId: string): string {
  return `aisle/${storeId}/${sensorId}/status`;
}

/** One observation as it goes on the wire: store and sensor are in the topic, not the payload. */
export type WireObservation = DistributiveOmit<Observation, 'storeId' | 'sensorId'>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface AisleBatch {
  v: typeof AISLE_BATCH_VERSION;
  observations: WireObservation[];
}

/** Splits one sensor's observations into native batches of at most {@link AISLE_MAX_BATCH}. */
export function encodeAisleBatches(observations: readonly Observation[]): string[] {
  const wire = observations.map(toWire);
  const batches: string[] = [];
  for (let i = 0; i < wire.length; i += AISLE_MAX_BATCH) {
    const batch: AisleBatch = {
      v: AISLE_BATCH_VERSION,
      observations: wire.slice(i, i + AISLE_MAX_BATCH),
    };
    batches.push(JSON.stringify(batch));
  }
  if (batches.length === 0) {
    batches.push(JSON.stringify({ v: AISLE_BATCH_VERSION, observations: [] }));
  }
  return batches;
}

function toWire(observation: Observation): WireObservation {
  const { storeId: _storeId, sensorId: _sensorId, ...rest } = observation;
  return rest;
}
