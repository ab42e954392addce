import type { EntityManager } from 'typeorm';
import type { AisleEvent } from '@aisle/sdk';

/**
 * Writes events caused by a database change in that change's transaction (the durable event
 * log behind webhooks), so the event exists exactly when its effect does. Publish the events on
 * the bus after the commit, as usual. Provided by the webhooks stage; used by aggregation
 * (`visit.ended`) and policy (`coupon.issued`) without importing it.
 */
export interface TransactionalEventLog {
  enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<unknown>;
}

/** Provider token of the {@link TransactionalEventLog}. */
export const EVENT_LOG = Symbol('EVENT_LOG');
