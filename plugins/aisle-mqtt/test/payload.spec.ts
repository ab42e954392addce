import fc from 'fast-check';
import { parseBatch } from '../src/payload.js';

const AT = Date.UTC(2026, 0, 1, 9, 0, 0);
const parse = (payload: unknown, maxBatch = 1000) =>
  parseBatch(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), {
    maxBatch,
  });

describe(parseBatch.name, () => {
  it('reads every kind, normalising addresses and keeping only known fields', () => {
    const sut = parse({
      v: 1,
      observations: [
        { kind: 'wifi', mac: 'DA-A1-19-4C-2B-7E', rssi: -61, at: AT, channel: 6, seq: 1234 },
        { kind: 'ble', address: 'aabb.ccdd.eeff', rssi: -70.5, at: AT, addressType: 'random' },
        { kind: 'ble', beaconId: 'ibeacon:f7826da6:1:2', rssi: -80, txPower: -59, at: AT },
        {
          kind: 'camera',
          lineId: 'entrance',
          entries: 2,
          exits: 1,
          intervalStart: AT - 10_000,
          at: AT,
        },
      ],
    });
    expect(sut).toEqual({
      envelopeOk: true,
      rejections: [],
      observations: [
        { kind: 'wifi', mac: 'daa1194c2b7e', rssi: -61, at: AT, channel: 6, seq: 1234 },
        { kind: 'ble', address: 'aabbccddeeff', rssi: -70.5, at: AT, addressType: 'random' },
        { kind: 'ble', beaconId: 'ibeacon:f7826da6:1:2', rssi: -80, txPower: -59, at: AT },
        {
          kind: 'camera',
          lineId: 'entrance',
          entries: 2,
          exits: 1,
          intervalStart: AT - 10_000,
          at: AT,
        },
      ],
    });
  });

  it('accepts an empty batch (a heartbeat)', () => {
    expect(parse({ v: 1, observations: [] })).toEqual({
      envelopeOk: true,
      observations: [],
      rejections: [],
    });
  });

  it.each([
    [
      'not JSON',
      'not json da:a1:19:4c:2b:7e',
      'bad_json',
      'payload: must be JSON (got 26 bytes that are not)',
    ],
    [
      'an array',
      [],
      'bad_batch',
      'payload: must be a JSON object {"v":1,"observations":[…]} (got an array)',
    ],
    ['another version', { v: 2, observations: [] }, 'bad_version', 'v: must be 1 (got 2)'],
    ['no version', { observations: [] }, 'bad_version', 'v: must be 1 (got nothing)'],
    ['no list', { v: 1 }, 'bad_batch', 'observations: must be an array (got nothing)'],
    [
      'an unknown envelope field',
      { v: 1, observations: [], extra: true },
      'bad_batch',
      'extra: is not a field of a v1 batch (only v and observations are)',
    ],
  ])('rejects %s as a whole', (_what, payload, reason, detail) => {
    const sut = parse(payload);
    expect(sut.envelopeOk).toBe(false);
    expect(sut.observations).toEqual([]);
    expect(sut.rejections).toEqual([expect.objectContaining({ reason, detail })]);
  });

  it('rejects bytes that are not UTF-8', () => {
    const sut = parseBatch(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { maxBatch: 10 });
    expect(sut.rejections).toEqual([
      {
        reason: 'bad_encoding',
        field: 'payload',
        detail: 'payload: must be UTF-8 JSON (got 4 bytes that are not UTF-8)',
      },
    ]);
  });

  it('rejects a batch above maxBatch, and a payload too big for it', () => {
    const observation = { kind: 'camera', entries: 1, at: AT };
    expect(
      parse({ v: 1, observations: [observation, observation, observation] }, 2).rejections,
    ).toEqual([
      {
        reason: 'batch_too_large',
        field: 'observations',
        detail: 'observations: must hold at most 2 observations (got 3)',
      },
    ]);
    expect(
      parse(`{"v":1,"observations":[],"pad":"${'x'.repeat(2_000)}"}`, 1).rejections[0],
    ).toEqual(expect.objectContaining({ reason: 'payload_too_large', field: 'payload' }));
  });

  it('rejects bad observations one by one, naming each field, and keeps the rest', () => {
    const mac = 'da:a1:19:4c:2b:7e';
    const sut = parse({
      v: 1,
      observations: [
        { kind: 'wifi', mac, rssi: 'strong', at: AT },
        { kind: 'wifi', mac: `${mac}:00`, rssi: -50, at: AT },
        { kind: 'radar', mac, rssi: -50, at: AT },
        { kind: 'ble', address: mac, rssi: 99, at: AT },
        { kind: 'wifi', mac, rssi: -50, at: AT },
        { kind: 'wifi', mac: 'ff:ff:ff:ff:ff:ff', rssi: -50, at: AT },
        { kind: 'ble', rssi: -50, at: AT },
        { kind: 'camera', lineId: 'entrance', at: AT },
        { kind: 'camera', entries: 1, at: AT, intervalStart: AT + 1 },
        { kind: 'wifi', mac, rssi: -50, at: 'now', channel: 0, [mac]: 1 },
        42,
      ],
    });
    expect(sut.envelopeOk).toBe(true);
    expect(sut.observations).toEqual([{ kind: 'wifi', mac: 'daa1194c2b7e', rssi: -50, at: AT }]);
    expect(sut.rejections).toEqual([
      {
        reason: 'bad_rssi',
        field: 'observations[0].rssi',
        detail: 'observations[0].rssi: must be a number from -127 to 20 (dBm) (got "strong")',
      },
      {
        reason: 'bad_mac',
        field: 'observations[1].mac',
        detail:
          'observations[1].mac: must be a device address in MAC notation (6 hex bytes, any common separator) (got a 20-character string)',
      },
      {
        reason: 'bad_kind',
        field: 'observations[2].kind',
        detail: 'observations[2].kind: must be one of wifi, ble, camera (got "radar")',
      },
      {
        reason: 'bad_rssi',
        field: 'observations[3].rssi',
        detail: 'observations[3].rssi: must be a number from -127 to 20 (dBm) (got 99)',
      },
      {
        reason: 'bad_mac',
        field: 'observations[5].mac',
        detail:
          'observations[5].mac: must be a device (unicast) address, not multicast or broadcast (got a 17-character string)',
      },
      {
        reason: 'bad_address',
        field: 'observations[6].address',
        detail: 'observations[6].address: is required unless beaconId is given (got nothing)',
      },
      {
        reason: 'bad_entries',
        field: 'observations[7].entries',
        detail:
          'observations[7].entries: is required unless exits or occupancy is given (got nothing)',
      },
      {
        reason: 'bad_interval_start',
        field: 'observations[8].intervalStart',
        detail: 'observations[8].intervalStart: must not be after at (got a 13-digit number)',
      },
      {
        reason: 'bad_at',
        field: 'observations[9].at',
        detail:
          'observations[9].at: must be a time in epoch milliseconds (got "now"); observations[9][<a 17-character name>]: is not a field of a wifi observation (got a number); observations[9].channel: must be an integer from 1 to 233 (got 0)',
      },
      {
        reason: 'bad_observation',
        field: 'observations[10]',
        detail: 'observations[10]: must be an observation object (got a number)',
      },
    ]);
  });

  it('never quotes an identifier, even in the wrong field', () => {
    const mac = 'da:a1:19:4c:2b:7e';
    const sut = parse({
      v: 1,
      observations: [
        { kind: 'camera', lineId: mac.repeat(10), entries: 1, at: AT },
        { kind: 'wifi', mac: 42, rssi: mac, at: AT },
        { kind: 'ble', beaconId: '', address: `x${mac}`, rssi: -50, at: AT },
      ],
    });
    const details = sut.rejections.map((r) => r.detail).join('\n');
    expect(details).not.toMatch(/da:a1/i);
    expect(details).toContain(
      'observations[1].rssi: must be a number from -127 to 20 (dBm) (got a 17-character string)',
    );
  });

  it('gives every rejection a field path, and its detail starts with it (property)', () => {
    const PATH =
      /^(?:payload|v|observations(?:\[\d+\])?(?:\.[A-Za-z_$][\w$]*|\[.+\])?|[A-Za-z_$][\w$]*|\[.+\])$/;
    const field = fc.constantFrom('kind', 'at', 'mac', 'rssi', 'address', 'entries', 'x y', 'v');
    const item = fc.oneof(
      fc.dictionary(field, fc.oneof(fc.jsonValue(), fc.constantFrom('wifi', 'ble', 'camera'))),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(item, { maxLength: 10 }), (junk, items) => {
        for (const payload of [junk, { v: 1, observations: items }]) {
          for (const r of parse(payload).rejections) {
            expect(r.field).toMatch(PATH);
            expect(r.detail.startsWith(`${r.field}: `)).toBe(true);
            expect(r.reason).toMatch(/^[a-z_]+$/);
          }
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
