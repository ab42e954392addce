import { randomBytes } from 'node:crypto';
import { pseudonym } from '@aisle/ingest';
import { isLocallyAdministered, normaliseMac, type DriverObservation } from '@aisle/sdk';

/** What `aisle decode` prints for one observation: identifiers replaced unless `--raw`. */
export type DecodedRecord = Record<string, unknown> & { kind: DriverObservation['kind'] };

/**
 * Replaces every raw identifier of an observation by an HMAC pseudonym under a key made for this
 * run only and never written anywhere, so equal devices in one file share a pseudonym and nothing
 * printed can be linked to a MAC address or to another run's output.
 */
export class RunPseudonymiser {
  private readonly key = randomBytes(32);

  apply(observation: DriverObservation): DecodedRecord {
    switch (observation.kind) {
      case 'wifi': {
        const { mac, fingerprint, ...rest } = observation;
        const normalised = normaliseMac(mac);
        return {
          ...rest,
          subject: normalised === null ? null : pseudonym(this.key, 'wifi', normalised),
          randomized: normalised === null ? null : isLocallyAdministered(normalised),
          ...(fingerprint === undefined
            ? {}
            : { fingerprint: pseudonym(this.key, 'fp', fingerprint) }),
        };
      }
      case 'ble': {
        const { address, beaconId, ...rest } = observation;
        const normalised = address === undefined ? null : normaliseMac(address);
        return {
          ...rest,
          ...(beaconId === undefined
            ? {}
            : { subject: pseudonym(this.key, 'beacon', beaconId.toLowerCase()), beacon: true }),
          ...(normalised === null ? {} : { device: pseudonym(this.key, 'ble', normalised) }),
        };
      }
      case 'camera': {
        const { trackId, ...rest } = observation;
        return {
          ...rest,
          ...(trackId === undefined ? {} : { track: pseudonym(this.key, 'track', trackId) }),
        };
      }
    }
  }
}
