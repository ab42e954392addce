/**
 * Events on the internal bus (`<area>.<event>`). Policy modules and the webhook outbox subscribe;
 * nothing calls them directly. Later areas extend {@link AisleEventMap} by declaration merging.
 */
export interface AisleEventMap {
  'sensor.online': { sensorId: string; domain: string };
  'sensor.offline': { sensorId: string; domain: string; reason: string };
  'plugin.failed': { domain: string; error: string };
  'observation.dropped': { reason: string; sensorId?: string };
}

export type AisleEventType = Extract<keyof AisleEventMap, string>;

export interface AisleEvent<T extends AisleEventType = AisleEventType> {
  /** Unique, stable id (used as the webhook message id downstream). */
  id: string;
  type: T;
  /** Store scope, or null for hub-wide events. */
  storeId: string | null;
  /** Epoch ms. */
  at: number;
  data: AisleEventMap[T];
}
