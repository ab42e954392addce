import { Observable } from 'rxjs';
import type { MessageSchema } from './messages.js';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * One hand-off between two stages of the pipeline (ingest → localisation → aggregation → events →
 * policy/webhooks): the upstream stage publishes messages of one contract, downstream stages
 * subscribe. This is the whole seam: a stage sees only this interface, never the stage before it.
 *
 * Rules every transport keeps:
 * - messages are plain JSON-serialisable data of the contract's {@link MessageSchema} (a
 *   transport that crosses processes validates with `schema.parse` on receipt);
 * - per store, messages arrive in the order they were published (`schema.key` is the store id);
 * - `publish` never throws into the publishing stage, and a subscriber that throws does not stop
 *   the others (its error goes to the transport's error handler);
 * - no raw device identifier is ever in a message (the contracts only carry gate pseudonyms).
 */
export interface HandOff<T> {
  readonly schema: MessageSchema<T>;
  publish(message: T): void;
  subscribe(handler: (message: T) => void): Unsubscribe;
}

/**
 * Makes the hand-off of each contract. The default runs in process (rxjs); a scale-out transport
 * (for instance NATS JetStream through @nestjs/microservices) implements this one method and is
 * given to `HandOffModule.forRoot({ transport })`.
 */
export interface HandOffTransport {
  create<T>(schema: MessageSchema<T>): HandOff<T>;
}

/**
 * In-process hand-off: synchronous delivery in publish order, subscribers isolated. The handlers
 * are a copy-on-write array (replaced on subscribe/unsubscribe, never changed in place), so a
 * publish — once per observation — allocates nothing: a handler added during a publish sees the
 * next message, one removed during it is not called again.
 */
export class InProcessHandOff<T> implements HandOff<T> {
  private handlers: readonly { handler: (message: T) => void; active: boolean }[] = [];

  constructor(
    readonly schema: MessageSchema<T>,
    private readonly onError: (error: unknown, message: T) => void = () => undefined,
  ) {}

  publish(message: T): void {
    const handlers = this.handlers;
    for (let i = 0; i < handlers.length; i += 1) {
      const entry = handlers[i]!;
      if (!entry.active) continue;
      try {
        entry.handler(message);
      } catch (error) {
        this.onError(error, message);
      }
    }
  }

  subscribe(handler: (message: T) => void): Unsubscribe {
    const entry = { handler, active: true };
    this.handlers = [...this.handlers, entry];
    return () => {
      if (!entry.active) return;
      entry.active = false;
      this.handlers = this.handlers.filter((e) => e !== entry);
    };
  }
}

export const inProcessTransport = (
  onError?: (error: unknown, topic: string) => void,
): HandOffTransport => ({
  create: <T>(schema: MessageSchema<T>) =>
    new InProcessHandOff<T>(schema, (error) => onError?.(error, schema.topic)),
});

/** A hand-off as an rxjs Observable, for stages written against streams. */
export function observe<T>(handOff: HandOff<T>): Observable<T> {
  return new Observable<T>((subscriber) =>
    handOff.subscribe((message) => subscriber.next(message)),
  );
}
