import type {
  AisleEvent,
  AisleEventType,
  CameraSighting,
  PositionUpdate,
  RadioSighting,
  Sighting,
} from '@aisle/sdk';

/**
 * The messages stages hand to each other, one schema each. Everything here is plain data and
 * carries gate pseudonyms only (never a raw address), so it may cross a process boundary.
 *
 * | contract | producer → consumers |
 * |---|---|
 * | {@link SIGHTING_SCHEMA} `aisle.sightings` | ingest → localisation, aggregation (camera counts), occupancy |
 * | {@link POSITION_SCHEMA} `aisle.positions` | localisation → aggregation |
 * | {@link DOMAIN_EVENT_SCHEMA} `aisle.events` | aggregation (visit, zone, occupancy, hourly), policy, plugins → webhooks, policy |
 *
 * Zone events (`zone.entered`, `zone.exited`) travel on the domain-event stream; their data is
 * checked by {@link ZONE_EVENT_SCHEMA}.
 */
export interface MessageSchema<T> {
  /** Stable name of the stream (a transport derives subjects from it). */
  readonly topic: string;
  /** Partition key: the store a message belongs to (null: hub-wide). Order is kept per key. */
  key(message: T): string | null;
  /** Checks an incoming value field by field; throws {@link MessageSchemaError} naming the field. */
  parse(value: unknown): T;
}

/** A message that does not match its contract: names the field and the value. */
export class MessageSchemaError extends Error {
  override readonly name = 'MessageSchemaError';
  constructor(
    readonly topic: string,
    readonly field: string,
    readonly value: unknown,
    rule: string,
  ) {
    super(`${topic}: ${field} ${rule} (got ${JSON.stringify(value) ?? String(value)})`);
  }
}

/** A pseudonymised sighting after the gate (radio or camera). */
export type SightingMessage = Sighting;
/** A position out of localisation (never in a sensitive zone). */
export type PositionMessage = PositionUpdate;
/** A subject entering or leaving a zone during a visit. */
export type ZoneEventMessage = AisleEvent<'zone.entered'> | AisleEvent<'zone.exited'>;
/** Any event of the internal bus (`<area>.<event>`). */
export type DomainEventMessage = AisleEvent;

type Fields = Record<string, unknown>;

class Reader {
  constructor(
    private readonly topic: string,
    readonly value: Fields,
  ) {}

  static of(topic: string, value: unknown): Reader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MessageSchemaError(topic, '(message)', value, 'must be an object');
    }
    return new Reader(topic, value as Fields);
  }

  fail(field: string, rule: string): never {
    throw new MessageSchemaError(this.topic, field, this.value[field], rule);
  }

  string(field: string): string {
    const v = this.value[field];
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'must be a non-empty string');
    return v;
  }

  nullableString(field: string): string | null {
    return this.value[field] === null ? null : this.string(field);
  }

  number(field: string): number {
    const v = this.value[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'must be a finite number');
    return v;
  }

  optionalNumber(field: string): void {
    if (this.value[field] !== undefined) this.number(field);
  }

  optionalString(field: string): void {
    if (this.value[field] !== undefined) this.string(field);
  }

  oneOf<V extends string>(field: string, values: readonly V[]): V {
    const v = this.value[field];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.fail(field, `must be one of ${values.join(', ')}`);
    }
    return v as V;
  }
}

const RADIO_KINDS = ['wifi', 'ble'] as const;
/** Pseudonyms are hex digests; anything else (a MAC address, say) is refused. */
const PSEUDONYM = /^[0-9a-f]{16,128}$/;

function pseudonym(r: Reader, field: string): string {
  const v = r.string(field);
  if (!PSEUDONYM.test(v)) r.fail(field, 'must be a hex pseudonym');
  return v;
}

export const SIGHTING_SCHEMA: MessageSchema<SightingMessage> = {
  topic: 'aisle.sightings',
  key: (m) => m.storeId,
  parse(value) {
    const r = Reader.of(this.topic, value);
    r.string('storeId');
    r.string('sensorId');
    r.number('at');
    r.number('period');
    const kind = r.oneOf('kind', ['wifi', 'ble', 'camera']);
    if (kind === 'camera') {
      for (const f of ['entries', 'exits', 'occupancy', 'intervalStart']) r.optionalNumber(f);
      for (const f of ['lineId', 'zoneId']) r.optionalString(f);
      if (r.value['subject'] !== undefined) pseudonym(r, 'subject');
      return r.value as unknown as CameraSighting;
    }
    pseudonym(r, 'subject');
    r.number('rssi');
    if (typeof r.value['randomized'] !== 'boolean') r.fail('randomized', 'must be a boolean');
    return r.value as unknown as RadioSighting;
  },
};

export const POSITION_SCHEMA: MessageSchema<PositionMessage> = {
  topic: 'aisle.positions',
  key: (m) => m.storeId,
  parse(value) {
    const r = Reader.of(this.topic, value);
    r.string('storeId');
    pseudonym(r, 'subject');
    r.oneOf('kind', RADIO_KINDS);
    for (const f of ['period', 'at', 'x', 'y', 'uncertainty', 'sensorCount']) r.number(f);
    r.nullableString('zoneId');
    r.oneOf('method', ['multilateration', 'centroid', 'nearest']);
    return r.value as unknown as PositionUpdate;
  },
};

function parseEvent(topic: string, value: unknown, types?: readonly AisleEventType[]): Reader {
  const r = Reader.of(topic, value);
  r.string('id');
  const type = r.string('type');
  if (types && !(types as readonly string[]).includes(type)) {
    r.fail('type', `must be one of ${types.join(', ')}`);
  }
  r.nullableString('storeId');
  r.number('at');
  const data = r.value['data'];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    r.fail('data', 'must be an object');
  }
  return r;
}

export const ZONE_EVENT_SCHEMA: MessageSchema<ZoneEventMessage> = {
  topic: 'aisle.events',
  key: (m) => m.storeId,
  parse(value) {
    const r = parseEvent(this.topic, value, ['zone.entered', 'zone.exited']);
    const data = Reader.of(this.topic, r.value['data']);
    pseudonym(data, 'subject');
    data.string('visitId');
    data.string('zoneId');
    data.number('enteredAt');
    return r.value as unknown as ZoneEventMessage;
  },
};

export const DOMAIN_EVENT_SCHEMA: MessageSchema<DomainEventMessage> = {
  topic: 'aisle.events',
  key: (m) => m.storeId,
  parse(value) {
    const r = parseEvent(this.topic, value);
    const type = r.value['type'];
    if (type === 'zone.entered' || type === 'zone.exited') ZONE_EVENT_SCHEMA.parse(value);
    return r.value as unknown as DomainEventMessage;
  },
};
