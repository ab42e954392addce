import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { redactMacs } from '@aisle/sdk';
import { parseJsonLines } from '@aisle/sdk/testing';
import { parseEspresenseMessage, parseTheengsMessage } from '../src/gateway-messages.js';

const fixture = <T>(name: string): T[] =>
  parseJsonLines<T>(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const ESPRESENSE = fixture<{ topic: string; payload: object }>('espresense_device_messages.jsonl');
const THEENGS_EXPECTED = fixture<Record<string, unknown>>('theengs_decoder_ibeacon_expected.jsonl');
const THEENGS = fixture<{ topic: string; payload: object }>('theengs-messages.jsonl');
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
/** The same beacon appears in the ESPresense and the Theengs samples. */
const BLUE_CHARM = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';

describe(parseEspresenseMessage.name, () => {
  it('decodes the real ESPresense messages: beacon id, address, RSSI and 1 m reference', () => {
    const decoded = ESPRESENSE.map((m) => parseEspresenseMessage(bytes(m.payload), 5));
    expect(decoded.map((d) => d.rejections)).toEqual([[], [], []]);
    expect(decoded.map((d) => d.observation)).toEqual([
      {
        kind: 'ble',
        at: 5,
        rssi: -81.1,
        address: 'dd8800003777',
        beaconId: BLUE_CHARM,
        txPower: -59,
      },
      { kind: 'ble', at: 5, rssi: -37.1, address: 'eeede852bd0b', txPower: -71 },
      { kind: 'ble', at: 5, rssi: -95, address: 'bc7e8b2e9a71', txPower: -71 },
    ]);
  });

  it('rejects what is not a node message, naming the field', () => {
    const reasons = [
      Buffer.from('{'),
      bytes([1]),
      bytes({ id: 'x', mac: 'dd8800003777' }),
      bytes({ id: 'x', rssi: -60, mac: 12 }),
      bytes({ id: 'known:zz', rssi: -60 }),
      Buffer.alloc(20_000, 32),
    ].map((p) => parseEspresenseMessage(p, 0).rejections[0]?.detail);
    expect(reasons).toEqual([
      'payload: must be UTF-8 JSON (got 1 bytes that are not)',
      'payload: must be a JSON object',
      'rssi: must be a number from -127 to 20 dBm (got nothing)',
      'mac: must be a device address in MAC notation (6 hex bytes)',
      'mac: is required unless id is a beacon id (iBeacon:, altBeacon:, eddystone:)',
      'payload: must be at most 16384 bytes (got 20000)',
    ]);
  });
});

describe(parseTheengsMessage.name, () => {
  it('decodes decoded and raw forms of the same beacon to one identity, as ESPresense does', () => {
    const decoded = THEENGS.map((m) =>
      parseTheengsMessage(bytes(m.payload), 7, m.topic.split('/').at(-1)),
    );
    expect(decoded.flatMap((d) => d.rejections)).toEqual([]);
    expect(decoded.map((d) => d.observation)).toEqual([
      {
        kind: 'ble',
        at: 7,
        rssi: -81,
        address: 'dd8800003777',
        beaconId: BLUE_CHARM,
        txPower: -59,
      },
      {
        kind: 'ble',
        at: 7,
        rssi: -80,
        address: 'dd8800003777',
        beaconId: BLUE_CHARM,
        txPower: -59,
      },
      {
        kind: 'ble',
        at: 7,
        rssi: -70,
        address: 'c4a1b2c3d4e5',
        beaconId: 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2',
      },
      {
        kind: 'ble',
        at: 7,
        rssi: -66,
        address: 'e1f2a3b4c5d6',
        beaconId: 'eddystone-uid:00112233445566778899:aabbccddeeff',
        txPower: -71,
      },
      // An iPhone (Apple "Nearby" data) from its resolvable private address: no beacon, random.
      { kind: 'ble', at: 7, rssi: -88, address: '5a0b1c2d3e4f', addressType: 'random' },
    ]);
  });

  it("reads Theengs Decoder's expected outputs (shared samples) once the gateway adds id and rssi", () => {
    const ids = THEENGS_EXPECTED.map(
      (p) =>
        parseTheengsMessage(bytes({ ...p, rssi: -60 }), 0, 'DD8800003777').observation?.beaconId,
    );
    expect(ids).toEqual([BLUE_CHARM, 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2']);
    // As stored (no rssi), they are a clear rejection, not a crash.
    expect(parseTheengsMessage(bytes(THEENGS_EXPECTED[0]), 0).rejections).toEqual([
      { reason: 'bad_rssi', detail: 'rssi: must be a number from -127 to 20 dBm (got nothing)' },
    ]);
  });

  it('rejects broken beacon fields but keeps the device', () => {
    const { observation, rejections } = parseTheengsMessage(
      bytes({ id: 'DD:88:00:00:37:77', rssi: -70, manufacturerdata: 'xyz', servicedata: 'aa' }),
      0,
    );
    expect(rejections.map((r) => r.detail)).toEqual([
      'manufacturerdata: must be hex of at least 2 bytes (company id, little-endian)',
      'servicedatauuid: is required with servicedata (e.g. "0xfeaa")',
    ]);
    expect(observation).toEqual({ kind: 'ble', at: 0, rssi: -70, address: 'dd8800003777' });
  });
});

describe('gateway messages with arbitrary input (property tests)', () => {
  const macLike = fc
    .uint8Array({ minLength: 6, maxLength: 6 })
    .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const hexString = fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('hex'));
  const value = fc.oneof(
    fc.jsonValue(),
    macLike,
    hexString,
    fc.constantFrom(
      'IBEACON',
      '0xfeaa',
      'feaa',
      -60,
      3838,
      'iBeacon:426c7565-4368-6172-6d42-6561636f6e73-1-2',
    ),
  );
  const FIELDS = [
    'id',
    'mac',
    'rssi',
    'rssi@1m',
    'distance',
    'model_id',
    'uuid',
    'major',
    'minor',
    'txpower',
    'manufacturerdata',
    'servicedata',
    'servicedatauuid',
  ];
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.jsonValue().map((j) => bytes(j)),
    fc.dictionary(fc.constantFrom(...FIELDS), value).map((d) => bytes(d)),
  );

  it('never throw; every rejection is labelled, names a field and quotes no address', () => {
    fc.assert(
      fc.property(payload, fc.option(macLike.map((m) => m.replaceAll(':', ''))), (input, topic) => {
        for (const decoded of [
          parseEspresenseMessage(input, 0),
          parseTheengsMessage(input, 0, topic ?? undefined),
        ]) {
          for (const r of decoded.rejections) {
            expect(r.reason).toMatch(/^[a-z_]+$/);
            expect(r.detail).toMatch(/^[a-z_@]+(, [a-z]+)?: \S/i);
            expect(redactMacs(r.detail)).toBe(r.detail);
          }
          // Nothing is lost silently: a message gives an observation or a rejection.
          expect(decoded.observation !== null || decoded.rejections.length > 0).toBe(true);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
