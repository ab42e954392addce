import { formatMac, type Observation, type PolicyModule } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import fc from 'fast-check';
import { expectNoRawMac, findRawMac, macNotations } from '../../../test/support/raw-mac.js';
import { DROP_REASONS, IngestGate, type DropReason, type GateResult } from './ingest-gate.js';
import { InMemoryKeyStore, LATE_GRACE_MS, PseudonymKeyring } from './keyring.js';
import { parseTrackingPolicy, type TrackingPolicy } from './tracking-policy.js';

const HOUR = 3_600_000;
const MIDNIGHT = Date.UTC(2026, 0, 1);
const T0 = MIDNIGHT + 9 * HOUR;

const wifi = {
  storeId: 'store-1',
  sensorId: 'sensor-1',
  at: T0,
  kind: 'wifi',
  mac: '3C:22:FB:12:34:56',
  rssi: -61,
  channel: 6,
  seq: 1234,
  fingerprint: 'ie-7f3a09c1',
} as const;
const ble = {
  storeId: 'store-1',
  sensorId: 'sensor-2',
  at: T0,
  kind: 'ble',
  address: 'A4:C1:38:5D:7E:21',
  addressType: 'public',
  rssi: -70,
  txPower: -59,
} as const;
const beacon = {
  storeId: 'store-1',
  sensorId: 'sensor-2',
  at: T0,
  kind: 'ble',
  beaconId: 'iBeacon:F7826DA6-4FA2-4E98-8024-BC5B71E0893E:100:7',
  address: 'da:a1:19:4c:2b:7e',
  addressType: 'random',
  rssi: -80,
} as const;
const camera = {
  storeId: 'store-1',
  sensorId: 'cam-1',
  at: T0,
  kind: 'camera',
  lineId: 'entrance',
  entries: 3,
  exits: 1,
  intervalStart: T0 - 60_000,
  trackId: 't-17',
} as const;

function setup(
  options: { policy?: Record<string, unknown>; modules?: readonly PolicyModule[] } = {},
) {
  const clock = new FakeClock(T0);
  const store = new InMemoryKeyStore();
  const keyring = new PseudonymKeyring({ store, clock, onError: () => undefined });
  const policies = new Map<string, TrackingPolicy>([
    ['store-1', parseTrackingPolicy(options.policy ?? {})],
    ['store-2', parseTrackingPolicy({})],
  ]);
  const accepted: [string, string][] = [];
  const dropped: [DropReason, string | undefined][] = [];
  const sut = new IngestGate({
    keyring,
    clock,
    policyFor: (storeId) => policies.get(storeId),
    modulesFor: () => options.modules ?? [],
    metrics: {
      accepted: (storeId, kind) => accepted.push([storeId, kind]),
      dropped: (reason, storeId) => dropped.push([reason, storeId]),
    },
  });
  return { sut, clock, keyring, store, policies, accepted, dropped };
}

function sightingOf(result: GateResult) {
  if (!result.ok) {
    throw new Error(`dropped: ${result.reason} ${result.error?.message ?? ''}`);
  }
  return result.sighting;
}

function subjectOf(result: GateResult): string | undefined {
  return sightingOf(result).subject;
}

/** A unicast MAC (group bit clear) in a random notation, with its normalised form. */
const unicastMac = fc
  .tuple(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.nat(7))
  .map(([bytes, notation]) => {
    bytes[0] = bytes[0]! & 0xfe;
    const bare = Buffer.from(bytes).toString('hex');
    return { bare, written: macNotations(bare)[notation]! };
  });

describe(IngestGate.name, () => {
  describe('accepted observations', () => {
    it('turns a Wi-Fi observation into a pseudonymous sighting', () => {
      const { sut, accepted } = setup();
      const result = sut.process(wifi);
      const sighting = sightingOf(result);
      expect(sighting).toEqual({
        storeId: 'store-1',
        sensorId: 'sensor-1',
        at: T0,
        period: MIDNIGHT,
        kind: 'wifi',
        subject: expect.stringMatching(/^[0-9a-f]{32}$/),
        rssi: -61,
        randomized: false,
        channel: 6,
        seq: 1234,
        fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(result.ok && result.retainDevice).toBe(true);
      expect(accepted).toEqual([['store-1', 'wifi']]);
    });

    it('flags randomised addresses', () => {
      const { sut } = setup();
      expect(sightingOf(sut.process({ ...wifi, mac: 'da:a1:19:4c:2b:7e' }))).toMatchObject({
        randomized: true,
      });
      expect(sightingOf(sut.process(ble))).toMatchObject({ kind: 'ble', randomized: false });
      expect(sightingOf(sut.process({ ...ble, addressType: 'random' }))).toMatchObject({
        randomized: true,
      });
      expect(
        sightingOf(sut.process({ ...ble, address: '7e:4b:90:c3:11:08', addressType: undefined })),
      ).toMatchObject({ randomized: true });
    });

    it('uses the beacon identity as subject when there is one', () => {
      const { sut } = setup();
      const sighting = sightingOf(sut.process(beacon));
      expect(sighting).toMatchObject({ kind: 'ble', beacon: true, randomized: true, rssi: -80 });
      // Case does not matter, and the (random) address does not change the subject.
      const again = sut.process({
        ...beacon,
        beaconId: beacon.beaconId.toLowerCase(),
        address: undefined,
      });
      expect(subjectOf(again)).toBe(sightingOf(sut.process(beacon)).subject);
      expect(subjectOf(sut.process({ ...beacon, beaconId: undefined }))).not.toBe(subjectOf(again));
    });

    it('marks a reference beacon with its known position, only with a beacon id', () => {
      const { sut } = setup();
      const reference = { x: 3, y: 4.5, z: 2 };
      expect(sightingOf(sut.process({ ...beacon, reference }))).toMatchObject({
        beacon: true,
        reference,
      });
      expect(sightingOf(sut.process(beacon))).not.toHaveProperty('reference');
      const bad = sut.process({ ...beacon, reference: { x: 1, y: Number.NaN, z: 0 } });
      expect(bad).toMatchObject({ ok: false, reason: 'invalid_observation' });
      const noBeacon = sut.process({ ...ble, reference });
      expect(noBeacon.ok ? '' : noBeacon.error?.message).toContain(
        'reference: is only allowed with a beaconId',
      );
    });

    it('passes camera counts and pseudonymises the track id per camera', () => {
      const { sut } = setup();
      const sighting = sightingOf(sut.process(camera));
      expect(sighting).toEqual({
        storeId: 'store-1',
        sensorId: 'cam-1',
        at: T0,
        period: MIDNIGHT,
        kind: 'camera',
        lineId: 'entrance',
        entries: 3,
        exits: 1,
        intervalStart: T0 - 60_000,
        subject: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(subjectOf(sut.process({ ...camera, sensorId: 'cam-2' }))).not.toBe(sighting.subject);
      expect(sightingOf(sut.process({ ...camera, trackId: undefined })).subject).toBeUndefined();
      expect(
        sightingOf(sut.process({ ...camera, entries: undefined, exits: undefined, occupancy: 0 })),
      ).toMatchObject({ occupancy: 0 });
    });

    it.each([
      ['count-only', false],
      ['consented', false],
      ['in-visit', true],
    ])('in %s mode sets retainDevice to %p', (mode, retain) => {
      const { sut } = setup({ policy: { mode } });
      const result = sut.process(wifi);
      expect(result.ok && result.retainDevice).toBe(retain);
    });

    it.each(['count-only', 'consented'])(
      'in %s mode keeps camera counts but not their track pseudonym',
      (mode) => {
        const { sut } = setup({ policy: { mode } });
        const result = sut.process(camera);
        expect(result.ok && result.retainDevice).toBe(true);
        expect(sightingOf(result)).toMatchObject({ entries: 3, exits: 1 });
        expect(sightingOf(result).subject).toBeUndefined();
      },
    );

    it('copies nothing it does not know', () => {
      const { sut } = setup();
      const sighting = sightingOf(sut.process({ ...wifi, ssid: 'HomeWifi', mac2: wifi.mac }));
      expect(Object.keys(sighting).sort()).toEqual([
        'at',
        'channel',
        'fingerprint',
        'kind',
        'period',
        'randomized',
        'rssi',
        'sensorId',
        'seq',
        'storeId',
        'subject',
      ]);
    });

    it('keys the fingerprint per period: equal within one, unrelated after rotation', () => {
      const { sut, clock } = setup();
      const fp = (o: object): string | undefined => {
        const s = sightingOf(sut.process(o));
        return s.kind === 'camera' ? undefined : s.fingerprint;
      };
      const a = fp(wifi);
      const b = fp({ ...wifi, mac: 'da:a1:19:4c:2b:7e' });
      clock.advance(24 * HOUR);
      const c = fp({ ...wifi, at: T0 + 24 * HOUR });
      expect(a).toBe(b);
      expect(c).not.toBe(a);
      expect(a).not.toContain(wifi.fingerprint);
    });
  });

  describe('pseudonyms', () => {
    it('are stable within a period whatever the notation', () => {
      const { sut } = setup();
      fc.assert(
        fc.property(
          unicastMac,
          fc.nat(7),
          fc.integer({ min: MIDNIGHT, max: T0 }),
          ({ bare, written }, other, at) => {
            const a = subjectOf(sut.process({ ...wifi, mac: written }));
            const b = subjectOf(sut.process({ ...wifi, at, mac: macNotations(bare)[other] }));
            const c = subjectOf(sut.process({ ...ble, at, address: macNotations(bare)[other] }));
            return a === b && c !== a;
          },
        ),
      );
    });

    it('differ across periods', () => {
      const { sut, clock } = setup();
      const today = sightingOf(sut.process(wifi));
      clock.advance(24 * HOUR);
      const tomorrow = sightingOf(sut.process({ ...wifi, at: T0 + 24 * HOUR }));
      expect(tomorrow.period).toBe(MIDNIGHT + 24 * HOUR);
      expect(tomorrow.subject).not.toBe(today.subject);
    });

    it('differ across rotation periods shorter than a day', () => {
      const { sut, clock } = setup({ policy: { rotationHours: 1 } });
      const before = sightingOf(sut.process(wifi));
      clock.advance(HOUR);
      const after = sightingOf(sut.process({ ...wifi, at: T0 + HOUR }));
      expect([before.period, after.period]).toEqual([T0, T0 + HOUR]);
      expect(after.subject).not.toBe(before.subject);
    });

    it('differ across stores', () => {
      const { sut } = setup();
      expect(subjectOf(sut.process({ ...wifi, storeId: 'store-2' }))).not.toBe(
        subjectOf(sut.process(wifi)),
      );
    });

    it('cannot be produced for a period once its key is destroyed', async () => {
      const { sut, clock, keyring } = setup();
      const first = sightingOf(sut.process(wifi));
      const key = keyring.keyFor('store-1', T0, 24)!.key;
      const nextMidnight = MIDNIGHT + 24 * HOUR;
      const late = { ...wifi, at: nextMidnight - 5000 };

      clock.set(nextMidnight + 60_000);
      expect(subjectOf(sut.process(late))).toBe(first.subject);

      clock.set(nextMidnight + LATE_GRACE_MS);
      await keyring.flush();
      await keyring.rotate(clock.now());
      expect(key.every((b) => b === 0)).toBe(true);
      expect(sut.process(late)).toEqual({ ok: false, reason: 'key_expired' });
      expect(sightingOf(sut.process({ ...wifi, at: clock.now() })).period).toBe(nextMidnight);
    });

    it('leave no raw MAC in the sighting, in any notation', () => {
      const { sut } = setup();
      fc.assert(
        fc.property(unicastMac, fc.nat(7), ({ bare, written }, other) => {
          const everywhere = macNotations(bare)[other]!;
          for (const input of [
            { ...wifi, mac: written, fingerprint: everywhere },
            { ...ble, address: written },
            { ...beacon, address: written, beaconId: `eddystone:${everywhere}` },
            { ...camera, trackId: everywhere },
          ]) {
            const result = sut.process(input);
            expect(result.ok).toBe(true);
            expect(findRawMac(result, [bare])).toBeNull();
          }
        }),
      );
    });
  });

  describe('validation', () => {
    it.each<[string, Record<string, unknown>, string]>([
      [
        'storeId',
        { ...wifi, storeId: '' },
        'storeId: must be a non-empty string of at most 64 characters (got "")',
      ],
      [
        'sensorId',
        { ...wifi, sensorId: 'x'.repeat(65) },
        'sensorId: must be a non-empty string of at most 64 characters (got "xxx',
      ],
      ['at', { ...wifi, at: Number.NaN }, 'at: must be a finite number (epoch ms) (got NaN)'],
      ['kind', { ...wifi, kind: 'lidar' }, 'kind: must be one of wifi, ble, camera (got "lidar")'],
      [
        'rssi',
        { ...wifi, rssi: 'loud' },
        'rssi: must be a number from -127 to 20 (dBm) (got "loud")',
      ],
      ['rssi', { ...wifi, rssi: 21 }, 'rssi: must be a number from -127 to 20 (dBm) (got 21)'],
      ['channel', { ...wifi, channel: 0 }, 'channel: must be an integer from 1 to 233 (got 0)'],
      ['seq', { ...wifi, seq: 4096 }, 'seq: must be an integer from 0 to 4095 (got 4096)'],
      [
        'txPower',
        { ...ble, txPower: -200 },
        'txPower: must be a number from -127 to 20 (dBm) (got -200)',
      ],
      [
        'addressType',
        { ...ble, addressType: 'static' },
        'addressType: must be public or random (got "static")',
      ],
      [
        'address',
        { ...ble, address: undefined },
        'address: is required when there is no beaconId (got nothing)',
      ],
      [
        'entries',
        { ...camera, entries: -1 },
        'entries: must be an integer from 0 to 100000 (got -1)',
      ],
      ['exits', { ...camera, exits: 2.5 }, 'exits: must be an integer from 0 to 100000 (got 2.5)'],
      [
        'occupancy',
        { ...camera, occupancy: 100_001 },
        'occupancy: must be an integer from 0 to 100000 (got 100001)',
      ],
      [
        'entries',
        { ...camera, entries: undefined, exits: undefined },
        'entries: at least one of entries, exits or occupancy is required',
      ],
      [
        'intervalStart',
        { ...camera, intervalStart: T0 + 1 },
        'intervalStart: must not be after at',
      ],
      [
        'zoneId',
        { ...camera, zoneId: 7 },
        'zoneId: must be a non-empty string of at most 64 characters (got 7)',
      ],
      [
        '(root)',
        null as unknown as Record<string, unknown>,
        '(root): must be an observation object (got null)',
      ],
    ])('names the field (%s) and the value', (field, input, message) => {
      const { sut } = setup();
      const result = sut.process(input);
      expect(result.ok).toBe(false);
      if (result.ok) {
        return;
      }
      expect(result.reason).toBe('invalid_observation');
      expect(result.error?.reason).toBe('invalid_observation');
      expect(result.error?.fields.map((f) => f.field)).toContain(field);
      expect(result.error?.message).toContain(message);
    });

    it.each<[string, Record<string, unknown>, string]>([
      [
        'mac',
        { ...wifi, mac: 'DA:A1:19:4C:2B:7' },
        'mac: must be a MAC address (got a 16-character string)',
      ],
      [
        'mac',
        { ...wifi, mac: 'DA:A1:19:4C:2B:7E:00' },
        'mac: must be a MAC address (got a 20-character string)',
      ],
      ['mac', { ...wifi, mac: 0xdaa1194c2b7e }, 'mac: must be a MAC address (got a number)'],
      ['mac', { ...wifi, mac: undefined }, 'mac: must be a MAC address (got nothing)'],
      [
        'mac',
        { ...wifi, mac: '01:00:5e:4c:2b:7e' },
        'mac: must be a device (unicast) address, not multicast or broadcast (got a 17-character string)',
      ],
      [
        'address',
        { ...ble, address: 'da:a1:19:4c:2b' },
        'address: must be a BLE device address (6 bytes in MAC notation) (got a 14-character string)',
      ],
      [
        'beaconId',
        { ...beacon, beaconId: '' },
        'beaconId: must be a non-empty string of at most 256 characters (got an empty string)',
      ],
      [
        'trackId',
        { ...camera, trackId: ['da:a1:19:4c:2b:7e'] },
        'trackId: must be a non-empty string of at most 128 characters (got an array)',
      ],
      [
        'sensorId',
        { ...wifi, sensorId: 'DA-A1-19-4C-2B-7E' },
        'sensorId: must not be a MAC address (got a 17-character string)',
      ],
      [
        'lineId',
        { ...camera, lineId: 'daa1194c2b7e' },
        'lineId: must not be a MAC address (got a 12-character string)',
      ],
      [
        'fingerprint',
        { ...wifi, fingerprint: 'f'.repeat(129) },
        'fingerprint: must be a non-empty string of at most 128 characters (got a 129-character string)',
      ],
    ])('describes a bad identifier (%s) without echoing it', (field, input, message) => {
      const { sut } = setup();
      const result = sut.process(input);
      expect(result.ok).toBe(false);
      if (result.ok) {
        return;
      }
      expect(result.error?.message).toBe(message);
      expect(result.error?.fields).toEqual([
        { field, value: expect.any(String), message: expect.any(String) },
      ]);
      const value = input[field];
      if ((typeof value === 'string' && value !== '') || typeof value === 'number') {
        expect(JSON.stringify(result)).not.toContain(String(value));
        expect(result.error?.message).not.toContain(String(value));
      }
      expectNoRawMac(
        {
          message: result.error?.message,
          fields: result.error?.fields,
          stack: result.error?.stack,
        },
        `the error for ${field}`,
        ['da:a1:19:4c:2b:7e', '01:00:5e:4c:2b:7e'],
      );
    });

    it('redacts a MAC that a driver put into another field', () => {
      const { sut } = setup();
      const result = sut.process({
        ...wifi,
        sensorId:
          'sniffer da:a1:19:4c:2b:7e and more text to make it long enough to be cut short somewhere',
        rssi: 'DAA1194C2B7E',
        kind: 'wifi',
        storeId: { mac: 'da-a1-19-4c-2b-7e' },
      });
      expect(result.ok).toBe(false);
      expectNoRawMac(JSON.stringify(result), 'the drop result');
      expectNoRawMac(String(!result.ok && result.error?.stack), 'the error stack');
      expect(!result.ok && result.error?.message).toContain(
        'rssi: must be a number from -127 to 20 (dBm) (got "[redacted-mac]")',
      );
      expect(!result.ok && result.error?.message).toContain(
        'storeId: must be a non-empty string of at most 64 characters (got an object)',
      );
    });

    it('reports every bad field at once', () => {
      const { sut } = setup();
      const result = sut.process({
        storeId: 'store-1',
        kind: 'wifi',
        rssi: 50,
        mac: 'nope',
        at: 'now',
      });
      expect(!result.ok && result.error?.fields.map((f) => f.field)).toEqual([
        'sensorId',
        'at',
        'mac',
        'rssi',
      ]);
    });
  });

  describe('drops', () => {
    const throwing: PolicyModule = {
      gate: () => {
        throw new Error('opt-out list unavailable for da:a1:19:4c:2b:7e');
      },
    };
    const rejecting: PolicyModule = {
      gate: () => ({ accept: false, reason: 'opted out: da:a1:19:4c:2b:7e' }),
    };
    const scenarios: {
      reason: DropReason;
      input: unknown;
      policy?: Record<string, unknown>;
      modules?: PolicyModule[];
      label: string | undefined;
    }[] = [
      { reason: 'invalid_observation', input: { ...wifi, rssi: 99 }, label: 'store-1' },
      {
        reason: 'invalid_observation',
        input: { ...wifi, storeId: 'nowhere', rssi: 99 },
        label: undefined,
      },
      { reason: 'unknown_store', input: { ...wifi, storeId: 'nowhere' }, label: undefined },
      { reason: 'tracking_off', input: wifi, policy: { mode: 'off' }, label: 'store-1' },
      {
        reason: 'kind_not_allowed',
        input: wifi,
        policy: { allowedKinds: ['ble', 'camera'] },
        label: 'store-1',
      },
      { reason: 'kind_not_allowed', input: camera, policy: { allowedKinds: [] }, label: 'store-1' },
      {
        reason: 'below_min_rssi',
        input: { ...wifi, rssi: -90 },
        policy: { minRssi: -85 },
        label: 'store-1',
      },
      { reason: 'below_min_rssi', input: beacon, policy: { minRssi: -75 }, label: 'store-1' },
      {
        reason: 'randomized_mac',
        input: { ...wifi, mac: 'da:a1:19:4c:2b:7e' },
        policy: { ignoreRandomizedMacs: true },
        label: 'store-1',
      },
      {
        reason: 'randomized_mac',
        input: { ...ble, addressType: 'random' },
        policy: { ignoreRandomizedMacs: true },
        label: 'store-1',
      },
      { reason: 'clock_skew', input: { ...wifi, at: T0 + 301_000 }, label: 'store-1' },
      {
        reason: 'clock_skew',
        input: { ...camera, at: T0 + 31_000 },
        policy: { maxClockSkewSeconds: 30 },
        label: 'store-1',
      },
      { reason: 'policy_rejected', input: wifi, modules: [{}, rejecting], label: 'store-1' },
      { reason: 'policy_error', input: wifi, modules: [throwing], label: 'store-1' },
      { reason: 'key_expired', input: { ...wifi, at: T0 - 24 * HOUR }, label: 'store-1' },
      {
        reason: 'internal_error',
        input: Object.defineProperty({ ...wifi }, 'rssi', {
          enumerable: true,
          get: () => {
            throw new Error('hostile getter');
          },
        }),
        label: undefined,
      },
    ];

    it.each(scenarios)(
      'drops with $reason and counts it',
      ({ reason, input, policy, modules, label }) => {
        const { sut, dropped, accepted } = setup({ policy, modules });
        const result = sut.process(input);
        expect(result).toMatchObject({ ok: false, reason });
        expect(dropped).toEqual([[reason, label]]);
        expect(accepted).toEqual([]);
        expectNoRawMac(JSON.stringify(result), `the ${reason} result`);
      },
    );

    it('reaches every drop reason', () => {
      expect(new Set(scenarios.map((s) => s.reason))).toEqual(new Set(DROP_REASONS));
    });

    it('still accepts what the policy allows', () => {
      const { sut } = setup({ policy: { ignoreRandomizedMacs: true, minRssi: -85 } });
      expect(sut.process(wifi).ok).toBe(true);
      expect(sut.process(beacon).ok).toBe(true); // random address, but a beacon identity
      expect(sut.process({ ...wifi, at: T0 + 300_000 }).ok).toBe(true);
    });
  });

  describe('policy modules', () => {
    it('sees a clean, frozen, normalised observation and can accept it', () => {
      const seen: Readonly<Observation>[] = [];
      const { sut } = setup({ modules: [{ gate: (o) => (seen.push(o), { accept: true }) }] });
      expect(sut.process({ ...wifi, junk: 'x' }).ok).toBe(true);
      expect(seen).toEqual([{ ...wifi, mac: '3c22fb123456' }]);
      expect(Object.isFrozen(seen[0])).toBe(true);
      expect(formatMac((seen[0] as { mac: string }).mac)).toBe('3c:22:fb:12:34:56');
    });

    it('stops at the first rejection and passes its reason on, redacted and short', () => {
      let laterCalls = 0;
      const later = () => {
        laterCalls += 1;
        return { accept: true } as const;
      };
      const { sut } = setup({
        modules: [
          {
            gate: () => ({
              accept: false,
              reason: `opted out: da:a1:19:4c:2b:7e ${'!'.repeat(100)}`,
            }),
          },
          { gate: later },
        ],
      });
      const result = sut.process(wifi);
      expect(result).toEqual({
        ok: false,
        reason: 'policy_rejected',
        detail: expect.stringMatching(/^opted out: \[redacted-mac\] !+$/),
      });
      expect(!result.ok && result.detail).toHaveLength(64);
      expect(laterCalls).toBe(0);
    });

    it.each<[string, PolicyModule['gate']]>([
      [
        'throws',
        () => {
          throw new Error('boom');
        },
      ],
      [
        'throws a non-error',
        () => {
          // A third-party module may throw anything; the gate must cope.
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 'a string';
        },
      ],
      ['answers nothing', () => undefined as never],
      ['answers a promise', () => Promise.resolve({ accept: true }) as never],
      [
        'answers with a throwing getter',
        () =>
          Object.defineProperty({}, 'accept', {
            get: () => {
              throw new Error('lazy');
            },
          }) as never,
      ],
    ])('does not crash when a module %s', (_, gate) => {
      const { sut, dropped } = setup({ modules: [{ gate }] });
      expect(sut.process(wifi)).toEqual({ ok: false, reason: 'policy_error' });
      expect(dropped).toEqual([['policy_error', 'store-1']]);
      expect(sut.process(camera)).toEqual({ ok: false, reason: 'policy_error' });
    });

    it('treats a failing policy lookup as policy_error', () => {
      const clock = new FakeClock(T0);
      const sut = new IngestGate({
        keyring: new PseudonymKeyring({
          store: new InMemoryKeyStore(),
          clock,
          onError: () => undefined,
        }),
        clock,
        policyFor: () => {
          throw new Error('config not loaded');
        },
      });
      expect(sut.process(wifi)).toEqual({ ok: false, reason: 'policy_error' });
    });
  });

  describe('robustness', () => {
    it('survives a metrics sink that throws', () => {
      const clock = new FakeClock(T0);
      const sut = new IngestGate({
        keyring: new PseudonymKeyring({
          store: new InMemoryKeyStore(),
          clock,
          onError: () => undefined,
        }),
        clock,
        policyFor: () => parseTrackingPolicy({}),
        metrics: {
          accepted: () => {
            throw new Error('registry gone');
          },
          dropped: () => {
            throw new Error('registry gone');
          },
        },
      });
      expect(sut.process(wifi).ok).toBe(true);
      expect(sut.process({}).ok).toBe(false);
    });

    it('never throws on arbitrary input, and never fails internally', () => {
      const { sut } = setup();
      fc.assert(
        fc.property(
          fc.anything({
            withBigInt: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withTypedArray: true,
            withNullPrototype: true,
            withSparseArray: true,
          }),
          (input) => {
            const result = sut.process(input);
            return !result.ok && result.reason === 'invalid_observation';
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('never throws on mutated valid observations, and never leaks their MAC', () => {
      const { sut } = setup({ policy: { minRssi: -100 } });
      const keys = [
        'storeId',
        'sensorId',
        'at',
        'kind',
        'mac',
        'address',
        'beaconId',
        'rssi',
        'txPower',
        'addressType',
        'channel',
        'seq',
        'fingerprint',
        'entries',
        'exits',
        'occupancy',
        'intervalStart',
        'trackId',
        'lineId',
        'zoneId',
      ];
      const mutation = fc.dictionary(
        fc.constantFrom(...keys),
        fc.oneof(
          fc.anything(),
          fc.constant(undefined),
          fc.integer({ min: -200, max: 200 }),
          fc.constantFrom('wifi', 'ble', 'camera', 'store-1', '', 'DA:A1:19:4C:2B:7E'),
        ),
      );
      fc.assert(
        fc.property(
          fc.constantFrom<Record<string, unknown>>(wifi, ble, beacon, camera),
          mutation,
          (base, changes) => {
            const result = sut.process({ ...base, ...changes });
            expect(result.ok || DROP_REASONS.includes(result.reason)).toBe(true);
            expect(result.ok || result.reason !== 'internal_error').toBe(true);
            const macs = ['3c:22:fb:12:34:56', 'a4:c1:38:5d:7e:21', 'da:a1:19:4c:2b:7e'];
            expectNoRawMac(result, 'a gate result', macs);
            expectNoRawMac(String(!result.ok && result.error?.message), 'an error message', macs);
          },
        ),
        { numRuns: 3000 },
      );
    });
  });

  describe('with the store and sensor given beside the input (the plugin host)', () => {
    it('uses them over the input fields and neither keeps nor changes the input', () => {
      const { sut, accepted } = setup();
      const { storeId: _store, sensorId: _sensor, ...driverObject } = wifi;
      const input = Object.freeze({ ...driverObject, storeId: 'spoofed-store' });
      const result = sut.process(input, 'store-2', 'sensor-9');
      expect(result).toMatchObject({
        ok: true,
        sighting: { storeId: 'store-2', sensorId: 'sensor-9' },
      });
      expect(accepted).toEqual([['store-2', 'wifi']]);
      const same = sut.process({ ...wifi, storeId: 'store-2', sensorId: 'sensor-9' });
      expect(same).toEqual(result);
    });

    it('validates a given sensor id like the field', () => {
      const { sut, dropped } = setup();
      expect(sut.process(wifi, 'store-1', '3C:22:FB:12:34:56').ok).toBe(false);
      expect(dropped).toEqual([['invalid_observation', 'store-1']]);
    });
  });
});
