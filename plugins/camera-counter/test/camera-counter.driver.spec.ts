import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { MAX_COUNT, PluginConfigError } from '@aisle/sdk';
import {
  FakeClock,
  FakeHttpPushPort,
  FakeMqttPort,
  expectObservations,
  parseJsonLines,
  replayCapture,
  startDriver,
  type CaptureRecord,
} from '@aisle/sdk/testing';
import { CameraCounterDriver } from '../src/camera-counter.driver.js';
import plugin from '../src/index.js';

const CAPTURE = parseJsonLines<CaptureRecord>(
  readFileSync(new URL('./fixtures/frigate-capture.jsonl', import.meta.url), 'utf8'),
);
const SAMPLE = readFileSync(new URL('./fixtures/frigate_events_example.json', import.meta.url));
const CAM = { id: 'cam-1', storeId: 'store-1' };
const ZONES = { yard: 'front-yard', driveway: 'drive' };
const TOKEN = 'a-long-random-shared-secret';
const START = Date.UTC(2026, 0, 1, 9, 0, 0);

async function startFrigate(config: object = {}, clock = new FakeClock(CAPTURE[0]!.t)) {
  const mqtt = new FakeMqttPort();
  const sut = await startDriver(plugin, {
    ports: { mqtt },
    clock,
    sensor: CAM,
    config: { source: 'frigate', zones: ZONES, ...config },
  });
  return { sut, mqtt, clock };
}

async function startPush(config: object = {}) {
  const http = new FakeHttpPushPort('/push/camera-counter/store-1/cam-1');
  const clock = new FakeClock(START);
  const sut = await startDriver(plugin, {
    ports: { http },
    clock,
    sensor: CAM,
    config: { source: 'push', pushToken: TOKEN, ...config },
  });
  const push = (body: unknown, token = TOKEN) =>
    http.request({
      method: 'POST',
      path: 'counts',
      headers: { Authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { sut, http, clock, push };
}

/** `YYYYMMDDhhmmss` in UTC, as an Axis counter on UTC writes its timestamps. */
function axisTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

describe(CameraCounterDriver.name, () => {
  describe('Frigate over MQTT', () => {
    it('turns a recorded Frigate capture into zone entries, exits and occupancy', async () => {
      const { sut, mqtt, clock } = await startFrigate();
      await replayCapture(
        CAPTURE,
        (r) =>
          mqtt.deliver(
            r.topic!,
            typeof r.payload === 'number' ? String(r.payload) : (r.payload as object),
          ),
        clock,
      );
      const entry = (zoneId: string, at: number) => ({
        kind: 'camera' as const,
        zoneId,
        entries: 1,
        exits: 0,
        at,
      });
      const exit = (zoneId: string, at: number) => ({
        kind: 'camera' as const,
        zoneId,
        entries: 0,
        exits: 1,
        at,
      });
      const occupancy = (zoneId: string, value: number, at: number) => ({
        kind: 'camera' as const,
        zoneId,
        occupancy: value,
        at,
      });
      expectObservations(sut.observations, [
        entry('front-yard', 1_607_123_957_200),
        occupancy('front-yard', 1, 1_607_123_957_300),
        entry('drive', 1_607_123_961_838),
        exit('front-yard', 1_607_123_961_838),
        occupancy('front-yard', 0, 1_607_123_961_950),
        occupancy('drive', 1, 1_607_123_961_960),
        entry('front-yard', 1_607_123_962_083), // the documented sample
        occupancy('front-yard', 1, 1_607_123_962_150),
        exit('front-yard', 1_607_123_970_500),
        exit('drive', 1_607_123_970_500),
        occupancy('front-yard', 0, 1_607_123_970_700),
        occupancy('drive', 0, 1_607_123_970_710),
      ]);
      for (const o of sut.observations) {
        expect(o).toMatchObject({ storeId: 'store-1', sensorId: 'cam-1' });
        expect(o).not.toHaveProperty('trackId');
      }
      expect(sut.rejections).toEqual([]);
      expect(sut.statuses).toEqual(['available']);
      await sut.stop();
    });

    it('uses the configured topic prefix and camera filter', async () => {
      const { sut, mqtt } = await startFrigate({
        frigateTopicPrefix: 'site-7/frigate',
        frigateCameras: ['front_door'],
      });
      mqtt.deliver('frigate/events', SAMPLE);
      expect(sut.observations).toEqual([]);
      mqtt.deliver('site-7/frigate/events', SAMPLE);
      mqtt.deliver('site-7/frigate/yard/person', '2');
      expectObservations(sut.observations, [
        { zoneId: 'front-yard', entries: 1 },
        { zoneId: 'front-yard', occupancy: 2 },
      ]);
      await sut.stop();
    });

    it('rejects bad messages with a counted reason, and keeps counting the good ones', async () => {
      const { sut, mqtt } = await startFrigate();
      mqtt.deliver('frigate/events', 'not json');
      mqtt.deliver('frigate/events', {
        ...JSON.parse(SAMPLE.toString()),
        after: { ...JSON.parse(SAMPLE.toString()).after, thumbnail: '/9j/4AAQSkZJRg' },
      });
      mqtt.deliver('frigate/yard/person', '-3');
      mqtt.deliver('frigate/available', 'maybe');
      mqtt.deliver('frigate/events', SAMPLE);
      expect(sut.rejections.map((r) => r.reason)).toEqual([
        'bad_json',
        'image_data',
        'bad_count',
        'bad_status',
      ]);
      expect(sut.rejections[1]!.detail).toMatch(/^after\.thumbnail: images .* are not accepted/);
      expectObservations(sut.observations, [{ zoneId: 'front-yard', entries: 1 }]);
      await sut.stop();
    });

    it('goes unavailable after the timeout without messages; stats keep it available', async () => {
      const { sut, mqtt, clock } = await startFrigate(
        { unavailableAfterSeconds: 60 },
        new FakeClock(START),
      );
      mqtt.deliver('frigate/stats', '{}');
      expect(sut.statuses).toEqual(['available']);
      clock.advance(59_000);
      mqtt.deliver('frigate/stats', '{}');
      clock.advance(59_000);
      expect(sut.statuses).toEqual(['available']);
      clock.advance(1_000);
      expect(sut.statuses).toEqual([
        'available',
        'unavailable: no valid input from the counter for 60 s',
      ]);
      mqtt.deliver('frigate/yard/person', '0');
      expect(sut.statuses.at(-1)).toBe('available');
      mqtt.deliver('frigate/available', 'offline');
      expect(sut.statuses.at(-1)).toBe(
        'unavailable: Frigate reported offline on its available topic',
      );
      clock.advance(120_000);
      expect(sut.statuses).toHaveLength(4);
      await sut.stop();
    });

    it('stops cleanly: no subscription, no timer, no track kept, nothing emitted afterwards', async () => {
      const { sut, mqtt, clock } = await startFrigate();
      expect(mqtt.subscriptionCount).toBe(4);
      expect(clock.pending).toBe(1);
      await sut.stop();
      expect(mqtt.subscriptionCount).toBe(0);
      expect(clock.pending).toBe(0);
      mqtt.deliver('frigate/events', SAMPLE);
      expect(sut.observations).toEqual([]);
      await sut.driver.teardown();
    });
  });

  describe('line counter pushing over HTTP', () => {
    it('accepts an interval report, once; a repeat is a duplicate, other figures a conflict', async () => {
      const { sut, push } = await startPush();
      const report = {
        serial: 'ACCC8E000001',
        name: 'Entrance',
        timestamp: axisTime(START),
        in: 7,
        out: 4,
      };
      expect(await push(report)).toEqual({
        status: 202,
        body: { accepted: 1, duplicates: 0, rejected: [] },
      });
      expect(await push(report)).toMatchObject({
        status: 200,
        body: { accepted: 0, duplicates: 1 },
      });
      const conflict = await push({ ...report, in: 9 });
      expect(conflict.status).toBe(409);
      expectObservations(sut.observations, [
        {
          kind: 'camera',
          lineId: 'entrance',
          entries: 7,
          exits: 4,
          intervalStart: START - 60_000,
          at: START,
          storeId: 'store-1',
          sensorId: 'cam-1',
        },
      ]);
      expect(sut.rejections.map((r) => r.reason)).toEqual(['conflicting_interval']);
      expect(sut.statuses).toEqual(['available']);
      await sut.stop();
    });

    it('accepts a backlog as an array, with its own interval length, counting each interval once', async () => {
      const { sut, push } = await startPush({ lineId: 'door-north' });
      const backlog = [0, 1, 2, 1].map((i) => ({
        timestamp: new Date(START - (3 - i) * 900_000).toISOString(),
        interval: 900,
        in: 10 + i,
        out: i,
      }));
      const res = await push(backlog);
      expect(res).toMatchObject({ status: 202, body: { accepted: 3, duplicates: 1 } });
      expect(sut.observations.map((o) => (o.kind === 'camera' ? o.entries : 0))).toEqual([
        10, 11, 12,
      ]);
      expect(await push([])).toMatchObject({ status: 200, body: { accepted: 0, rejected: [] } });
      expect(sut.observations.every((o) => o.kind === 'camera' && o.lineId === 'door-north')).toBe(
        true,
      );
      await sut.stop();
    });

    it('refuses a missing or wrong token (401), and takes X-Aisle-Token too', async () => {
      const { sut, http, push } = await startPush();
      const report = { timestamp: axisTime(START), in: 1, out: 0 };
      expect((await push(report, 'wrong-but-long-enough-token')).status).toBe(401);
      expect(
        (await http.request({ method: 'POST', path: 'counts', body: JSON.stringify(report) }))
          .status,
      ).toBe(401);
      expect(
        (
          await http.request({
            method: 'POST',
            path: 'counts',
            headers: { 'x-aisle-token': TOKEN },
            body: JSON.stringify(report),
          })
        ).status,
      ).toBe(202);
      expect(sut.rejections.map((r) => r.reason)).toEqual(['unauthorized', 'unauthorized']);
      expect(sut.observations).toHaveLength(1);
      await sut.stop();
    });

    it.each([
      [{ timestamp: axisTime(START), in: -2, out: 0 }, 'bad_count', 400],
      [{ timestamp: axisTime(START), in: MAX_COUNT + 1, out: 0 }, 'bad_count', 400],
      [
        { timestamp: axisTime(START + 3_600_000), in: 1, out: 0, serial: 'ACCC8E000001' },
        'clock_skew',
        400,
      ],
      [
        { timestamp: axisTime(START - 49 * 3_600_000), in: 1, out: 0, serial: 'ACCC8E000001' },
        'too_late',
        400,
      ],
      [{ timestamp: axisTime(START), in: 1, out: 0, thumbnail: 'AAAA' }, 'image_data', 400],
      [{ timestamp: axisTime(START), in: 1, out: 0, serial: 'ACCC8E999999' }, 'wrong_serial', 400],
      ['{"in":', 'bad_json', 400],
      [Array.from({ length: 1_441 }, () => ({})), 'batch_too_large', 413],
    ])('rejects %#: %s', async (body, reason, status) => {
      const { sut, push } = await startPush({ serial: 'AC:CC:8E:00:00:01' });
      const res = await push(body);
      expect(res.status).toBe(status);
      expect(sut.rejections.map((r) => r.reason)).toEqual([reason]);
      expect(sut.observations).toEqual([]);
      expect(sut.rejections[0]!.detail).not.toMatch(/ACCC8E|AC:CC/i);
      await sut.stop();
    });

    it('never throws on arbitrary bodies and emits only bounded counts (property)', async () => {
      const { sut, push } = await startPush();
      const report = fc.record(
        {
          timestamp: fc.oneof(
            fc.integer({ min: START - 7_200_000, max: START + 600_000 }).map(axisTime),
            fc.anything(),
          ),
          in: fc.oneof(fc.integer({ min: -5, max: MAX_COUNT + 5 }), fc.anything()),
          out: fc.integer({ min: -5, max: 500 }),
          interval: fc.integer({ min: -1, max: 4_000 }),
          serial: fc.string(),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(report, fc.array(report, { maxLength: 5 }), fc.jsonValue()),
          async (body) => {
            const res = await push(body);
            expect([200, 202, 400, 409, 413]).toContain(res.status);
          },
        ),
        { numRuns: 300 },
      );
      for (const o of sut.observations) {
        if (o.kind !== 'camera') throw new Error('not a camera observation');
        expect(o.entries).toBeGreaterThanOrEqual(0);
        expect(o.entries).toBeLessThanOrEqual(MAX_COUNT);
        expect(o.intervalStart).toBeLessThanOrEqual(o.at);
      }
      const starts = sut.observations.map((o) => (o.kind === 'camera' ? o.intervalStart : 0));
      expect(new Set(starts).size).toBe(starts.length); // one observation per interval
      for (const r of sut.rejections) expect(r.reason).toMatch(/^[a-z_]+$/);
      await sut.stop();
    });

    it('accepts the token given as its SHA-256 in the configuration', async () => {
      const sha = createHash('sha256').update(TOKEN).digest('hex');
      const { sut, push } = await startPush({ pushToken: '', pushTokenSha256: sha });
      expect((await push({ timestamp: axisTime(START), in: 1, out: 0 })).status).toBe(202);
      expect((await push({ timestamp: axisTime(START), in: 1, out: 0 }, `${TOKEN}x`)).status).toBe(
        401,
      );
      await sut.stop();
    });

    it('unregisters its route on unload', async () => {
      const { sut, http } = await startPush();
      expect(http.routeCount).toBe(1);
      await sut.stop();
      expect(http.routeCount).toBe(0);
    });
  });

  describe('line counter polled over HTTP (a local device on 127.0.0.1)', () => {
    /** A device that behaves like an Axis counter: live sums since midnight, and its failures. */
    class FakeDevice {
      mode: 'ok' | 'error' | 'hang' | 'garbage' = 'ok';
      in = 0;
      out = 0;
      timestamp = START;
      requests = 0;
      authorization: string | undefined;
      private readonly hanging: ServerResponse[] = [];
      readonly server: Server = createServer((req, res) => {
        this.requests += 1;
        this.authorization = req.headers.authorization;
        if (this.mode === 'hang') {
          this.hanging.push(res);
          return;
        }
        if (this.mode === 'error') {
          res.writeHead(500).end('internal error');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          this.mode === 'garbage'
            ? '<html>login</html>'
            : JSON.stringify({
                serial: 'ACCC8E000001',
                name: 'Entrance',
                timestamp: axisTime(this.timestamp),
                in: this.in,
                out: this.out,
              }),
        );
      });

      async listen(): Promise<string> {
        await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/local/pcounter/live_sum.cgi`;
      }

      async close(): Promise<void> {
        for (const res of this.hanging.splice(0)) res.destroy();
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
      }
    }

    let device: FakeDevice;
    let url: string;

    beforeEach(async () => {
      device = new FakeDevice();
      url = await device.listen();
    });

    afterEach(async () => {
      await device.close();
    });

    async function startPoll(config: object = {}, clock = new FakeClock(START)) {
      const sut = await startDriver(plugin, {
        clock,
        sensor: CAM,
        config: { source: 'poll', pollUrl: url, pollIntervalSeconds: 60, ...config },
      });
      const driver = sut.driver as CameraCounterDriver;
      /** Moves the clock (firing the poll timer) and waits for the request to be handled. */
      const tick = async (ms: number) => {
        clock.advance(ms);
        await driver.whenIdle();
      };
      return { sut, clock, tick };
    }

    it('counts the difference of live sums per interval, with a baseline first', async () => {
      device.in = 120;
      device.out = 100;
      const { sut, tick } = await startPoll({ pollUsername: 'viewer', pollPassword: 'pw' });
      await tick(0);
      expect(sut.observations).toEqual([]); // baseline: the day so far may be counted already
      expect(device.authorization).toBe(`Basic ${Buffer.from('viewer:pw').toString('base64')}`);
      device.in = 125;
      device.out = 101;
      device.timestamp = START + 60_000;
      await tick(60_000);
      await tick(60_000); // the device's sum did not move on: nothing new
      expectObservations(sut.observations, [
        {
          kind: 'camera',
          lineId: 'entrance',
          entries: 5,
          exits: 1,
          intervalStart: START,
          at: START + 60_000,
        },
      ]);
      expect(sut.statuses).toEqual(['available']);
      await sut.stop();
    });

    it('handles the counter reset at midnight without going backwards', async () => {
      const evening = Date.UTC(2026, 0, 1, 23, 59, 0);
      device.timestamp = evening;
      device.in = 900;
      device.out = 880;
      const { sut, tick } = await startPoll({}, new FakeClock(evening));
      await tick(0);
      device.timestamp = evening + 60_000; // 00:00:00 of the next day: the sums restarted
      device.in = 2;
      device.out = 0;
      await tick(60_000);
      device.timestamp = evening + 120_000;
      device.in = 6;
      device.out = 3;
      await tick(60_000);
      expectObservations(sut.observations, [
        { entries: 2, exits: 0, intervalStart: evening },
        { entries: 4, exits: 3, intervalStart: evening + 60_000 },
      ]);
      await sut.stop();
    });

    it('backs off while the device answers 500 or garbage, and recovers', async () => {
      device.in = 10;
      const { sut, clock, tick } = await startPoll({
        maxBackoffSeconds: 200,
        unavailableAfterSeconds: 300,
      });
      await tick(0); // baseline
      device.mode = 'error';
      await tick(60_000); // failure 1: next in 120 s
      expect(device.requests).toBe(2);
      await tick(119_000);
      expect(device.requests).toBe(2);
      await tick(1_000); // failure 2: next in 200 s (capped)
      expect(device.requests).toBe(3);
      device.mode = 'garbage';
      await tick(200_000); // failure 3 (not a live sum): counted as a rejection
      expect(device.requests).toBe(4);
      expect(sut.rejections.map((r) => r.reason)).toEqual(['bad_json']);
      expect(sut.statuses).toEqual([
        'available',
        'unavailable: no valid input from the counter for 300 s',
      ]);
      const warnings = sut.logs.filter((l) => l.level === 'warn').map((l) => l.message);
      expect(warnings).toEqual([
        'polling the counter failed: the device answered HTTP 500',
        'polling the counter failed: the device answered HTTP 500',
      ]);
      device.mode = 'ok';
      device.in = 15;
      device.timestamp = clock.now();
      await tick(200_000);
      expect(sut.statuses.at(-1)).toBe('available');
      expectObservations(sut.observations, [{ entries: 5, intervalStart: START }]);
      await tick(60_000); // back on the normal interval
      expect(device.requests).toBe(6);
      await sut.stop();
    });

    it('gives up on a request that does not answer within the timeout', async () => {
      device.mode = 'hang';
      const { sut, tick } = await startPoll({ pollTimeoutSeconds: 1 });
      await tick(0);
      expect(sut.logs.find((l) => l.level === 'warn')?.message).toBe(
        'polling the counter failed: no answer within 1 s',
      );
      expect(sut.logs.find((l) => l.level === 'warn')?.context).toEqual({
        failures: 1,
        nextInSeconds: 120,
      });
      await sut.stop();
    });

    it('reports a device that is not there, and one with a skewed clock', async () => {
      const { sut, tick } = await startPoll({ pollUrl: 'http://127.0.0.1:1/live_sum.cgi' });
      await tick(0);
      expect(sut.logs.find((l) => l.level === 'warn')?.message).toMatch(
        /^polling the counter failed: unreachable/,
      );
      await sut.stop();
      device.timestamp = START + 3_600_000;
      const skewed = await startPoll();
      await skewed.tick(0);
      expect(skewed.sut.rejections.map((r) => r.reason)).toEqual(['clock_skew']);
      await skewed.sut.stop();
    });

    it('stops cleanly, aborting a request in flight', async () => {
      device.mode = 'hang';
      const { sut, clock } = await startPoll();
      clock.advance(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await sut.stop();
      expect(clock.pending).toBe(0);
      expect(sut.logs.filter((l) => l.level === 'warn')).toEqual([]);
    });
  });

  it.each([
    [{ source: 'frigate' }, /source: source "frigate" needs zones: map at least one Frigate zone/],
    [
      { source: 'frigate', zones: { yard: 'front yard!' } },
      /zones: zones\.yard must be an Aisle zone id/,
    ],
    [
      { source: 'push', pushToken: 'short' },
      /source: source "push" needs pushToken, a shared secret of at least 16 characters \(got 5\)/,
    ],
    [
      {
        source: 'push',
        pushToken: 'a-long-random-shared-secret',
        pushTokenSha256: 'ab'.repeat(32),
      },
      /takes either pushToken or pushTokenSha256, not both/,
    ],
    [{ source: 'push', pushTokenSha256: 'xyz' }, /pushTokenSha256 must be empty or 64 hex digits/],
    [{ source: 'poll', pollUrl: 'ftp://x' }, /needs pollUrl, an http:\/\/ or https:\/\/ URL/],
    [
      { source: 'poll', pollUrl: 'http://admin:pw@127.0.0.1/x' },
      /pollUrl must not hold credentials/,
    ],
    [
      { source: 'camera', frigateTopicPrefix: 'a/#', extra: 1 },
      /extra: property extra should not exist.*source must be one of.*frigateTopicPrefix must be/,
    ],
  ])('rejects bad configuration %p with a clear message', async (config, message) => {
    const attempt = startDriver(plugin, {
      ports: { mqtt: new FakeMqttPort(), http: new FakeHttpPushPort() },
      clock: new FakeClock(START),
      sensor: CAM,
      config,
    });
    await expect(attempt).rejects.toBeInstanceOf(PluginConfigError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('never quotes a secret of the configuration in its error', async () => {
    for (const config of [
      { source: 'push', pushToken: 'hunter2' },
      { source: 'poll', pollUrl: 'http://admin:hunter2@127.0.0.1/x' },
    ]) {
      const error = (await startDriver(plugin, { clock: new FakeClock(START), config }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(error).toBeInstanceOf(PluginConfigError);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('fails setup with a config error when the port its source needs is missing', async () => {
    await expect(
      startDriver(plugin, { clock: new FakeClock(START), sensor: CAM, config: { zones: ZONES } }),
    ).rejects.toThrow(/needs the mqtt port/);
    await expect(
      startDriver(plugin, {
        clock: new FakeClock(START),
        sensor: CAM,
        config: { source: 'push', pushToken: TOKEN },
      }),
    ).rejects.toThrow(/needs the http port/);
  });
});
