import fc from 'fast-check';
import { redactMacs } from '@aisle/sdk';
import {
  decodeAltBeacon,
  decodeBeaconFrames,
  decodeEddystone,
  decodeIBeacon,
  hex,
  parseHex,
  shortServiceUuid,
} from '../src/beacon-frames.js';
import { decodeAdvertisement } from '../src/ble-observation.js';

/** The iBeacon frame behind Theengs Decoder's expected output in the shared samples. */
const IBEACON = parseHex('0215426c7565436861726d426561636f6e730efe1355c5')!;
const IBEACON_ID = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';

function ad(parts: {
  manufacturerData?: [number, Uint8Array][];
  serviceData?: [string, Uint8Array][];
  address?: string;
  addressType?: 'public' | 'random';
  rssi?: number;
}) {
  return {
    address: parts.address ?? 'DD:88:00:00:37:77',
    ...(parts.addressType ? { addressType: parts.addressType } : {}),
    rssi: parts.rssi ?? -70,
    manufacturerData: new Map(parts.manufacturerData ?? []),
    serviceData: new Map(parts.serviceData ?? []),
    at: 1_000,
  };
}

describe('beacon frames', () => {
  describe(decodeIBeacon.name, () => {
    it('reads UUID, major, minor and measured power', () => {
      expect(decodeIBeacon(IBEACON)).toEqual({
        scheme: 'ibeacon',
        beaconId: IBEACON_ID,
        txPower: -59,
      });
    });

    it('ignores other Apple data (phones) and rejects a truncated iBeacon frame', () => {
      expect(decodeIBeacon(parseHex('1005031c6f1e2b')!)).toBeNull();
      expect(decodeIBeacon(IBEACON.subarray(0, 20))).toEqual({
        reason: 'bad_ibeacon',
        detail: 'manufacturerData[0x004c]: an iBeacon frame (02 15) must be 23 bytes (got 20)',
      });
    });
  });

  it('reads AltBeacon under any company id', () => {
    const frame = parseHex(`beac${'00112233445566778899aabbccddeeff'}0001000ac300`)!;
    expect(decodeAltBeacon(frame)).toEqual({
      scheme: 'altbeacon',
      beaconId: 'altbeacon:00112233-4455-6677-8899-aabbccddeeff:1:10',
      txPower: -61,
    });
    expect(decodeBeaconFrames(ad({ manufacturerData: [[0x0118, frame]] })).beacon?.scheme).toBe(
      'altbeacon',
    );
    expect(decodeAltBeacon(frame.subarray(0, 10))).toMatchObject({ reason: 'bad_altbeacon' });
  });

  describe(decodeEddystone.name, () => {
    it('reads UID (with and without the reserved bytes), tx power at 0 m made 1 m', () => {
      const uid = parseHex('00e200112233445566778899aabbccddeeff')!;
      const expected = {
        scheme: 'eddystone-uid',
        beaconId: 'eddystone-uid:00112233445566778899:aabbccddeeff',
        txPower: -30 - 41,
      };
      expect(decodeEddystone(uid)).toEqual(expected);
      expect(decodeEddystone(parseHex(`${hex(uid)}0000`)!)).toEqual(expected);
    });

    it('reads URL with scheme and expansion codes', () => {
      expect(decodeEddystone(parseHex('10eb00676f6f676c6507')!)).toEqual({
        scheme: 'eddystone-url',
        beaconId: 'eddystone-url:http://www.google.com',
        txPower: -21 - 41,
      });
      expect(decodeEddystone(parseHex('10eb09676f6f')!)).toMatchObject({ reason: 'bad_eddystone' });
      expect(decodeEddystone(parseHex('10eb0367200a')!)).toMatchObject({ reason: 'bad_eddystone' });
    });

    it('reads TLM telemetry (no identity) and EID', () => {
      expect(decodeEddystone(parseHex('20000bb81900000004d2000186a0')!)).toEqual({
        version: 0,
        batteryMv: 3000,
        temperatureC: 25,
        advertisementCount: 1234,
        uptimeDeciseconds: 100_000,
      });
      expect(decodeEddystone(parseHex('2000000080000000000000000000')!)).toMatchObject({
        temperatureC: null,
      });
      expect(decodeEddystone(parseHex('30f80102030405060708')!)).toEqual({
        scheme: 'eddystone-eid',
        beaconId: 'eddystone-eid:0102030405060708',
        txPower: -8 - 41,
      });
      expect(decodeEddystone(parseHex('3000')!)).toMatchObject({ reason: 'bad_eddystone' });
      expect(decodeEddystone(new Uint8Array())).toMatchObject({ reason: 'bad_eddystone' });
    });

    it('is found under the short or the full service UUID', () => {
      expect(shortServiceUuid('0000FEAA-0000-1000-8000-00805F9B34FB')).toBe('feaa');
      expect(shortServiceUuid('0xFEAA')).toBe('feaa');
      const frames = decodeBeaconFrames(
        ad({
          serviceData: [
            ['0000feaa-0000-1000-8000-00805f9b34fb', parseHex('20000bb81900000004d2000186a0')!],
          ],
        }),
      );
      expect(frames.telemetry?.batteryMv).toBe(3000);
      expect(frames.beacon).toBeUndefined();
    });
  });

  describe(decodeAdvertisement.name, () => {
    it('makes the beacon identity the observation subject and keeps the address', () => {
      expect(decodeAdvertisement(ad({ manufacturerData: [[0x004c, IBEACON]] }))).toEqual({
        observation: {
          kind: 'ble',
          at: 1_000,
          rssi: -70,
          address: 'dd8800003777',
          beaconId: IBEACON_ID,
          txPower: -59,
        },
        rejections: [],
      });
    });

    it("marks a phone's rotating address random (reported, resolvable private, or Apple non-beacon data)", () => {
      const phone = ad({ address: '5A:0B:1C:2D:3E:4F' });
      expect(decodeAdvertisement(phone).observation?.addressType).toBe('random');
      const apple = ad({
        address: '00:0B:1C:2D:3E:4F',
        manufacturerData: [[0x004c, parseHex('1005031c6f1e2b')!]],
      });
      expect(decodeAdvertisement(apple).observation?.addressType).toBe('random');
      expect(
        decodeAdvertisement(ad({ address: '00:0B:1C:2D:3E:4F', addressType: 'public' })).observation
          ?.addressType,
      ).toBe('public');
      expect(
        decodeAdvertisement(ad({ address: '00:0B:1C:2D:3E:4F' })).observation,
      ).not.toHaveProperty('addressType');
    });

    it('rejects a bad address or RSSI, and still emits the device when a beacon frame is broken', () => {
      expect(decodeAdvertisement(ad({ address: 'nope' })).rejections[0]?.reason).toBe(
        'bad_address',
      );
      expect(decodeAdvertisement(ad({ rssi: 99 })).rejections[0]?.reason).toBe('bad_rssi');
      const broken = decodeAdvertisement(
        ad({ manufacturerData: [[0x004c, IBEACON.subarray(0, 5)]] }),
      );
      expect(broken.rejections.map((r) => r.reason)).toEqual(['bad_ibeacon']);
      expect(broken.observation).toMatchObject({ address: 'dd8800003777' });
      expect(broken.observation).not.toHaveProperty('beaconId');
    });
  });

  describe('with arbitrary payloads (property tests)', () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array(b));
    const prefixed = fc
      .tuple(
        fc.constantFrom([0x02, 0x15], [0xbe, 0xac], [0x00], [0x10], [0x20, 0x00], [0x30]),
        bytes,
      )
      .map(([head, tail]) => new Uint8Array([...head, ...tail]));
    const payload = fc.oneof(bytes, prefixed);
    const advertisement = fc.record({
      manufacturerData: fc
        .array(
          fc.tuple(fc.oneof(fc.constant(0x004c), fc.integer({ min: 0, max: 0xffff })), payload),
          {
            maxLength: 3,
          },
        )
        .map((e) => new Map(e)),
      serviceData: fc
        .array(
          fc.tuple(
            fc.constantFrom('feaa', '0000feaa-0000-1000-8000-00805f9b34fb', 'fe9f'),
            payload,
          ),
          {
            maxLength: 3,
          },
        )
        .map((e) => new Map(e)),
      address: fc.oneof(
        fc.string(),
        fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => hex(b).match(/../g)!.join(':')),
      ),
      rssi: fc.oneof(fc.integer({ min: -200, max: 50 }), fc.double()),
      at: fc.nat(),
    });

    it('never throw; each broken frame is one labelled rejection naming the field, never an address', () => {
      fc.assert(
        fc.property(advertisement, (input) => {
          const { observation, rejections } = decodeAdvertisement(input);
          for (const r of rejections) {
            expect(r.reason).toMatch(/^[a-z_]+$/);
            expect(r.detail).toMatch(/^(address|rssi|manufacturerData|serviceData)\S*: \S/);
            expect(redactMacs(r.detail)).toBe(r.detail);
          }
          if (observation !== null) {
            expect(observation.rssi).toBeGreaterThanOrEqual(-127);
            if (observation.txPower !== undefined) {
              expect(observation.txPower).toBeGreaterThanOrEqual(-127);
              expect(observation.txPower).toBeLessThanOrEqual(20);
            }
          } else {
            expect(rejections).toHaveLength(1);
          }
        }),
        { numRuns: 3_000 },
      );
    });

    it('read back every iBeacon, AltBeacon and Eddystone-UID they are given', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: -100, max: 0 }),
          (id, major, minor, power) => {
            const tail = [major >> 8, major & 0xff, minor >> 8, minor & 0xff, power & 0xff];
            const ib = decodeIBeacon(new Uint8Array([0x02, 0x15, ...id, ...tail]));
            const alt = decodeAltBeacon(new Uint8Array([0xbe, 0xac, ...id, ...tail, 0]));
            const uid = decodeEddystone(new Uint8Array([0x00, power & 0xff, ...id]));
            const uuid = hex(id);
            expect(ib).toMatchObject({ txPower: power });
            expect((ib as { beaconId: string }).beaconId.replaceAll('-', '')).toBe(
              `ibeacon:${uuid}:${major}:${minor}`,
            );
            expect((alt as { beaconId: string }).beaconId).toBe(
              (ib as { beaconId: string }).beaconId.replace('ibeacon', 'altbeacon'),
            );
            expect(uid).toMatchObject({
              beaconId: `eddystone-uid:${uuid.slice(0, 20)}:${uuid.slice(20, 32)}`,
              txPower: power - 41,
            });
          },
        ),
      );
    });
  });
});
