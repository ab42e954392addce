import type { PositionUpdate, RadioSighting } from '@aisle/sdk';
import { InProcessHandOff, inProcessTransport, observe } from './hand-off.js';
import {
  DOMAIN_EVENT_SCHEMA,
  MessageSchemaError,
  POSITION_SCHEMA,
  SIGHTING_SCHEMA,
  ZONE_EVENT_SCHEMA,
} from './messages.js';

const SUBJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const sighting: RadioSighting = {
  storeId: 's1',
  sensorId: 'r1',
  kind: 'wifi',
  subject: SUBJECT,
  period: Date.UTC(2026, 0, 1),
  at: Date.UTC(2026, 0, 1, 10),
  rssi: -60,
  randomized: true,
};

const position: PositionUpdate = {
  storeId: 's1',
  subject: SUBJECT,
  period: Date.UTC(2026, 0, 1),
  kind: 'wifi',
  at: Date.UTC(2026, 0, 1, 10),
  x: 3,
  y: 4,
  uncertainty: 1.5,
  zoneId: null,
  method: 'multilateration',
  sensorCount: 4,
};

describe(InProcessHandOff.name, () => {
  it('delivers in publish order to every subscriber, and one that throws does not stop the others', () => {
    const errors: unknown[] = [];
    const sut = new InProcessHandOff(SIGHTING_SCHEMA, (error) => errors.push(error));
    const seen: number[] = [];
    sut.subscribe(() => {
      throw new Error('bad consumer');
    });
    const unsubscribe = sut.subscribe((m) => seen.push(m.at));
    sut.publish(sighting);
    sut.publish({ ...sighting, at: sighting.at + 1 });
    unsubscribe();
    sut.publish({ ...sighting, at: sighting.at + 2 });
    expect(seen).toEqual([sighting.at, sighting.at + 1]);
    expect(errors).toHaveLength(3); // the bad consumer failed on each message, isolated
  });

  it('gives a handler added during a publish the next message, and none to one removed during it', () => {
    const sut = new InProcessHandOff(SIGHTING_SCHEMA);
    const seen: string[] = [];
    let removeLater: () => void = () => undefined;
    let added = false;
    sut.subscribe((m) => {
      seen.push(`first ${m.at}`);
      removeLater();
      if (!added) {
        added = true;
        sut.subscribe((n) => seen.push(`added ${n.at}`));
      }
    });
    removeLater = sut.subscribe((m) => seen.push(`removed ${m.at}`));
    sut.publish(sighting);
    sut.publish({ ...sighting, at: sighting.at + 1 });
    expect(seen).toEqual([
      `first ${sighting.at}`,
      `first ${sighting.at + 1}`,
      `added ${sighting.at + 1}`,
    ]);
  });

  it('is made per contract by the transport and can be observed as a stream', () => {
    const sut = inProcessTransport().create(POSITION_SCHEMA);
    expect(sut.schema.topic).toBe('aisle.positions');
    const seen: PositionUpdate[] = [];
    const subscription = observe(sut).subscribe((p) => seen.push(p));
    sut.publish(position);
    subscription.unsubscribe();
    sut.publish(position);
    expect(seen).toEqual([position]);
  });
});

describe('message schemas', () => {
  it('accept the messages the stages make, after a JSON round trip, keyed by store', () => {
    const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
    expect(SIGHTING_SCHEMA.parse(roundTrip(sighting))).toEqual(sighting);
    expect(SIGHTING_SCHEMA.key(sighting)).toBe('s1');
    expect(POSITION_SCHEMA.parse(roundTrip(position))).toEqual(position);
    const camera = { storeId: 's1', sensorId: 'cam', kind: 'camera', at: 1, period: 0, entries: 2 };
    expect(SIGHTING_SCHEMA.parse(camera)).toEqual(camera);
    const event = {
      id: 'evt_1',
      type: 'zone.entered',
      storeId: 's1',
      at: 5,
      data: { subject: SUBJECT, visitId: 'v1', zoneId: 'z1', enteredAt: 5 },
    };
    expect(ZONE_EVENT_SCHEMA.parse(event)).toEqual(event);
    expect(DOMAIN_EVENT_SCHEMA.parse(event)).toEqual(event);
    const hubWide = { id: 'evt_2', type: 'plugin.failed', storeId: null, at: 6, data: {} };
    expect(DOMAIN_EVENT_SCHEMA.key(DOMAIN_EVENT_SCHEMA.parse(hubWide))).toBeNull();
  });

  it('refuse a raw MAC address where a pseudonym belongs, naming the field and value', () => {
    const mac = 'da:a1:19:4c:2b:7e';
    expect(() => SIGHTING_SCHEMA.parse({ ...sighting, subject: mac })).toThrow(
      new MessageSchemaError('aisle.sightings', 'subject', mac, 'must be a hex pseudonym'),
    );
    expect(() => POSITION_SCHEMA.parse({ ...position, subject: mac })).toThrow(/subject/);
    expect(() =>
      DOMAIN_EVENT_SCHEMA.parse({
        id: 'e',
        type: 'zone.exited',
        storeId: 's1',
        at: 1,
        data: { subject: mac, visitId: 'v', zoneId: 'z', enteredAt: 0 },
      }),
    ).toThrow(/subject/);
  });

  it('name the field of a malformed message', () => {
    expect(() => SIGHTING_SCHEMA.parse({ ...sighting, rssi: 'loud' })).toThrow(
      'aisle.sightings: rssi must be a finite number (got "loud")',
    );
    expect(() => POSITION_SCHEMA.parse({ ...position, method: 'guess' })).toThrow(/method/);
    expect(() => SIGHTING_SCHEMA.parse(null)).toThrow(/must be an object/);
    expect(() =>
      DOMAIN_EVENT_SCHEMA.parse({ id: 'e', type: 'x', storeId: 1, at: 0, data: {} }),
    ).toThrow(/storeId/);
  });
});
