import { PluginNotReadyError, type BleAdvertisement, type BleScannerStatus } from '@aisle/sdk';
import { BluezScanner } from './bluez-scanner.js';
import { PrivateBluez } from './testing/private-bluez.js';

/** The iBeacon of the shared samples (Blue Charm, 3838/4949, -59 dBm at 1 m), without company id. */
const IBEACON = '0215426c7565436861726d426561636f6e730efe1355c5';
const EDDYSTONE_UID = '00e200112233445566778899aabbccddeeff';
const POLL_MS = 50;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const hexOf = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');

describe(BluezScanner.name, () => {
  let bluez: PrivateBluez;
  let sut: BluezScanner;
  const previous = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  const ads: BleAdvertisement[] = [];
  const statuses: BleScannerStatus[] = [];
  const start = (adapter = 'hci0') =>
    sut.start({
      adapter,
      onAdvertisement: (ad) => ads.push(ad),
      onStatus: (status) => statuses.push(status),
    });

  beforeAll(async () => {
    bluez = await PrivateBluez.start();
    // node-ble's createBluetooth() opens dbus-next's system bus, which reads this variable.
    process.env['DBUS_SYSTEM_BUS_ADDRESS'] = bluez.address;
  });

  afterAll(async () => {
    await bluez.stop();
    if (previous === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = previous;
  });

  beforeEach(() => {
    ads.length = 0;
    statuses.length = 0;
    sut = new BluezScanner({ pollMs: POLL_MS, callTimeoutMs: 500 });
  });

  afterEach(async () => {
    await sut.stop();
  });

  it('starts LE discovery and reads RSSI, ManufacturerData (a{qv}) and ServiceData of each device', async () => {
    const beacon = await bluez.addDevice({
      address: 'DD:88:00:00:37:77',
      rssi: -71,
      manufacturerData: { company: 0x004c, hex: IBEACON },
    });
    await bluez.addDevice({
      address: 'E1:F2:A3:B4:C5:D6',
      addressType: 'random',
      rssi: -64,
      serviceData: { uuid: '0000feaa-0000-1000-8000-00805f9b34fb', hex: EDDYSTONE_UID },
    });
    await bluez.addDevice({ address: '7C:11:22:33:44:55', rssi: 0 }); // cached, not heard now
    await start();
    expect(await bluez.calls()).toEqual(
      expect.arrayContaining(['SetDiscoveryFilter:Transport=le', 'StartDiscovery']),
    );
    await until('both advertisements', () => (ads.length >= 2 ? true : undefined));
    const byAddress = new Map(ads.map((ad) => [ad.address, ad]));
    const ib = byAddress.get('DD:88:00:00:37:77')!;
    expect(ib).toMatchObject({ rssi: -71, addressType: 'public' });
    expect([...ib.manufacturerData.keys()]).toEqual([0x004c]);
    expect(hexOf(ib.manufacturerData.get(0x004c))).toBe(IBEACON);
    const uid = byAddress.get('E1:F2:A3:B4:C5:D6')!;
    expect(uid).toMatchObject({ rssi: -64, addressType: 'random' });
    expect(hexOf(uid.serviceData.get('0000feaa-0000-1000-8000-00805f9b34fb'))).toBe(EDDYSTONE_UID);
    expect(byAddress.has('7C:11:22:33:44:55')).toBe(false);

    // Later advertisements arrive as PropertiesChanged signals.
    const before = ads.length;
    await bluez.advertise(beacon, -58);
    const next = await until('the PropertiesChanged advertisement', () => ads[before]);
    expect(next).toMatchObject({ address: 'DD:88:00:00:37:77', rssi: -58 });
    expect(hexOf(next.manufacturerData.get(0x004c))).toBe(IBEACON);
    await bluez.removeDevice(beacon);
    await bluez.removeDevice(
      await bluez.addDevice({ address: 'AA:00:00:00:00:01', rssi: -90 }), // listed and dropped
    );
    expect(statuses).toEqual([]);
  });

  it('stops discovery and releases every D-Bus object on stop', async () => {
    await bluez.addDevice({ address: '5A:0B:1C:2D:3E:4F', addressType: 'random', rssi: -80 });
    await start();
    await until('the device', () => (sut.trackedDevices > 0 ? true : undefined));
    const calls = (await bluez.calls()).length;
    await sut.stop();
    expect((await bluez.calls()).slice(calls)).toEqual(['StopDiscovery']);
    expect(sut.trackedDevices).toBe(0);
    const count = ads.length;
    await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
    expect(ads).toHaveLength(count);
  });

  it('is not ready when the adapter is absent', async () => {
    const attempt = start('hci7');
    await expect(attempt).rejects.toBeInstanceOf(PluginNotReadyError);
    await expect(attempt).rejects.toThrow('BlueZ adapter hci7 not found (adapters: hci0)');
  });

  it('reports a powered-off adapter unavailable, and available again with discovery restarted', async () => {
    await start();
    await bluez.setPowered(false);
    await until('unavailable', () => statuses[0]);
    expect(statuses).toEqual([{ available: false, reason: 'BlueZ adapter hci0 is powered off' }]);
    const calls = (await bluez.calls()).length;
    await bluez.setPowered(true);
    await until('available', () => statuses[1]);
    expect(statuses[1]).toEqual({ available: true });
    expect((await bluez.calls()).slice(calls)).toContain('StartDiscovery');
  });

  it('is not ready when the adapter is powered off at start', async () => {
    await bluez.setPowered(false);
    try {
      await expect(start()).rejects.toThrow('BlueZ adapter hci0 is powered off');
    } finally {
      await bluez.setPowered(true);
    }
  });

  it('reports a D-Bus outage unavailable and reconnects when the bus and BlueZ are back', async () => {
    const device = {
      address: 'DD:88:00:00:37:77',
      rssi: -70,
      manufacturerData: { company: 0x004c, hex: IBEACON },
    };
    await bluez.addDevice(device);
    await start();
    await until('an advertisement', () => ads[0]);
    await bluez.killDaemon();
    const lost = await until('unavailable', () => statuses[0]);
    expect(lost.available).toBe(false);
    await bluez.startDaemon();
    await bluez.startFake();
    await until('available', () => statuses[1], 10_000);
    expect(statuses[1]).toEqual({ available: true });
    const count = ads.length;
    await bluez.addDevice({ ...device, rssi: -66 });
    const again = await until('an advertisement after the outage', () => ads[count]);
    expect(again).toMatchObject({ address: 'DD:88:00:00:37:77', rssi: -66 });
  }, 20_000);

  it('reports a removed adapter unavailable (the fake keeps no adapter afterwards)', async () => {
    await start();
    await bluez.removeAdapter();
    const lost = await until('unavailable', () => statuses[0]);
    expect(lost).toMatchObject({ available: false });
    expect((lost as { reason: string }).reason).toMatch(/^BlueZ adapter hci0: /);
    await new Promise((resolve) => setTimeout(resolve, 5 * POLL_MS));
    expect(statuses).toHaveLength(1); // retried quietly until it is back
    await expect(
      new BluezScanner({ callTimeoutMs: 500 }).start({ onAdvertisement: () => undefined }),
    ).rejects.toThrow('BlueZ adapter hci0 not found (adapters: none)');
  });

  it('is not ready when there is no D-Bus at all', async () => {
    process.env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=/nonexistent/aisle-test-bus';
    try {
      await expect(start()).rejects.toBeInstanceOf(PluginNotReadyError);
    } finally {
      process.env['DBUS_SYSTEM_BUS_ADDRESS'] = bluez.address;
    }
  });
});
