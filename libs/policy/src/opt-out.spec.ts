import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Observation } from '@aisle/sdk';
import { OptOutList, deriveStoreDeviceKey, fixedDeviceModule, optOutModule } from './opt-out.js';

const base = { storeId: 's', sensorId: 'r', at: 0, rssi: -60 };

describe(OptOutList.name, () => {
  it('covers a device in every notation, over Wi-Fi and BLE, and nothing else', () => {
    const sut = new OptOutList(randomBytes(32));
    sut.add(sut.digest({ kind: 'device', address: 'DA-A1-19-4C-2B-7E' })!);
    const module = optOutModule(sut);
    const wifi: Observation = { ...base, kind: 'wifi', mac: 'da:a1:19:4c:2b:7e' };
    const ble: Observation = { ...base, kind: 'ble', address: 'daa1.194c.2b7e' };
    const other: Observation = { ...base, kind: 'wifi', mac: 'da:a1:19:4c:2b:7f' };
    expect(module.gate?.(wifi)).toEqual({ accept: false, reason: 'opted_out' });
    expect(module.gate?.(ble)).toEqual({ accept: false, reason: 'opted_out' });
    expect(module.gate?.(other)).toEqual({ accept: true });
  });

  it('keeps digests only: no notation of the address is in them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const sut = new OptOutList(Buffer.alloc(32, 7));
        const hex = Buffer.from(bytes).toString('hex');
        const digest = sut.digest({ kind: 'device', address: hex })!;
        return digest.length === 64 && !digest.includes(hex);
      }),
    );
  });

  it('differs per key, refuses non-addresses and short keys', () => {
    const a = new OptOutList(Buffer.alloc(32, 1)).digest({
      kind: 'device',
      address: 'aabbccddeeff',
    });
    const b = new OptOutList(Buffer.alloc(32, 2)).digest({
      kind: 'device',
      address: 'aabbccddeeff',
    });
    expect(a).not.toBe(b);
    expect(
      new OptOutList(Buffer.alloc(32)).digest({ kind: 'device', address: 'not a mac' }),
    ).toBeNull();
    expect(() => new OptOutList(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('covers beacons by id', () => {
    const sut = new OptOutList(Buffer.alloc(32, 3));
    sut.add(sut.digest({ kind: 'beacon', id: 'iBeacon:ABC:1:2' })!);
    expect(sut.covers({ ...base, kind: 'ble', beaconId: 'ibeacon:abc:1:2' })).toBe(true);
    expect(sut.covers({ ...base, kind: 'camera', entries: 1 })).toBe(false);
  });
});

describe(deriveStoreDeviceKey.name, () => {
  it('gives each store its own digests, unlinkable to the opt-out list', () => {
    const hubKey = Buffer.alloc(32, 9);
    const subject = { kind: 'device', address: 'aa:bb:cc:dd:ee:ff' } as const;
    const optOut = new OptOutList(hubKey).digest(subject);
    const a = new OptOutList(deriveStoreDeviceKey(hubKey, 'a')).digest(subject);
    const b = new OptOutList(deriveStoreDeviceKey(hubKey, 'b')).digest(subject);
    expect(new Set([optOut, a, b]).size).toBe(3);
    const list = new OptOutList(deriveStoreDeviceKey(hubKey, 'a'));
    list.add(a!);
    expect(
      fixedDeviceModule(list).gate?.({ ...base, kind: 'wifi', mac: 'AA-BB-CC-DD-EE-FF' }),
    ).toEqual({
      accept: false,
      reason: 'fixed_device',
    });
  });
});
