import { randomUUID } from 'node:crypto';
import { Subject, filter, type Observable } from 'rxjs';
import type { AisleEvent, AisleEventMap, AisleEventType, Clock } from '@aisle/sdk';

/**
 * The one internal bus. Policy modules and the webhook outbox subscribe to it; nothing calls them
 * directly. A subscriber that throws is isolated by rxjs' per-subscriber error handling here: each
 * subscription gets its own try/catch so one bad consumer cannot stop the others.
 */
export class EventBus {
  private readonly subject = new Subject<AisleEvent>();

  constructor(private readonly clock: Clock) {}

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
    this.subject.next(event);
  }

  get events(): Observable<AisleEvent> {
    return this.subject.asObservable();
  }

  on<T extends AisleEventType>(type: T): Observable<AisleEvent<T>> {
    return this.subject.pipe(filter((e): e is AisleEvent<T> => e.type === type));
  }

  /** Subscribes a handler whose errors (sync or async) are reported, never propagated. */
  subscribe(
    handler: (event: AisleEvent) => unknown,
    onError: (error: unknown, event: AisleEvent) => void,
  ): () => void {
    const subscription = this.subject.subscribe((event) => {
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => onError(error, event));
      } catch (error) {
        onError(error, event);
      }
    });
    return () => subscription.unsubscribe();
  }
}
