import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { CapturedFrame, FrameSourcePort } from '@aisle/sdk';
import {
  FakeClock,
  FakeFrameSource,
  FakeHttpPushPort,
  FakeMqttPort,
  parseJsonLines,
  startDriver,
} from '@aisle/sdk/testing';
import plugin, { parseEsp32Batch, parseMerakiBody, WifiSnifferDriver } from '../src/index.js';
import { pcapPath, readCapture } from './support/captures.js';

const MERAKI = readFileSync(
  join(
    process.cwd(),
    '..',
    'shared',
    'data',
    'payload-samples',
    'meraki_scanning_v3_captured.jsonl',
  ),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const ESP32 = parseJsonLines<{ v: number; probes: { mac: string; rssi: number; seq: number }[] }>(
  readFileSync(new URL('./fixtures/esp32-batches.jsonl', import.meta.url), 'utf8'),
);
const SECRET = 'shared-secret-1';
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A frame source whose runs the test scripts: each open() takes the next run. */
class ScriptedFrameSource implements FrameSourcePort {
  opened = 0;
  constructor(private readonly runs: (CapturedFrame[] | Error)[]) {}
  async *open(): AsyncIterable<CapturedFrame> {
    const run = this.runs[Math.min(this.opened, this.runs.length - 1)]!;
    this.opened += 1;
    await Promise.resolve();
    if (run instanceof Error) throw run;
    yield* run;
    throw new Error('tcpdump exited with code 0');
  }
}

describe(WifiSnifferDriver.name, () => {
  it('emits one observation per probe request of a replayed capture file, then says it is done', async () => {
    const frames = readCapture(pcapPath('2024-03-16'));
    const sut = await startDriver(plugin, {
      ports: { frames: new FakeFrameSource(frames) },
      config: { source: 'capture', file: 'capture.pcap' },
    });
    while (sut.statuses.length < 2) await flush();
    expect(sut.observations).toHaveLength(frames.length);
    expect(sut.observations[0]).toMatchObject({
      kind: 'wifi',
      mac: '04d3b0e9d596',
      rssi: -90,
      seq: 1682,
      channel: 7,
    });
    expect(sut.statuses).toEqual([
      'available',
      'unavailable: the capture file has been replayed to its end',
    ]);
    await sut.stop();
  });

  it('restarts a dead live capture with doubling back-off and reports why', async () => {
    const frames = readCapture(pcapPath('2024-03-16')).slice(0, 3);
    const source = new ScriptedFrameSource([
      new Error('tcpdump: wlan9: No such device exists'),
      new Error('again'),
      frames,
    ]);
    const clock = new FakeClock();
    const sut = await startDriver(plugin, {
      ports: { frames: source },
      clock,
      config: { source: 'capture', interface: 'wlan9' },
    });
    await flush();
    expect(sut.statuses).toEqual([
      'unavailable: tcpdump: wlan9: No such device exists; restarting in 1 s',
    ]);
    clock.advance(999);
    await flush();
    expect(source.opened).toBe(1);
    clock.advance(1);
    await flush();
    expect(source.opened).toBe(2);
    expect(sut.statuses[1]).toBe('unavailable: again; restarting in 2 s');
    clock.advance(2000);
    await flush();
    await flush();
    expect(sut.observations).toHaveLength(3);
    expect(sut.statuses.slice(2)).toEqual([
      'available',
      'unavailable: tcpdump exited with code 0; restarting in 1 s',
    ]);
    await sut.stop();
    expect(clock.pending).toBe(0);
  });

  it('rejects a capture configuration without exactly one of file or interface', async () => {
    await expect(
      startDriver(plugin, {
        ports: { frames: new FakeFrameSource([]) },
        config: { source: 'capture', file: 'a', interface: 'wlan0' },
      }),
    ).rejects.toThrow(/exactly one of file or interface/);
  });

  it('maps ESP32 batches on its topic to observations, rejecting bad entries alone', async () => {
    const mqtt = new FakeMqttPort();
    const sut = await startDriver(plugin, {
      ports: { mqtt },
      sensor: { id: 'esp-1', storeId: 'lab' },
      config: { source: 'esp32' },
    });
    for (const batch of ESP32) mqtt.deliver('aisle/lab/esp-1/esp32', batch);
    const expected = ESP32.flatMap((b) => b.probes);
    expect(sut.observations).toHaveLength(expected.length);
    expect(sut.observations.map((o) => o.kind === 'wifi' && [o.mac, o.rssi, o.seq])).toEqual(
      expected.map((p) => [p.mac.replaceAll(':', ''), p.rssi, p.seq]),
    );
    mqtt.deliver(
      'aisle/lab/esp-1/esp32',
      '{"v":1,"probes":[{"mac":"zz","rssi":-50,"channel":1,"seq":1,"ts":1710547210454}, 7]}',
    );
    mqtt.deliver('aisle/lab/esp-1/esp32', 'garbage');
    expect(sut.rejections.map((r) => r.reason)).toEqual(['bad_probe', 'bad_probe', 'bad_json']);
    expect(sut.rejections[0]!.detail).toBe(
      'probes[0].mac: must be a MAC address (got a 2-character string)',
    );
    expect(sut.statuses).toEqual(['available']);
    await sut.stop();
    expect(mqtt.subscriptionCount).toBe(0);
  });

  it('serves the Meraki validator, checks the secret and maps the real v3 bodies', async () => {
    const http = new FakeHttpPushPort();
    const sut = await startDriver(plugin, {
      ports: { http },
      config: { source: 'meraki', merakiSecret: SECRET, merakiValidator: 'abc123validator' },
    });
    expect(await http.request({ method: 'GET', path: 'meraki' })).toMatchObject({
      status: 200,
      body: 'abc123validator',
    });
    const bad = await http.request({
      method: 'POST',
      path: 'meraki',
      body: { ...MERAKI[0], secret: 'wrong' },
    });
    expect(bad.status).toBe(403);
    expect(sut.observations).toHaveLength(0);
    const statuses = [];
    for (const body of MERAKI) {
      statuses.push(
        (await http.request({ method: 'POST', path: 'meraki', body: { ...body, secret: SECRET } }))
          .status,
      );
    }
    // The last sample is not a v3 body (no `version`): version routing refuses it.
    expect(statuses).toEqual([202, 202, 202, 400]);
    expect(sut.rejections.at(-1)?.reason).toBe('unsupported_version');
    const wifi = sut.observations.filter((o) => o.kind === 'wifi');
    const ble = sut.observations.filter((o) => o.kind === 'ble');
    expect(wifi.length).toBeGreaterThan(5);
    expect(ble).toHaveLength(1);
    expect(ble[0]).toMatchObject({
      address: '02e77b5cbf21',
      rssi: -93,
      at: Date.parse('2021-11-23T14:07:40Z'),
    });
    expect(wifi[0]).toMatchObject({
      mac: '02be446843ae',
      rssi: -60,
      at: Date.parse('2021-11-23T14:01:49Z'),
    });
    expect(JSON.stringify(sut.observations)).not.toMatch(/ssid|Sonos/);
    await sut.stop();
    expect(http.routeCount).toBe(0);
  });

  it('refuses oversized Meraki bodies with 413 and garbage with 400', async () => {
    const http = new FakeHttpPushPort();
    const sut = await startDriver(plugin, {
      ports: { http },
      config: { source: 'meraki', merakiSecret: SECRET, merakiValidator: 'v', maxBodyBytes: 1024 },
    });
    expect(
      (await http.request({ method: 'POST', path: 'meraki', body: Buffer.alloc(2000, 32) })).status,
    ).toBe(413);
    expect((await http.request({ method: 'POST', path: 'meraki', body: '{nope' })).status).toBe(
      400,
    );
    const v2 = await http.request({
      method: 'POST',
      path: 'meraki',
      body: { version: '2.0', secret: SECRET },
    });
    expect(v2).toMatchObject({
      status: 400,
      body: { message: 'version: must be one of 3.0 (got "2.0")' },
    });
    expect(sut.rejections.map((r) => r.reason)).toEqual([
      'body_too_large',
      'bad_json',
      'unsupported_version',
    ]);
    await sut.stop();
  });
});

describe(parseMerakiBody.name, () => {
  it('attributes RSSI records to the AP sensors and keeps the AP positions', () => {
    const body = {
      version: '3.0',
      type: 'WiFi',
      data: {
        reportingAps: [
          { mac: 'A8:46:9D:27:56:63', lat: 37.4, lng: -122.1, floorPlan: { name: 'Ground' } },
        ],
        observations: [
          {
            clientMac: '02:be:44:68:43:ae',
            ssid: 'MyHome',
            locations: [
              {
                time: '2021-11-23T14:01:49Z',
                rssiRecords: [
                  { apMac: 'a8:46:9d:27:56:63', rssi: -61 },
                  { apMac: 'a8:46:9d:27:56:64', rssi: -70 },
                ],
              },
            ],
          },
          { clientMac: 'not-a-mac', latestRecord: {} },
        ],
      },
    };
    const sut = parseMerakiBody(body, { apSensors: { 'a8:46:9d:27:56:63': 'ap-1' } });
    expect(sut.aps).toEqual([{ mac: 'a8469d275663', lat: 37.4, lng: -122.1, floorPlan: 'Ground' }]);
    expect(sut.observations).toEqual([
      {
        kind: 'wifi',
        at: Date.parse('2021-11-23T14:01:49Z'),
        rssi: -61,
        mac: '02be446843ae',
        sensorId: 'ap-1',
      },
      { kind: 'wifi', at: Date.parse('2021-11-23T14:01:49Z'), rssi: -70, mac: '02be446843ae' },
    ]);
    expect(sut.rejections).toEqual([
      {
        reason: 'bad_client',
        detail: 'data.observations[1].clientMac: must be a MAC address (got a 9-character string)',
      },
    ]);
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const sut = parseMerakiBody({
          version: '3.0',
          type: 'WiFi',
          data: { observations: [value] },
        });
        return sut.ok && sut.observations.length + sut.rejections.length >= 1;
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => Array.isArray(parseMerakiBody(value).rejections)),
    );
  });
});

describe(parseEsp32Batch.name, () => {
  it('never throws on arbitrary bytes or JSON, and never quotes a MAC (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ v: 1, probes: [v] }))),
        ),
        (bytes) => {
          const sut = parseEsp32Batch(bytes);
          return sut.rejections.every((r) => !/[0-9a-f]{2}:[0-9a-f]{2}:/i.test(r.detail));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects oversized batches whole', () => {
    const probes = Array.from({ length: 501 }, () => ({}));
    expect(
      parseEsp32Batch(Buffer.from(JSON.stringify({ v: 1, probes }))).rejections[0]?.reason,
    ).toBe('batch_too_large');
    expect(parseEsp32Batch(Buffer.alloc(70_000, 32)).rejections[0]?.reason).toBe(
      'payload_too_large',
    );
  });
});
