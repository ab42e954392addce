import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { PluginConfigError, normaliseMac, redactMacs } from '@aisle/sdk';
import {
  FakeClock,
  FakeMqttPort,
  expectObservations,
  parseJsonLines,
  replayCapture,
  startDriver,
  type CaptureRecord,
} from '@aisle/sdk/testing';
import { AisleMqttDriver } from '../src/aisle-mqtt.driver.js';
import plugin from '../src/index.js';

const CAPTURE = parseJsonLines<CaptureRecord>(
  readFileSync(new URL('./fixtures/capture.jsonl', import.meta.url), 'utf8'),
);
const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const RADIO = { id: 'radio-2', storeId: 'demo' };
const TOPIC = 'aisle/demo/radio-2/observations';

interface WireObservation {
  kind: string;
  mac?: string;
  address?: string;
  [field: string]: unknown;
}

/** The observations the capture holds for one topic, as the driver should emit them. */
function capturedFor(topic: string): WireObservation[] {
  return CAPTURE.filter((r) => r.topic === topic).flatMap(
    (r) => (r.payload as { observations: WireObservation[] }).observations,
  );
}

async function start(options: { config?: object; sensor?: typeof RADIO } = {}) {
  const mqtt = new FakeMqttPort();
  const clock = new FakeClock(START);
  const sut = await startDriver(plugin, {
    ports: { mqtt },
    clock,
    sensor: options.sensor ?? RADIO,
    config: options.config ?? {},
  });
  return { sut, mqtt, clock };
}

describe(AisleMqttDriver.name, () => {
  it('emits the observations of a recorded capture, only from its own sensor topic', async () => {
    const { sut, mqtt, clock } = await start();
    await replayCapture(CAPTURE, (r) => mqtt.deliver(r.topic!, r.payload as object), clock);

    const expected = capturedFor(TOPIC);
    expect(expected.length).toBeGreaterThan(100);
    expectObservations(
      sut.observations,
      expected.map((o) => ({
        ...o,
        ...(o.mac !== undefined ? { mac: normaliseMac(o.mac)! } : {}),
        ...(o.address !== undefined ? { address: normaliseMac(o.address)! } : {}),
        storeId: 'demo',
        sensorId: 'radio-2',
      })) as never,
    );
    expect(new Set(sut.observations.map((o) => o.kind))).toEqual(new Set(['wifi', 'ble']));
    expect(sut.rejections).toEqual([]);
    expect(sut.statuses).toEqual(['available']);
    await sut.stop();
  });

  it('emits camera counts for a camera sensor', async () => {
    const { sut, mqtt, clock } = await start({ sensor: { id: 'cam-entrance', storeId: 'demo' } });
    await replayCapture(CAPTURE, (r) => mqtt.deliver(r.topic!, r.payload as object), clock);
    expect(sut.observations).toHaveLength(12);
    expectObservations(sut.observations.slice(0, 1), [
      {
        kind: 'camera',
        storeId: 'demo',
        sensorId: 'cam-entrance',
        lineId: 'entrance',
        entries: 0,
        exits: 0,
        intervalStart: START,
        at: START + 10_000,
      },
    ]);
    await sut.stop();
  });

  it('goes unavailable after the timeout without batches, and available with the next one', async () => {
    const { sut, mqtt, clock } = await start({ config: { unavailableAfterSeconds: 60 } });
    expect(sut.statuses).toEqual([]);
    mqtt.deliver(TOPIC, { v: 1, observations: [] });
    expect(sut.statuses).toEqual(['available']);
    clock.advance(59_999);
    expect(sut.statuses).toEqual(['available']);
    clock.advance(1);
    expect(sut.statuses).toEqual(['available', 'unavailable: no batch from the sensor for 60 s']);
    mqtt.deliver(TOPIC, 'garbage');
    expect(sut.statuses).toHaveLength(2); // a broken message is no sign of health
    mqtt.deliver(TOPIC, { v: 1, observations: [] });
    expect(sut.statuses.at(-1)).toBe('available');
    await sut.stop();
  });

  it('marks the sensor unavailable at once when it reports offline (its last will)', async () => {
    const { sut, mqtt, clock } = await start();
    mqtt.deliver(TOPIC, { v: 1, observations: [] });
    mqtt.deliver('aisle/demo/radio-2/status', 'online');
    mqtt.deliver('aisle/demo/radio-2/status', 'offline');
    expect(sut.statuses).toEqual([
      'available',
      'unavailable: the sensor reported offline on its status topic',
    ]);
    clock.advance(300_000); // the timeout does not report it twice
    expect(sut.statuses).toHaveLength(2);
    mqtt.deliver(TOPIC, { v: 1, observations: [] });
    expect(sut.statuses.at(-1)).toBe('available');
    mqtt.deliver('aisle/demo/radio-2/status', 'maybe');
    expect(sut.rejections.at(-1)?.reason).toBe('bad_status');
    await sut.stop();
  });

  it('stops cleanly on unload: no subscription, no timer, nothing emitted afterwards', async () => {
    const { sut, mqtt, clock } = await start();
    expect(mqtt.subscriptionCount).toBe(2);
    expect(clock.pending).toBe(1);
    await sut.stop();
    expect(mqtt.subscriptionCount).toBe(0);
    expect(clock.pending).toBe(0);
    mqtt.deliver(TOPIC, {
      v: 1,
      observations: [{ kind: 'camera', entries: 1, at: START }],
    });
    expect(sut.observations).toEqual([]);
    await sut.driver.teardown(); // twice is harmless
  });

  it('skips the status topic when configured empty', async () => {
    const { sut, mqtt } = await start({ config: { statusTopic: '' } });
    expect(mqtt.subscriptionCount).toBe(1);
    await sut.stop();
  });

  it('fills {store} and {sensor} in a configured topic', async () => {
    const { sut, mqtt } = await start({ config: { topic: 'shop/{store}/dev/{sensor}/batch' } });
    mqtt.deliver('shop/demo/dev/radio-2/batch', {
      v: 1,
      observations: [{ kind: 'camera', lineId: 'entrance', entries: 3, at: START }],
    });
    expectObservations(sut.observations, [{ kind: 'camera', entries: 3, sensorId: 'radio-2' }]);
    await sut.stop();
  });

  it('rejects bad configuration with one clear message naming every field', async () => {
    const attempt = start({
      config: { topic: 'aisle/+/x', unavailableAfterSeconds: 'soon', maxBatch: 0, extra: 1 },
    });
    await expect(attempt).rejects.toBeInstanceOf(PluginConfigError);
    await expect(attempt).rejects.toThrow(
      /topic must be an MQTT topic without wildcards \(\+, #\).*\(got "aisle\/\+\/x"\)/,
    );
    const error = (await attempt.catch((e: unknown) => e)) as PluginConfigError;
    expect(error.fields.map((f) => f.field).sort()).toEqual([
      'extra',
      'maxBatch',
      'topic',
      'unavailableAfterSeconds',
    ]);
    // "soon" is the wrong type: that alone is reported, not the range rules it cannot meet.
    const soon = error.fields.find((f) => f.field === 'unavailableAfterSeconds');
    expect(soon?.message).toMatch(/must be an? (integer )?number/);
  });

  it('marks the store reference beacons with their known position', async () => {
    const beaconId = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:7';
    const { sut, mqtt } = await start({
      config: { referenceBeacons: [{ beaconId: beaconId.toUpperCase(), x: 4, y: 5, z: 2 }] },
    });
    mqtt.deliver(TOPIC, {
      v: 1,
      observations: [
        { kind: 'ble', beaconId, rssi: -70, at: START },
        { kind: 'ble', beaconId: 'ibeacon:other:1:1', rssi: -71, at: START },
        { kind: 'ble', address: '7e:4b:90:c3:11:08', rssi: -72, at: START },
      ],
    });
    expect(sut.observations.map((o) => (o as { reference?: unknown }).reference)).toEqual([
      { x: 4, y: 5, z: 2 },
      undefined,
      undefined,
    ]);
    await sut.stop();
    const twice = start({
      config: {
        referenceBeacons: [
          { beaconId, x: 1, y: 1, z: 1 },
          { beaconId, x: 2, y: 2, z: 2 },
        ],
      },
    });
    await expect(twice).rejects.toThrow(/referenceBeacons\[1\]\.beaconId: is listed twice/);
    const bad = start({ config: { referenceBeacons: [{ beaconId, x: 'left', y: 1, z: 1 }] } });
    await expect(bad).rejects.toThrow(/referenceBeacons\.0\.x|referenceBeacons\[0\]\.x/);
  });

  it('fails setup with a config error when the mqtt port is missing', async () => {
    const attempt = startDriver(plugin, { clock: new FakeClock(START), sensor: RADIO });
    await expect(attempt).rejects.toThrow(PluginConfigError);
    await expect(attempt).rejects.toThrow(/needs the mqtt port/);
  });

  it('refuses ids that would turn the topic into a wildcard', async () => {
    await expect(start({ sensor: { id: 'radio+1', storeId: 'demo' } })).rejects.toThrow(
      /ids must not contain \+, # or NUL/,
    );
  });

  describe('with arbitrary input (property tests)', () => {
    const FIELDS = [
      'kind',
      'at',
      'mac',
      'rssi',
      'channel',
      'seq',
      'fingerprint',
      'address',
      'beaconId',
      'txPower',
      'addressType',
      'lineId',
      'zoneId',
      'entries',
      'exits',
      'occupancy',
      'intervalStart',
      'trackId',
    ];
    const macLike = fc.uint8Array({ minLength: 6, maxLength: 6 }).chain((bytes) =>
      fc.constantFrom(
        [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':'),
        [...bytes]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('-')
          .toUpperCase(),
        [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(''),
      ),
    );
    const value = fc.oneof(
      fc.jsonValue(),
      macLike,
      fc.constantFrom('wifi', 'ble', 'camera', 'public', 'random', START, -60, 6),
    );
    const observation = fc.oneof(
      fc.dictionary(fc.constantFrom(...FIELDS), value),
      fc.record({
        kind: fc.constantFrom('wifi', 'ble', 'camera'),
        at: value,
        rssi: value,
        mac: value,
      }),
      fc.jsonValue(),
    );
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string().map((s) => Buffer.from(s)),
      fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j))),
      fc
        .record({
          v: fc.oneof(fc.constant(1), value),
          observations: fc.oneof(fc.array(observation, { maxLength: 20 }), value),
        })
        .map((b) => Buffer.from(JSON.stringify(b))),
    );
    /** A field path: `payload`, `v`, `observations[3].rssi`, `observations[3]["a b"]`, … */
    const FIELD_PATH =
      /^(?:payload|v|observations(?:\[\d+\])?(?:\.[A-Za-z_$][\w$]*|\[.+\])?|[A-Za-z_$][\w$]*|\[.+\]): \S/;

    it('never throws, and every rejection names a field, has a label and quotes no MAC', async () => {
      const { sut, mqtt } = await start({ config: { maxBatch: 10 } });
      fc.assert(
        fc.property(payload, (bytes) => {
          const before = sut.rejections.length;
          mqtt.deliver(TOPIC, bytes);
          // Every run of text in the input that could hold a MAC (12+ hex digits with separators).
          const macLikeInput = (
            bytes.toString('latin1').match(/[0-9a-f][0-9a-f:.-]{10,}/gi) ?? []
          ).filter((run) => run.replace(/[^0-9a-f]/gi, '').length >= 12);
          for (const { reason, detail } of sut.rejections.slice(before)) {
            expect(reason).toMatch(/^[a-z_]+$/);
            expect(detail).toMatch(FIELD_PATH);
            expect(redactMacs(detail)).toBe(detail);
            for (const run of macLikeInput) expect(detail).not.toContain(run);
          }
        }),
        { numRuns: 2_000 },
      );
      await sut.stop();
    });

    it('emits every valid observation of a batch, whatever else the batch holds', async () => {
      const { sut, mqtt } = await start();
      const valid = fc.oneof(
        fc.record({
          kind: fc.constant('wifi'),
          mac: macLike.filter((m) => (Number.parseInt(normaliseMac(m)!.slice(0, 2), 16) & 1) === 0),
          rssi: fc.integer({ min: -127, max: 20 }),
          at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        }),
        fc.record({
          kind: fc.constant('camera'),
          entries: fc.nat({ max: 100_000 }),
          at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        }),
      );
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              valid.map((o) => ({ ok: true, o })),
              observation.map((o) => ({ ok: false, o })),
            ),
          ),
          (items) => {
            const before = sut.observations.length;
            const rejectedBefore = sut.rejections.length;
            mqtt.deliver(TOPIC, { v: 1, observations: items.map((i) => i.o) });
            const wanted = items.filter((i) => i.ok).length;
            const emitted = sut.observations.length - before;
            const rejected = sut.rejections.length - rejectedBefore;
            // Each item is emitted or rejected, never both, never lost; the valid ones are emitted.
            expect(emitted + rejected).toBe(items.length);
            expect(emitted).toBeGreaterThanOrEqual(wanted);
          },
        ),
        { numRuns: 500 },
      );
      await sut.stop();
    });
  });
});
