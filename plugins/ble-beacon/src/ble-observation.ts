import { isValidRssi, normaliseMac, type BleAdvertisement, type BleObservation } from '@aisle/sdk';
import { APPLE_COMPANY_ID, decodeBeaconFrames, type Beacon } from './beacon-frames.js';

/** Free-space path loss over the first metre at 2.4 GHz, dB (as Eddystone's Tx Power uses). */
const ONE_METRE_LOSS_DB = 41;

/** What the driver emits for one advertisement (the host fills in store and sensor). */
export type BleDriverObservation = Omit<BleObservation, 'storeId' | 'sensorId'> & {
  sensorId?: string;
};

export interface Rejection {
  reason: string;
  detail: string;
}

export interface Decoded {
  observation: BleDriverObservation | null;
  rejections: Rejection[];
}

/**
 * A BLE address is random when the scanner says so; without that, when its two top bits are 01
 * (a resolvable private address, what phones rotate every ~15 min). Public addresses with those
 * bits exist, but scanners that do not report the type mostly see phones and beacons.
 */
export function addressTypeOf(
  address: string,
  reported: 'public' | 'random' | undefined,
): 'public' | 'random' | undefined {
  if (reported !== undefined) return reported;
  return (Number.parseInt(address.slice(0, 2), 16) & 0xc0) === 0x40 ? 'random' : undefined;
}

/** Assembles an observation; a calibrated power outside the radio range is left out. */
export function bleObservation(input: {
  at: number;
  rssi: number;
  address?: string;
  addressType?: 'public' | 'random';
  beacon?: Pick<Beacon, 'beaconId'> & { txPower?: number };
  txPower?: number;
}): BleDriverObservation {
  const out: BleDriverObservation = { kind: 'ble', at: input.at, rssi: input.rssi };
  if (input.address !== undefined) {
    out.address = input.address;
    const type = addressTypeOf(input.address, input.addressType);
    if (type !== undefined) out.addressType = type;
  }
  if (input.beacon !== undefined) out.beaconId = input.beacon.beaconId;
  const txPower = input.beacon?.txPower ?? input.txPower;
  if (isValidRssi(txPower)) out.txPower = txPower;
  return out;
}

/**
 * One advertisement from the host's scanner → an observation (beacon identity when the payload
 * carries one, else the device address). Never throws.
 */
export function decodeAdvertisement(ad: BleAdvertisement): Decoded {
  const rejections: Rejection[] = [];
  const address = typeof ad.address === 'string' ? normaliseMac(ad.address) : null;
  if (address === null) {
    return {
      observation: null,
      rejections: [{ reason: 'bad_address', detail: 'address: must be a 6-byte BLE address' }],
    };
  }
  if (!isValidRssi(ad.rssi)) {
    return {
      observation: null,
      rejections: [{ reason: 'bad_rssi', detail: `rssi: must be a number from -127 to 20 dBm` }],
    };
  }
  const frames = decodeBeaconFrames(ad);
  rejections.push(...frames.rejections);
  // Apple data that is not an iBeacon is a phone (Nearby/Handoff): its address is random.
  const phone = frames.beacon === undefined && ad.manufacturerData.has(APPLE_COMPANY_ID);
  const addressType = ad.addressType ?? (phone ? 'random' : undefined);
  return {
    observation: bleObservation({
      at: ad.at,
      rssi: ad.rssi,
      address,
      ...(addressType ? { addressType } : {}),
      ...(frames.beacon ? { beacon: frames.beacon } : {}),
      // BlueZ's TxPower is the advertised level at 0 m; the SDK wants the 1 m reference.
      ...(ad.txPower !== undefined ? { txPower: ad.txPower - ONE_METRE_LOSS_DB } : {}),
    }),
    rejections,
  };
}
