import { randomBytes } from 'node:crypto';
import { pseudonym } from '@aisle/ingest';
import { isLocallyAdministered, normaliseMac, type DriverObservation } from '@aisle/sdk';

/** What identifies the subject of a record (the ingest gate's namespaces, plus camera tracks). */
export type SubjectKind = 'wifi' | 'ble' | 'beacon' | 'track';

/**
 * What `aisle decode` prints for one observation, the same keys for every decoder (README,
 * "Command line"): `kind`, `at` (epoch ms, `null` when the recording has no time), `sensorId`
 * (`null` when the file does not say), `subject` and `subjectKind` (the identifier the hub would
 * key the observation by — a beacon id before a BLE address, as the ingest gate does — as a
 * pseudonym, or raw with `--raw`; `null` for camera counts without a track), `randomized` (a
 * locally administered MAC; `null` when not a MAC), then the kind's measurements (`rssi`,
 * `channel`, `entries`, `zoneId`, …) as the decoder gave them.
 */
export type DecodedRecord = {
  kind: DriverObservation['kind'];
  at: number | null;
  sensorId: string | null;
  subject: string | null;
  subjectKind: SubjectKind | null;
  randomized: boolean | null;
} & Record<string, unknown>;

/**
 * Turns observations into {@link DecodedRecord}s. Unless `raw`, every identifier is replaced by
 * an HMAC pseudonym under a key made for this run only and never written anywhere, so equal
 * devices in one file share a pseudonym and nothing printed can be linked to a MAC address or to
 * another run's output.
 */
export class RunPseudonymiser {
  private readonly key = randomBytes(32);

  constructor(private readonly raw = false) {}

  apply(observation: DriverObservation): DecodedRecord {
    const id = (namespace: Parameters<typeof pseudonym>[1], value: string): string =>
      this.raw ? value : pseudonym(this.key, namespace, value);
    switch (observation.kind) {
      case 'wifi': {
        const { kind, at, sensorId, mac, fingerprint, ...measurements } = observation;
        const normalised = normaliseMac(mac);
        return {
          ...common(kind, at, sensorId),
          subject: normalised === null ? null : id('wifi', this.raw ? mac : normalised),
          subjectKind: normalised === null ? null : 'wifi',
          randomized: normalised === null ? null : isLocallyAdministered(normalised),
          ...measurements,
          ...(fingerprint === undefined ? {} : { fingerprint: id('fp', fingerprint) }),
        };
      }
      case 'ble': {
        const { kind, at, sensorId, address, beaconId, ...measurements } = observation;
        const normalised = address === undefined ? null : normaliseMac(address);
        // A beacon id before the address, as the ingest gate keys it.
        if (beaconId !== undefined) {
          return {
            ...common(kind, at, sensorId),
            subject: id('beacon', this.raw ? beaconId : beaconId.toLowerCase()),
            subjectKind: 'beacon',
            randomized: null,
            ...measurements,
          };
        }
        return {
          ...common(kind, at, sensorId),
          subject: normalised === null ? null : id('ble', this.raw ? (address ?? '') : normalised),
          subjectKind: normalised === null ? null : 'ble',
          randomized: normalised === null ? null : isLocallyAdministered(normalised),
          ...measurements,
        };
      }
      case 'camera': {
        const { kind, at, sensorId, trackId, ...measurements } = observation;
        return {
          ...common(kind, at, sensorId),
          subject: trackId === undefined ? null : id('track', trackId),
          subjectKind: trackId === undefined ? null : 'track',
          randomized: null,
          ...measurements,
        };
      }
    }
  }
}

/** The keys every record starts with; a time of 0 or less means the recording had none. */
function common(
  kind: DriverObservation['kind'],
  at: number,
  sensorId: string | undefined,
): Pick<DecodedRecord, 'kind' | 'at' | 'sensorId'> {
  return {
    kind,
    at: Number.isFinite(at) && at > 0 ? at : null,
    sensorId: sensorId === undefined || sensorId === '' ? null : sensorId,
  };
}
