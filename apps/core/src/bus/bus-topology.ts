/**
 * Names on the bus. Everything is keyed by store: one subject per store and message kind, one
 * durable consumer per store, so a store's messages are one ordered sequence that exactly one
 * worker consumes at a time.
 */

/** Pattern a Nest handler subscribes to for pseudonymised sightings (`@EventPattern(OBS_PATTERN)`). */
export const OBS_PATTERN = 'aisle.obs';

/** A store id as it may appear in a subject token and a consumer name. */
const STORE_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Prefixes: lower-case words joined by dots or dashes (tests use a unique one per run). */
const PREFIX = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;

export class BusTopologyError extends Error {
  override readonly name = 'BusTopologyError';
}

export class BusTopology {
  /** `aisle` in production; tests pass a unique prefix so their streams never collide. */
  constructor(readonly prefix = 'aisle') {
    if (!PREFIX.test(prefix)) {
      throw new BusTopologyError(`bus prefix must match ${String(PREFIX)} (got "${prefix}")`);
    }
  }

  /** JetStream stream holding every store's sightings (work queue: a message is gone once acked). */
  get obsStream(): string {
    return `${this.prefix.replace(/[.-]/g, '_').toUpperCase()}_OBS`;
  }

  /** Every subject of {@link obsStream}. */
  get obsSubjects(): string {
    return `${this.prefix}.obs.*`;
  }

  /** Subject of one store's pseudonymised sightings: `aisle.obs.<storeId>`. */
  obsSubject(storeId: string): string {
    return `${this.prefix}.obs.${checkStoreToken(storeId)}`;
  }

  /** Durable consumer of one store's sightings. */
  obsConsumer(storeId: string): string {
    return `obs_${checkStoreToken(storeId)}`;
  }

  /** The store a subject of {@link obsStream} belongs to, or null. */
  storeOfSubject(subject: string): string | null {
    const head = `${this.prefix}.obs.`;
    if (!subject.startsWith(head)) return null;
    const store = subject.slice(head.length);
    return STORE_TOKEN.test(store) ? store : null;
  }
}

/** Store ids go into subjects and consumer names: no dots, wildcards or spaces. */
export function checkStoreToken(storeId: string): string {
  if (!STORE_TOKEN.test(storeId)) {
    throw new BusTopologyError(
      `storeId "${storeId.slice(0, 80)}" cannot be a bus subject token (must match ${String(STORE_TOKEN)})`,
    );
  }
  return storeId;
}
