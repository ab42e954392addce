import { createHmac } from 'node:crypto';
import { normaliseMac, type GateDecision, type Observation, type PolicyModule } from '@aisle/sdk';
import { keyedDigestHex } from '@aisle/ingest';

/** What a shopper may submit to opt out: a device address (Wi-Fi or BLE), or a beacon id. */
export type OptOutSubject = { kind: 'device'; address: string } | { kind: 'beacon'; id: string };

/**
 * A list of devices held only as HMAC-SHA256 digests under a key, never as addresses: the hub-wide
 * opt-out list, and each store's fixed-device list (under a key derived per store). One address
 * covers Wi-Fi and BLE (both use the same 48-bit form).
 */
export class OptOutList {
  private readonly hashes = new Set<string>();

  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the opt-out key must be at least 32 bytes');
  }

  /** Digest of a subject, or null when the address is not a MAC address. */
  digest(subject: OptOutSubject): string | null {
    // `keyedDigestHex` is `createHmac('sha256', key).update(`${prefix}:${id}`).digest('hex')`,
    // with the key's pad state hashed once (this runs per observation while the list is not empty).
    if (subject.kind === 'device') {
      const mac = normaliseMac(subject.address);
      return mac === null ? null : keyedDigestHex(this.key, 'device', mac);
    }
    const id = subject.id.trim().toLowerCase();
    return id === '' ? null : keyedDigestHex(this.key, 'beacon', id);
  }

  add(hash: string): void {
    this.hashes.add(hash);
  }

  has(hash: string): boolean {
    return this.hashes.has(hash);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** True when the observation's device or beacon is on the list. Costs nothing while the list is empty. */
  covers(observation: Readonly<Observation>): boolean {
    if (this.hashes.size === 0) return false;
    const candidates: (OptOutSubject | null)[] = [];
    if (observation.kind === 'wifi') candidates.push({ kind: 'device', address: observation.mac });
    if (observation.kind === 'ble') {
      if (observation.address !== undefined) {
        candidates.push({ kind: 'device', address: observation.address });
      }
      if (observation.beaconId !== undefined) {
        candidates.push({ kind: 'beacon', id: observation.beaconId });
      }
    }
    return candidates.some((c) => {
      const hash = c ? this.digest(c) : null;
      return hash !== null && this.hashes.has(hash);
    });
  }
}

/** A gate's acceptance: one frozen object, not one per observation. */
const GATE_ACCEPT: GateDecision = Object.freeze({ accept: true });

/** Gate reason for an opted-out device (shown as detail of `policy_rejected`). */
export const OPTED_OUT = 'opted_out';

/** The built-in policy module that drops opted-out devices at the gate, before pseudonymisation. */
export function optOutModule(list: OptOutList): PolicyModule {
  return {
    gate: (observation): GateDecision =>
      list.covers(observation) ? { accept: false, reason: OPTED_OUT } : GATE_ACCEPT,
  };
}

/**
 * The key of a store's fixed-device list, derived from the hub's opt-out key: digests of one store
 * cannot be matched against another store's or against the opt-out list.
 */
export function deriveStoreDeviceKey(hubKey: Buffer, storeId: string): Buffer {
  return createHmac('sha256', hubKey).update(`fixed-devices:${storeId}`).digest();
}

/** Gate reason for a store's own devices (staff PCs, printers): never counted as shoppers. */
export const FIXED_DEVICE = 'fixed_device';

/** Drops a store's fixed devices at the gate. `list` holds digests under the store's derived key. */
export function fixedDeviceModule(list: OptOutList): PolicyModule {
  return {
    gate: (observation): GateDecision =>
      list.covers(observation) ? { accept: false, reason: FIXED_DEVICE } : GATE_ACCEPT,
  };
}
