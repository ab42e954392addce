import { readFileSync } from 'node:fs';
import { PluginConfigError, PluginNotReadyError, type BleAdvertisement } from '@aisle/sdk';
import {
  FakeBleScanner,
  FakeClock,
  FakeMqttPort,
  expectObservations,
  parseJsonLines,
  replayCapture,
  startDriver,
  type CaptureRecord,
} from '@aisle/sdk/testing';
import { parseHex } from '../src/beacon-frames.js';
import { BleBeaconDriver } from '../src/ble-beacon.driver.js';
import plugin from '../src/index.js';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const NODE = { id: 'office', storeId: 'demo' };
const BLUE_CHARM = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';
const BADGE = 'eddystone-uid:00112233445566778899:aabbccddeeff';

const capture = (name: string) =>
  parseJsonLines<CaptureRecord>(
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'),
  );

interface RecordedAd {
  address: string;
  addressType?: 'public' | 'random';
  rssi: number;
  txPower?: number;
  manufacturerData: Record<string, string>;
  serviceData: Record<string, string>;
}

/** A recorded advertisement as the scanner port hands it over, stamped by the clock. */
function advertisement(recorded: RecordedAd, at: number): BleAdvertisement {
  return {
    address: recorded.address,
    ...(recorded.addressType ? { addressType: recorded.addressType } : {}),
    ...(recorded.txPower !== undefined ? { txPower: recorded.txPower } : {}),
    rssi: recorded.rssi,
    manufacturerData: new Map(
      Object.entries(recorded.manufacturerData).map(([k, v]) => [Number(k), parseHex(v)!]),
    ),
    serviceData: new Map(Object.entries(recorded.serviceData).map(([k, v]) => [k, parseHex(v)!])),
    at,
  };
}

async function start(options: { config?: object; sensor?: typeof NODE } = {}) {
  const mqtt = new FakeMqttPort();
  const ble = new FakeBleScanner();
  const clock = new FakeClock(START);
  const sut = await startDriver(plugin, {
    ports: { mqtt, ble },
    clock,
    sensor: options.sensor ?? NODE,
    config: options.config ?? {},
  });
  return { sut, mqtt, ble, clock };
}

describe(BleBeaconDriver.name, () => {
  describe('bluez source', () => {
    it('emits the observations of a recorded scan: beacons by identity, phones by random address', async () => {
      const { sut, ble, clock } = await start({
        config: {
          adapter: 'hci1',
          referenceBeacons: [{ beaconId: BLUE_CHARM, x: 4, y: 6, z: 2.2 }],
        },
      });
      expect(ble.running).toBe(true);
      expect(ble.adapter).toBe('hci1');
      await replayCapture(
        capture('bluez-advertisements.jsonl'),
        (r) => ble.advertise(advertisement(r.payload as RecordedAd, clock.now())),
        clock,
      );
      const reference = { x: 4, y: 6, z: 2.2 };
      expectObservations(sut.observations, [
        {
          kind: 'ble',
          beaconId: BLUE_CHARM,
          address: 'dd8800003777',
          addressType: 'public',
          rssi: -71,
          txPower: -59,
          reference,
          at: START,
          sensorId: 'office',
          storeId: 'demo',
        },
        { beaconId: BADGE, addressType: 'random', rssi: -64, txPower: -71, at: START + 400 },
        { address: 'e1f2a3b4c5d6', addressType: 'random', rssi: -65, at: START + 900 },
        { beaconId: BLUE_CHARM, rssi: -70, reference, at: START + 1000 },
        {
          address: '5a0b1c2d3e4f',
          addressType: 'random',
          rssi: -88,
          txPower: 8 - 41,
          at: START + 1500,
        },
        { address: '7c1122334455', rssi: -90, at: START + 2100 },
      ]);
      expect(sut.observations[1]).not.toHaveProperty('reference');
      expect(sut.observations[2]).not.toHaveProperty('beaconId'); // TLM: telemetry, no identity
      expect(sut.rejections).toEqual([
        {
          reason: 'bad_ibeacon',
          detail: 'manufacturerData[0x004c]: an iBeacon frame (02 15) must be 23 bytes (got 6)',
        },
      ]);
      expect(sut.statuses).toEqual(['available']);
      await sut.stop();
    });

    it('is not ready (retried by the host) when the adapter is absent', async () => {
      const ble = new FakeBleScanner();
      ble.adapterPresent = false;
      const attempt = startDriver(plugin, {
        ports: { ble },
        clock: new FakeClock(START),
        sensor: NODE,
      });
      await expect(attempt).rejects.toBeInstanceOf(PluginNotReadyError);
      await expect(attempt).rejects.toThrow('BLE adapter hci0: adapter hci0 not found');
    });

    it('goes unavailable at once when the adapter is lost, and available with the next advertisement', async () => {
      const { sut, ble, clock } = await start();
      const ad = (at: number) =>
        advertisement(
          { address: '5A:0B:1C:2D:3E:4F', rssi: -60, manufacturerData: {}, serviceData: {} },
          at,
        );
      ble.advertise(ad(clock.now()));
      ble.reportStatus({ available: false, reason: 'adapter hci0 powered off' });
      expect(sut.statuses).toEqual(['available', 'unavailable: adapter hci0 powered off']);
      clock.advance(600_000); // the timeout does not report it twice
      expect(sut.statuses).toHaveLength(2);
      ble.reportStatus({ available: true });
      expect(sut.statuses).toHaveLength(2); // back only when advertisements flow again
      ble.advertise(ad(clock.now()));
      expect(sut.statuses.at(-1)).toBe('available');
      await sut.stop();
    });

    it('stops discovery and its timer on unload; nothing is emitted afterwards', async () => {
      const { sut, ble, clock } = await start();
      expect(clock.pending).toBe(1);
      await sut.stop();
      expect(ble.running).toBe(false);
      expect(clock.pending).toBe(0);
      ble.running = true; // a late callback from a scanner that did not stop in time
      ble.advertise(
        advertisement(
          { address: '5A:0B:1C:2D:3E:4F', rssi: -60, manufacturerData: {}, serviceData: {} },
          START,
        ),
      );
      expect(sut.observations).toEqual([]);
      await sut.driver.teardown(); // twice is harmless
    });
  });

  describe('espresense source (one driver instance per node, its room is the sensor)', () => {
    it("emits its own room's messages of a recorded capture", async () => {
      const { sut, mqtt, clock } = await start({ config: { source: 'espresense' } });
      await replayCapture(
        capture('espresense_device_messages.jsonl').map((r, i) => ({ ...r, t: i * 1000 })),
        (r) => mqtt.deliver(r.topic!, r.payload as object),
        clock,
      );
      // Only the sample on espresense/devices/…/office is this node's; room_1 is another sensor.
      expectObservations(sut.observations, [
        {
          kind: 'ble',
          beaconId: BLUE_CHARM,
          address: 'dd8800003777',
          rssi: -81.1,
          txPower: -59,
          at: START,
          sensorId: 'office',
        },
      ]);
      expect(mqtt.subscriptionCount).toBe(1);
      await sut.stop();
      expect(mqtt.subscriptionCount).toBe(0);
    });

    it('follows a configured room and prefix; goes unavailable after its timeout', async () => {
      const { sut, mqtt, clock } = await start({
        config: {
          source: 'espresense',
          espresensePrefix: 'shop/{store}/esp',
          room: 'room_1',
          unavailableAfterSeconds: 30,
        },
      });
      mqtt.deliver('shop/demo/esp/devices/known:eeede852bd0b/room_1', {
        id: 'known:eeede852bd0b',
        mac: 'eeede852bd0b',
        rssi: -37,
        'rssi@1m': -71,
      });
      expectObservations(sut.observations, [{ address: 'eeede852bd0b', rssi: -37, txPower: -71 }]);
      clock.advance(30_000);
      expect(sut.statuses).toEqual(['available', 'unavailable: no BLE advertisement for 30 s']);
      mqtt.deliver('shop/demo/esp/devices/x/room_1', 'garbage');
      expect(sut.rejections.map((r) => r.reason)).toEqual(['bad_json']);
      expect(sut.statuses).toHaveLength(2); // a broken message is no sign of health
      await sut.stop();
    });
  });

  describe('theengs source (one gateway is the sensor)', () => {
    it('emits decoded and raw gateway messages', async () => {
      const { sut, mqtt, clock } = await start({
        config: { source: 'theengs', theengsTopic: 'home/TheengsGateway/BTtoMQTT/+' },
      });
      await replayCapture(
        capture('theengs-messages.jsonl'),
        (r) => mqtt.deliver(r.topic!, r.payload as object),
        clock,
      );
      expect(
        sut.observations.map((o) => (o.kind === 'ble' ? (o.beaconId ?? o.address) : '')),
      ).toEqual([
        BLUE_CHARM,
        BLUE_CHARM,
        'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2',
        BADGE,
        '5a0b1c2d3e4f',
      ]);
      expect(sut.observations.map((o) => o.at)).toEqual(
        [0, 1000, 2000, 3000, 4000].map((t) => START + t),
      );
      expect(sut.rejections).toEqual([]);
      await sut.stop();
    });
  });

  describe('configuration', () => {
    it('rejects bad configuration with one clear message naming every field', async () => {
      const attempt = start({
        config: {
          source: 'zigbee',
          adapter: '/dev/hci0',
          room: 'a/b',
          theengsTopic: 'home/#',
          unavailableAfterSeconds: 1,
          referenceBeacons: [{ beaconId: '', x: 'left' }],
          extra: true,
        },
      });
      await expect(attempt).rejects.toBeInstanceOf(PluginConfigError);
      await expect(attempt).rejects.toThrow(
        /source must be one of bluez, espresense, theengs \(got "zigbee"\)/,
      );
      const error = (await attempt.catch((e: unknown) => e)) as PluginConfigError;
      expect([...new Set(error.fields.map((f) => f.field))].sort()).toEqual([
        'adapter',
        'extra',
        'referenceBeacons[0].beaconId',
        'referenceBeacons[0].x',
        'room',
        'source',
        'theengsTopic',
        'unavailableAfterSeconds',
      ]);
    });

    it('refuses a reference beacon listed twice and ids that would make a wildcard', async () => {
      const twice = { beaconId: BLUE_CHARM, x: 1, y: 1, z: 1 };
      await expect(
        start({
          config: { referenceBeacons: [twice, { ...twice, beaconId: BLUE_CHARM.toUpperCase() }] },
        }),
      ).rejects.toThrow('referenceBeacons[1].beaconId: is listed twice');
      await expect(
        start({ config: { source: 'espresense' }, sensor: { id: 'a+b', storeId: 'demo' } }),
      ).rejects.toThrow(/ids must not contain \+, #, \/ or NUL/);
    });

    it('fails setup with a config error when the port its source needs is missing', async () => {
      const attempt = startDriver(plugin, {
        clock: new FakeClock(START),
        sensor: NODE,
        config: { source: 'theengs' },
      });
      await expect(attempt).rejects.toThrow(/source theengs needs the mqtt port/);
      await expect(
        startDriver(plugin, { clock: new FakeClock(START), sensor: NODE }),
      ).rejects.toThrow(/source bluez needs the ble port/);
    });
  });
});
