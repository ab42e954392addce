/**
 * Events on the internal bus (`<area>.<event>`). Policy modules and the webhook outbox subscribe;
 * nothing calls them directly. Later areas extend {@link AisleEventMap} by declaration merging.
 *
 * Per-subject events carry the gate's pseudonym (`subject`), never a raw identifier; the webhook
 * outbox re-keys it per subscription. Counts that leave the store obey small-cell suppression.
 */
export interface AisleEventMap {
  'sensor.online': { sensorId: string; domain: string };
  'sensor.offline': { sensorId: string; domain: string; reason: string };
  'plugin.failed': { domain: string; error: string };
  'observation.dropped': { reason: string; sensorId?: string };
  /** A pseudonymous subject's visit began (first reliable position inside the store). */
  'visit.started': { subject: string; visitId: string; startedAt: number };
  /** A visit closed after the configured gap; dwell per zone in seconds. */
  'visit.ended': {
    subject: string;
    visitId: string;
    startedAt: number;
    endedAt: number;
    dwellSeconds: number;
    zones: { zoneId: string; dwellSeconds: number }[];
    /** Passer-by: never inside the store polygon long enough to count as a visitor. */
    passerBy: boolean;
  };
  'zone.entered': { subject: string; visitId: string; zoneId: string; enteredAt: number };
  'zone.exited': {
    subject: string;
    visitId: string;
    zoneId: string;
    enteredAt: number;
    exitedAt: number;
    dwellSeconds: number;
  };
  /** Occupancy crossed a configured threshold (store when `zoneId` is null). */
  'occupancy.changed': {
    zoneId: string | null;
    occupancy: number;
    previous: number;
    threshold: number;
    direction: 'up' | 'down';
  };
  /** One closed hour of a store's figures; `null` where small-cell suppression applies. */
  'aggregate.hourly': {
    hourStart: number;
    footfallIn: number | null;
    footfallOut: number | null;
    visits: number | null;
    passersBy: number | null;
    medianDwellSeconds: number | null;
    zones: { zoneId: string; visits: number | null; medianDwellSeconds: number | null }[];
  };
  /**
   * A registered member's app reported entering a store: the store's notice for the app to show
   * (what is collected, why, how to opt out), and whether tracking is active now.
   */
  'notice.entry': {
    memberId: string;
    noticeUrl: string;
    optOutUrl: string;
    controllerName: string | null;
    purpose: string | null;
    trackingMode: string;
    trackingActive: boolean;
  };
  /**
   * An offer for a loyalty member with marketing consent (for the loyalty provider's webhook).
   * Never caused by an anonymous sighting: only by the member's own app reporting presence.
   */
  'coupon.issued': {
    memberId: string;
    couponId: string;
    ruleId: string;
    offer: { title: string; description?: string; code?: string };
    /** Epoch ms. */
    expiresAt: number;
    /** Plain-language "why you got this". */
    why: string;
    unsubscribeUrl: string;
  };
  /** A webhook subscription was disabled by the hub (endpoint gone, or failing for 5 days). */
  'endpoint.disabled': { subscriptionId: string; reason: string; failingSince: number | null };
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
