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
  it('round-trips radio and camera sightings', () => {
    expect(decodeSightingMessage(encodeSightingMessage(radio)).sighting).toEqual(radio);
    expect(decodeSightingMessage(encodeSightingMessage(camera)).sighting).toEqual(camera);
  });

  it.each(TEST_MACS.flatMap((mac) => macNotations(mac)))(
    'refuses to publish a raw address written %s, naming the field and not echoing it',
    (notation) => {
      for (const field of ['subject', 'sensorId', 'fingerprint'] as const) {
        const error = thrown(() => encodeSightingMessage({ ...radio, [field]: notation }));
        expect(error).toBeInstanceOf(RawIdentifierOnBusError);
        expect((error as BusMessageError).field).toBe(`sighting.${field}`);
        expect(findRawMac(error.message)).toBeNull();
      }
    },
  );

  it('refuses a subject that is not a gate pseudonym (a MAC without separators is 12 hex digits)', () => {
    const error = thrown(() => encodeSightingMessage({ ...radio, subject: 'da:a1' }));
    expect(error).toBeInstanceOf(RawIdentifierOnBusError);
    expect(error.message).toContain('sighting.subject');
  });

  it('refuses unknown fields, so a raw `mac` cannot ride along', () => {
    const error = thrown(() =>
      encodeSightingMessage({ ...radio, device: 'x' } as unknown as RadioSighting),
    );
    expect(error).toBeInstanceOf(BusMessageError);
    expect(error.message).toBe('bus message: sighting.device is not a known field');
  });

  it.each([
    [{ ...radio, rssi: 'loud' }, 'sighting.rssi must be a finite number (got a string)'],
    [{ ...radio, at: -1 }, 'sighting.at must be epoch ms (got -1)'],
    [{ ...camera, entries: 1.5 }, 'sighting.entries must be a non-negative integer (got 1.5)'],
    [{ ...radio, kind: 'lidar' }, 'sighting.kind must be one of wifi, ble, camera'],
    [{ ...radio, storeId: 'a b' }, 'sighting.storeId must be an id matching'],
  ])('names the field and the rule: %#', (sighting, expected) => {
    const error = thrown(() => parseSightingMessage({ v: 1, sighting }));
    expect(error).toBeInstanceOf(BusMessageError);
    expect(error.message).toContain(expected);
  });

  it('refuses bytes that are not JSON and other versions', () => {
    expect(thrown(() => decodeSightingMessage(Buffer.from('{nope'))).message).toBe(
      'bus message: message is not JSON (5 bytes)',
    );
    expect(thrown(() => parseSightingMessage({ v: 2, sighting: radio })).message).toBe(
      'bus message: v must be 1 (got 2)',
    );
  });
});
