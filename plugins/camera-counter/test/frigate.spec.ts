import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { FrigateTracker } from '../src/frigate.js';

const SAMPLE = readFileSync(new URL('./fixtures/frigate_events_example.json', import.meta.url));
const SAMPLE_JSON = JSON.parse(SAMPLE.toString('utf8')) as {
  type: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
};
/** Hub time just after the sample's frame. */
const NOW = 1_607_123_963_000;

function tracker(zones: Record<string, string> = { yard: 'front-yard', driveway: 'drive' }) {
  return new FrigateTracker({
    zones: new Map(Object.entries(zones)),
    cameras: new Set(),
    maxClockSkewMs: 300_000,
  });
}

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value) ?? 'undefined');

function event(
  type: string,
  after: Record<string, unknown>,
  before: Record<string, unknown> = SAMPLE_JSON.before,
): Buffer {
  return bytes({ type, before, after: { ...SAMPLE_JSON.after, ...after } });
}

describe(FrigateTracker.name, () => {
  it("counts the documented sample: an update that adds yard to the person's zones", () => {
    const sut = tracker();
    const result = sut.event(SAMPLE, NOW);
    expect(result).toEqual({
      valid: true,
      rejections: [],
      observations: [
        { kind: 'camera', zoneId: 'front-yard', entries: 1, exits: 0, at: 1_607_123_962_083 },
      ],
    });
    expect(sut.trackCount).toBe(1);
    // The same message again (a retransmission) counts nothing.
    expect(sut.event(SAMPLE, NOW).observations).toEqual([]);
  });

  it('counts only people, only configured cameras, never false positives', () => {
    const cameras = new FrigateTracker({
      zones: new Map([['yard', 'front-yard']]),
      cameras: new Set(['back_door']),
      maxClockSkewMs: 300_000,
    });
    expect(cameras.event(SAMPLE, NOW)).toMatchObject({ valid: true, observations: [] });
    const sut = tracker();
    expect(sut.event(event('new', { label: 'car', id: 'car-1' }, {}), NOW).observations).toEqual(
      [],
    );
    expect(
      sut.event(event('new', { id: 'fp-1', false_positive: true }, {}), NOW).observations,
    ).toEqual([]);
  });

  it('merges Frigate zones mapped to one Aisle zone: moving between them is no entry', () => {
    const sut = tracker({ yard: 'outside', driveway: 'outside' });
    const start = { current_zones: ['driveway'], frame_time: 1_607_123_960 };
    expect(sut.event(event('new', start, {}), NOW).observations).toMatchObject([
      { zoneId: 'outside', entries: 1 },
    ]);
    expect(
      sut.event(event('update', { current_zones: ['yard'], frame_time: 1_607_123_961 }), NOW)
        .observations,
    ).toEqual([]);
    expect(
      sut.event(event('end', { current_zones: ['yard'], end_time: 1_607_123_962 }), NOW)
        .observations,
    ).toMatchObject([{ zoneId: 'outside', entries: 0, exits: 1, at: 1_607_123_962_000 }]);
  });

  it('ignores out-of-order and after-the-end messages of a track', () => {
    const sut = tracker();
    sut.event(event('update', { current_zones: ['yard'], frame_time: 1_607_123_962 }), NOW);
    expect(
      sut.event(event('update', { current_zones: [], frame_time: 1_607_123_961 }), NOW)
        .observations,
    ).toEqual([]);
    expect(
      sut.event(event('end', { current_zones: ['yard'], end_time: 1_607_123_963 }), NOW)
        .observations,
    ).toMatchObject([{ zoneId: 'front-yard', exits: 1 }]);
    expect(sut.trackCount).toBe(0);
    expect(
      sut.event(event('update', { current_zones: ['yard'], frame_time: 1_607_123_964 }), NOW)
        .observations,
    ).toEqual([]);
  });

  it('emits occupancy from the per-zone person counts, summed per Aisle zone, on change', () => {
    const sut = tracker({ yard: 'outside', driveway: 'outside' });
    expect(sut.zoneCount('yard', Buffer.from('2'), NOW).observations).toEqual([
      { kind: 'camera', zoneId: 'outside', occupancy: 2, at: NOW },
    ]);
    expect(sut.zoneCount('driveway', Buffer.from('1'), NOW + 1).observations).toEqual([
      { kind: 'camera', zoneId: 'outside', occupancy: 3, at: NOW + 1 },
    ]);
    expect(sut.zoneCount('driveway', Buffer.from('1'), NOW + 2).observations).toEqual([]);
    expect(sut.zoneCount('front_door', Buffer.from('4'), NOW + 3)).toMatchObject({
      valid: true,
      observations: [],
    });
  });

  it.each([
    ['not JSON', Buffer.from('{"type":'), 'bad_json'],
    ['a list', bytes([1]), 'bad_event'],
    ['an unknown type', bytes({ ...SAMPLE_JSON, type: 'moved' }), 'bad_type'],
    ['no after', bytes({ type: 'new' }), 'bad_event'],
    ['a thumbnail', event('update', { thumbnail: '/9j/4AAQSkZJRgABAQAAAQABAAD' }), 'image_data'],
    ['a recognised face', event('update', { sub_label: ['Jane', 0.93] }), 'image_data'],
    ['a numeric label', event('update', { label: 7 }), 'bad_label'],
    ['no camera', event('update', { camera: '' }), 'bad_camera'],
    ['no track id', event('update', { id: 12 }), 'bad_id'],
    ['zones that are not a list', event('update', { current_zones: 'yard' }), 'bad_zones'],
    ['a time that is not a number', event('update', { frame_time: 'now' }), 'bad_time'],
    ['a time an hour ahead', event('update', { frame_time: NOW / 1000 + 3_600 }), 'clock_skew'],
  ])('rejects %s with a reason and the field named', (_what, payload, reason) => {
    const result = tracker().event(payload, NOW);
    expect(result.valid).toBe(false);
    expect(result.observations).toEqual([]);
    expect(result.rejections).toHaveLength(1);
    expect(result.rejections[0]!.reason).toBe(reason);
    expect(result.rejections[0]!.detail).toMatch(/^[\w.[\]]+: |^payload: /);
  });

  it('rejects a count that is not a number of people, naming the zone', () => {
    for (const text of ['-1', 'many', '100001', '1.5', 'x'.repeat(40)]) {
      const result = tracker().zoneCount('yard', Buffer.from(text), NOW);
      expect(result.rejections).toEqual([
        expect.objectContaining({
          reason: 'bad_count',
          detail: expect.stringMatching(/^yard\/person: /),
        }),
      ]);
    }
  });

  it('never quotes a track id in an error', () => {
    const secretId = 'aa:bb:cc:dd:ee:ff-track';
    const result = tracker().event(event('update', { id: secretId.repeat(10) }), NOW);
    expect(result.rejections[0]!.detail).not.toContain('aa:bb');
  });

  describe('with arbitrary input (property tests)', () => {
    const zoneName = fc.constantFrom('yard', 'driveway', 'porch', 'street');
    const message = fc.record(
      {
        type: fc.constantFrom('new', 'update', 'end', 'other'),
        before: fc.record({ current_zones: fc.array(zoneName, { maxLength: 3 }) }),
        after: fc.record(
          {
            id: fc.constantFrom('a', 'b', 'c'),
            camera: fc.constantFrom('front_door', ''),
            label: fc.constantFrom('person', 'car', 3),
            current_zones: fc.oneof(fc.array(zoneName, { maxLength: 3 }), fc.anything()),
            frame_time: fc.oneof(
              fc.double({ min: 1_607_123_900, max: 1_607_124_300, noNaN: true }),
              fc.anything(),
            ),
            end_time: fc.double({ min: 1_607_123_900, max: 1_607_124_300, noNaN: true }),
            false_positive: fc.boolean(),
            thumbnail: fc.constantFrom(null, 'abc'),
          },
          { requiredKeys: ['id', 'camera', 'label'] },
        ),
      },
      { requiredKeys: ['type'] },
    );

    it('never throws and only emits unit entries/exits of mapped zones', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(message, fc.anything())), (messages) => {
          const sut = tracker({ yard: 'front-yard', porch: 'front-yard', driveway: 'drive' });
          for (const m of messages) {
            const result = sut.event(bytes(m), NOW);
            for (const o of result.observations) {
              expect(['front-yard', 'drive']).toContain(o.zoneId);
              expect((o.entries ?? 0) + (o.exits ?? 0)).toBe(1);
              expect(o.trackId).toBeUndefined();
            }
            for (const r of result.rejections) expect(r.reason).toMatch(/^[a-z_]+$/);
          }
        }),
      );
    });

    it('is idempotent: every message delivered twice counts as once', () => {
      fc.assert(
        fc.property(fc.array(message, { maxLength: 30 }), (messages) => {
          const once = tracker();
          const twice = tracker();
          const a = messages.flatMap((m) => once.event(bytes(m), NOW).observations);
          const b = messages.flatMap((m) => [
            ...twice.event(bytes(m), NOW).observations,
            ...twice.event(bytes(m), NOW).observations,
          ]);
          expect(b).toEqual(a);
        }),
      );
    });

    it('rejects arbitrary bytes cleanly', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (payload, zone) => {
          const sut = tracker();
          const result = sut.event(payload, NOW);
          expect(result.valid || result.rejections.length === 1).toBe(true);
          const count = sut.zoneCount(zone, payload, NOW);
          for (const o of count.observations) expect(o.occupancy).toBeGreaterThanOrEqual(0);
        }),
      );
    });
  });
});
