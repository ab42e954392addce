import mqtt, { type MqttClient } from 'mqtt';
import type { Subscription } from 'rxjs';
import type { RadioSighting, Sighting } from '@aisle/sdk';
import { PrivateBluez } from '../../hardware/src/ble/testing/private-bluez.js';
import { trackingPolicy } from '../support/policies.js';
import { expectNoRawMac } from '../support/raw-mac.js';
import { eventually, startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { observe, SIGHTINGS, type HandOff, PolicyModuleHost } from '@aisle/core';

/** The iBeacon of the shared samples, as BlueZ reports its manufacturer data (no company id). */
const IBEACON = '0215426c7565436861726d426561636f6e730efe1355c5';
const REFERENCE = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';
/** A staff badge: Eddystone-UID. */
const BADGE_FRAME = '00e200112233445566778899aabbccddeeff';
const BADGE = 'eddystone-uid:00112233445566778899:aabbccddeeff';
/** Device addresses fed in; none may come out past the gate. */
const BLE_ADDRESSES = [
  'dd:88:00:00:37:77', // the reference beacon
  '5a:0b:1c:2d:3e:4f', // a phone's resolvable private address (BlueZ)
  'e1:f2:a3:b4:c5:d6', // the staff badge
  'c4:a1:b2:c3:d4:e5', // a phone heard by ESPresense
  '4b:11:22:33:44:55', // a beacon heard by Theengs
];

/**
 * The BLE driver end to end: advertisements from a fake BlueZ on a real (private) D-Bus through
 * node-ble, ESPresense and Theengs messages through the real broker (embedded aedes, or MQTT_URL),
 * the ingest gate, to pseudonymous sightings; reference beacons are marked and not stored, staff
 * badges excluded through the fixed-device list, and no BLE address leaves the gate.
 */
describe('BLE beacon driver (BlueZ on D-Bus, ESPresense, Theengs)', () => {
  let bluez: PrivateBluez;
  let sut: TestHub;
  let client: MqttClient;
  let subscription: Subscription;
  const sightings: Sighting[] = [];
  const previousBus = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const storeId = `ble-${unique}`;
  const espresensePrefix = `esp-${unique}`;
  const gateway = `gw-${unique}`;
  const radio = (sensorId: string): RadioSighting[] =>
    sightings.filter((s): s is RadioSighting => s.kind === 'ble' && s.sensorId === sensorId);

  beforeAll(async () => {
    bluez = await PrivateBluez.start();
    process.env['DBUS_SYSTEM_BUS_ADDRESS'] = bluez.address;
    sut = await startTestHub();
    subscription = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) =>
      sightings.push(s),
    );
    await sut
      .post('/api/stores', {
        id: storeId,
        name: 'BLE store',
        timezone: 'Europe/Berlin',
        width: 20,
        height: 10,
        policy: trackingPolicy(),
      })
      .expect(201);
    const sensors = [
      {
        id: 'hub-host',
        x: 2,
        y: 2,
        config: { source: 'bluez', referenceBeacons: [{ beaconId: REFERENCE, x: 6, y: 4, z: 2 }] },
      },
      { id: 'office', x: 10, y: 5, config: { source: 'espresense', espresensePrefix } },
      {
        id: 'gw-1',
        x: 18,
        y: 8,
        config: { source: 'theengs', theengsTopic: `home/${gateway}/BTtoMQTT/+` },
      },
    ];
    for (const sensor of sensors) {
      await sut
        .post(`/api/stores/${storeId}/sensors`, { ...sensor, domain: 'ble-beacon' })
        .expect(201);
    }
    await eventually('the three BLE sensors to run', async () => {
      const list = (await sut.get('/api/plugins/ble-beacon')).body.sensors as {
        storeId: string;
        status: string;
      }[];
      return list.filter((s) => s.storeId === storeId && s.status === 'running').length === 3;
    });
    client = await mqtt.connectAsync(sut.hub.mqttUrl, { clientId: `ble-e2e-${unique}` });
  }, 60_000);

  afterAll(async () => {
    subscription?.unsubscribe();
    await client?.endAsync();
    await sut?.stop();
    await bluez?.stop();
    if (previousBus === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = previousBus;
  });

  it('turns BlueZ advertisements (real D-Bus, node-ble) into sightings; reference beacons marked, not stored', async () => {
    expect(await bluez.calls()).toContain('StartDiscovery');
    const beacon = await bluez.addDevice({
      address: 'DD:88:00:00:37:77',
      rssi: -71,
      manufacturerData: { company: 0x004c, hex: IBEACON },
    });
    await bluez.addDevice({ address: '5A:0B:1C:2D:3E:4F', addressType: 'random', rssi: -80 });
    await eventually('both BlueZ devices past the gate', () => radio('hub-host').length >= 2);
    await bluez.advertise(beacon, -60);
    await eventually('the PropertiesChanged advertisement', () =>
      radio('hub-host').some((s) => s.rssi === -60),
    );
    const reference = radio('hub-host').filter((s) => s.beacon);
    expect(reference.length).toBeGreaterThanOrEqual(2);
    for (const s of reference) {
      expect(s).toMatchObject({ reference: { x: 6, y: 4, z: 2 }, txPower: -59 });
      expect(s.subject).toMatch(/^[0-9a-f]{32,}$/);
    }
    const phone = radio('hub-host').find((s) => !s.beacon)!;
    expect(phone).toMatchObject({ randomized: true, rssi: -80 });
    expect(phone).not.toHaveProperty('reference');
    // Only the phone is stored: reference beacons are calibration, never visitors.
    await eventually('the phone stored', async () => (await sut.storedRows(storeId)) === 1);
  });

  it('turns ESPresense and Theengs messages from the broker into sightings', async () => {
    await client.publishAsync(
      `${espresensePrefix}/devices/phone:c4a1/office`,
      JSON.stringify({ id: 'phone:c4a1', mac: 'c4a1b2c3d4e5', rssi: -67.5, 'rssi@1m': -59 }),
    );
    await client.publishAsync(
      `${espresensePrefix}/devices/x/another-room`,
      JSON.stringify({ mac: 'c4a1b2c3d4e5', rssi: -50 }),
    );
    await client.publishAsync(
      `home/${gateway}/BTtoMQTT/4B1122334455`,
      JSON.stringify({
        id: '4B:11:22:33:44:55',
        rssi: -77,
        manufacturerdata: `4c00${IBEACON.replace('0efe', '0001')}`,
      }),
    );
    await client.publishAsync(`home/${gateway}/BTtoMQTT/4B1122334455`, '{"rssi": "loud"');
    await eventually('the ESPresense sighting', () => radio('office').length === 1);
    await eventually('the Theengs sighting', () => radio('gw-1').length === 1);
    expect(radio('office')[0]).toMatchObject({ rssi: -67.5, txPower: -59, randomized: false });
    expect(radio('gw-1')[0]).toMatchObject({ rssi: -77, beacon: true, txPower: -59 });
    await eventually('the bad Theengs message counted', async () =>
      (await sut.metrics()).includes('reason="bad_json"'),
    );
  });

  it('excludes a staff badge registered in the fixed-device list by its beacon id', async () => {
    await sut
      .post(`/api/stores/${storeId}/fixed-devices`, { beaconId: BADGE, label: 'staff badge 7' })
      .expect(201);
    await sut.post(`/api/stores/${storeId}/fixed-devices`, { beaconId: 42 }).expect(400);
    await eventually('the store modules to reload', () =>
      sut.hub
        .get(PolicyModuleHost)
        .running(storeId)
        .modules.some((m) => m.domain === 'aisle-fixed-devices' && m.hooks.includes('gate')),
    );
    const before = sightings.length;
    await bluez.addDevice({
      address: 'E1:F2:A3:B4:C5:D6',
      addressType: 'random',
      rssi: -62,
      serviceData: { uuid: '0000feaa-0000-1000-8000-00805f9b34fb', hex: BADGE_FRAME },
    });
    await eventually('the badge dropped at the gate', async () =>
      (await sut.metrics()).includes('aisle_observations_dropped_total{reason="policy_rejected"'),
    );
    expect(sightings.slice(before).filter((s) => s.sensorId === 'hub-host')).toEqual([]);
  });

  it('lets no BLE address out: database, logs, events, API', async () => {
    const ds = sut.hub.get(DataSource);
    const tables = await ds.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables) {
      const rows = await ds.query<object[]>(`SELECT * FROM "${table_name}"`);
      expectNoRawMac(
        JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)),
        `table ${table_name}`,
        BLE_ADDRESSES,
      );
    }
    expectNoRawMac(sut.logs.join('\n'), 'logs', BLE_ADDRESSES);
    expectNoRawMac(sightings, 'sightings', BLE_ADDRESSES);
    expectNoRawMac(sut.events, 'events', BLE_ADDRESSES);
    for (const path of [
      '/api/plugins/ble-beacon',
      `/api/stores/${storeId}/fixed-devices`,
      '/health',
    ]) {
      expectNoRawMac((await sut.get(path)).text, path, BLE_ADDRESSES);
    }
  });
});
