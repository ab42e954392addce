import type { CameraSighting, RadioSighting } from '@aisle/sdk';
import { TEST_MACS, findRawMac, macNotations } from '../../../../test/support/raw-mac.js';
import {
  BusMessageError,
  RawIdentifierOnBusError,
  decodeSightingMessage,
  encodeSightingMessage,
  parseSightingMessage,
} from './sighting-message.js';

const radio: RadioSighting = {
  kind: 'wifi',
  storeId: 'store-1',
  sensorId: 'sniffer-a',
  at: 1_765_000_000_000,
  period: 1_764_979_200_000,
  subject: '0123456789abcdef0123456789abcdef',
  rssi: -61,
  randomized: true,
  channel: 6,
};
const camera: CameraSighting = {
  kind: 'camera',
  storeId: 'store-1',
  sensorId: 'door-cam',
  at: 1_765_000_000_000,
  period: 1_764_979_200_000,
  lineId: 'door',
  entries: 3,
  exits: 1,
  intervalStart: 1_764_999_940_000,
};

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('sighting messages on the bus', () => {
  it('round-trips batches of radio and camera sightings', () => {
    expect(decodeSightingMessage(encodeSightingMessage([radio, camera])).sightings).toEqual([
      radio,
      camera,
    ]);
  });

  it('refuses a batch mixing stores, an empty one and an oversized one', () => {
    expect(
      thrown(() => encodeSightingMessage([radio, { ...camera, storeId: 'store-2' }])).message,
    ).toBe('bus message: sightings[1].storeId differs from the first sighting’s');
    expect(thrown(() => encodeSightingMessage([])).message).toContain(
      'sightings must be a list of 1 to 1000 sightings',
    );
    expect(thrown(() => encodeSightingMessage(Array(1001).fill(radio))).message).toContain(
      'sightings must be a list of 1 to 1000 sightings',
    );
  });

  it.each(TEST_MACS.flatMap((mac) => macNotations(mac)))(
    'refuses to publish a raw address written %s, naming the field and not echoing it',
    (notation) => {
      for (const field of ['subject', 'sensorId', 'fingerprint'] as const) {
        const error = thrown(() =>
          encodeSightingMessage([camera, { ...radio, [field]: notation }]),
        );
        expect(error).toBeInstanceOf(RawIdentifierOnBusError);
        expect((error as BusMessageError).field).toBe(`sightings[1].${field}`);
        expect(findRawMac(error.message)).toBeNull();
      }
    },
  );

  it('refuses a subject that is not a gate pseudonym (a MAC without separators is 12 hex digits)', () => {
    const error = thrown(() => encodeSightingMessage([{ ...radio, subject: 'da:a1' }]));
    expect(error).toBeInstanceOf(RawIdentifierOnBusError);
    expect(error.message).toContain('sightings[0].subject');
  });

  it('refuses unknown fields, so a raw `mac` cannot ride along', () => {
    const error = thrown(() =>
      encodeSightingMessage([{ ...radio, device: 'x' } as unknown as RadioSighting]),
    );
    expect(error).toBeInstanceOf(BusMessageError);
    expect(error.message).toBe('bus message: sightings[0].device is not a known field');
  });

  it.each([
    [{ ...radio, rssi: 'loud' }, 'sightings[0].rssi must be a finite number (got a string)'],
    [{ ...radio, at: -1 }, 'sightings[0].at must be epoch ms (got -1)'],
    [{ ...camera, entries: 1.5 }, 'sightings[0].entries must be a non-negative integer (got 1.5)'],
    [{ ...radio, kind: 'lidar' }, 'sightings[0].kind must be one of wifi, ble, camera'],
    [{ ...radio, storeId: 'a b' }, 'sightings[0].storeId must be an id matching'],
  ])('names the field and the rule: %#', (sighting, expected) => {
    const error = thrown(() => parseSightingMessage({ v: 1, sightings: [sighting] }));
    expect(error).toBeInstanceOf(BusMessageError);
    expect(error.message).toContain(expected);
  });

  it('refuses bytes that are not JSON and other versions', () => {
    expect(thrown(() => decodeSightingMessage(Buffer.from('{nope'))).message).toBe(
      'bus message: message is not JSON (5 bytes)',
    );
    expect(thrown(() => parseSightingMessage({ v: 2, sightings: [radio] })).message).toBe(
      'bus message: v must be 1 (got 2)',
    );
  });
});
