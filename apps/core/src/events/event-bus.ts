import { randomUUID } from 'node:crypto';
import { filter, type Observable } from 'rxjs';
import type { AisleEvent, AisleEventMap, AisleEventType, Clock } from '@aisle/sdk';
import { InProcessHandOff, observe, type HandOff } from '../contracts/hand-off.js';
import { DOMAIN_EVENT_SCHEMA } from '../contracts/messages.js';

/**
 * The one internal bus, over the domain-event hand-off (`DOMAIN_EVENTS`, schema
 * `DOMAIN_EVENT_SCHEMA`). Policy modules and the webhook outbox subscribe to it; nothing calls
 * them directly. Each subscription gets its own try/catch so one bad consumer cannot stop the
 * others.
 */
export class EventBus {
  constructor(
    private readonly clock: Clock,
    private readonly handOff: HandOff<AisleEvent> = new InProcessHandOff(DOMAIN_EVENT_SCHEMA),
  ) {}

  publish<T extends AisleEventType>(
    type: T,
    storeId: string | null,
    data: AisleEventMap[T],
  ): AisleEvent<T> {
    const event = this.build(type, storeId, data);
    this.emit(event);
    return event;
  }

  /**
   * An event with its id and time, not yet published: for a caller that writes it to the webhook
   * outbox in its own transaction first, then {@link emit}s it after the commit.
   */
  build<T extends AisleEventType>(
    type: T,
    storeId: string | null,
    data: AisleEventMap[T],
  ): AisleEvent<T> {
    return { id: `evt_${randomUUID()}`, type, storeId, at: this.clock.now(), data };
  }

  /** Publishes an event made by {@link build} (or by a lib that made its own). */
  emit(event: AisleEvent): void {
    this.handOff.publish(event);
  }

  get events(): Observable<AisleEvent> {
    return observe(this.handOff);
  }

  on<T extends AisleEventType>(type: T): Observable<AisleEvent<T>> {
    return this.events.pipe(filter((e): e is AisleEvent<T> => e.type === type));
  }

  /** Subscribes a handler whose errors (sync or async) are reported, never propagated. */
  subscribe(
    handler: (event: AisleEvent) => unknown,
    onError: (error: unknown, event: AisleEvent) => void,
  ): () => void {
    return this.handOff.subscribe((event) => {
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => onError(error, event));
      } catch (error) {
        onError(error, event);
      }
    });
  }
}
